package dev.jmae.crossmae.config;

/**
 * An invalid configuration: the message names the JSON key (its path) and the reason, and ends
 * with a hint when a fix is known.
 */
public class ConfigException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * Creates the exception.
     *
     * @param key the JSON key (path) at fault, e.g. {@code kept_mask_ratio}
     * @param reason what is wrong
     */
    public ConfigException(String key, String reason) {
        super(key + ": " + reason);
        this.key = key;
    }

    /** @return the JSON key at fault */
    public String key() {
        return key;
    }
}
