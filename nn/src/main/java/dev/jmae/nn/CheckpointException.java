package dev.jmae.nn;

import java.util.List;

/**
 * A state dict or checkpoint that does not fit a module: lists every missing, unexpected and
 * mis-shaped key at once.
 */
public class CheckpointException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> misShaped;

    /**
     * Creates the exception.
     *
     * @param what what was being loaded (a file, a module name)
     * @param missing keys the module has and the dict lacks
     * @param unexpected keys the dict has and the module lacks
     * @param misShaped "key: expected [..], got [..]" entries
     */
    public CheckpointException(String what, List<String> missing, List<String> unexpected, List<String> misShaped) {
        this(what, missing, unexpected, misShaped, List.of());
    }

    /**
     * Creates the exception with notes on what was done to the keys before matching (prefixes
     * removed, entries set aside) and what the mismatch suggests, one line each after the lists.
     *
     * @param what what was being loaded (a file, a module name)
     * @param missing keys the module has and the dict lacks
     * @param unexpected keys the dict has and the module lacks
     * @param misShaped "key: expected [..], got [..]" entries
     * @param notes further lines, e.g. "the checkpoint has no decoder ...; hint: ..."
     */
    public CheckpointException(String what, List<String> missing, List<String> unexpected, List<String> misShaped,
                               List<String> notes) {
        super(message(what, missing, unexpected, misShaped) + notes(notes));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.misShaped = List.copyOf(misShaped);
    }

    private static String notes(List<String> notes) {
        StringBuilder sb = new StringBuilder();
        for (String n : notes) {
            sb.append("\n  note: ").append(n);
        }
        return sb.toString();
    }

    private static String message(String what, List<String> missing, List<String> unexpected, List<String> misShaped) {
        StringBuilder sb = new StringBuilder("state dict does not match ").append(what).append(':');
        if (!missing.isEmpty()) {
            sb.append("\n  missing keys (").append(missing.size()).append("): ").append(String.join(", ", missing));
        }
        if (!unexpected.isEmpty()) {
            sb.append("\n  unexpected keys (").append(unexpected.size()).append("): ")
                    .append(String.join(", ", unexpected));
        }
        if (!misShaped.isEmpty()) {
            sb.append("\n  mis-shaped (").append(misShaped.size()).append("): ").append(String.join("; ", misShaped));
        }
        return sb.toString();
    }

    /** @return keys the module has and the dict lacks */
    public List<String> missing() {
        return missing;
    }

    /** @return keys the dict has and the module lacks */
    public List<String> unexpected() {
        return unexpected;
    }

    /** @return descriptions of keys whose shapes differ */
    public List<String> misShaped() {
        return misShaped;
    }
}
