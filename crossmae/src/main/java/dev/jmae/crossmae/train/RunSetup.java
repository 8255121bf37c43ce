package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What starting and resuming a run do to its directory, for pretraining and fine-tuning alike:
 * take its lock ({@link RunLock}), remove the litter of interrupted writes, and write config.json
 * (atomically) when it is new or changed.
 */
final class RunSetup {

    private RunSetup() {
    }

    /** An action that may fail with an I/O error. */
    @FunctionalInterface
    interface IoAction<T> {
        /**
         * Runs the action.
         *
         * @param lock the lock just taken (null on a rank that takes none)
         * @return the result
         * @throws IOException if it fails
         */
        T run(RunLock lock) throws IOException;
    }

    /**
     * Fails when a directory already holds a run.
     *
     * @param rd the run directory
     * @throws ConfigException if it has a checkpoint-last
     */
    static void requireNoRun(RunDirectory rd) {
        if (Files.exists(rd.lastCheckpoint())) {
            throw new ConfigException("out", rd.root() + " already holds a run with a checkpoint; hint: continue it with"
                    + " --resume " + rd.root() + ", or pick another --out");
        }
    }

    /**
     * Replaces the run's config.json atomically.
     *
     * @param rd the run directory
     * @param config the config text (pretty JSON)
     * @throws IOException if it cannot be written, naming the file
     */
    static void writeConfig(RunDirectory rd, String config) throws IOException {
        try {
            AtomicFiles.replaceStream(rd.config(), out -> out.write((config + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw WriteFailures.writing(rd.config(), e, null);
        }
    }

    /**
     * Takes the directory's lock (when asked), removes litter, writes the config when given, and
     * builds the trainer; the lock is released again if any of it fails.
     *
     * @param rd the run directory
     * @param takeLock whether this process writes the directory (rank 0)
     * @param newRun whether this is a new run (then the directory must hold no run)
     * @param config the config text to write to config.json, or null to leave it
     * @param notes where to add what was done (litter removed)
     * @param build builds the trainer, which owns the lock from then on
     * @param <T> the trainer type
     * @return the trainer
     * @throws IOException if the lock, the litter or the config cannot be handled
     * @throws ConfigException if another run holds the directory, or a new run finds one there
     */
    static <T> T prepare(RunDirectory rd, boolean takeLock, boolean newRun, String config, List<String> notes,
                         IoAction<T> build) throws IOException {
        if (newRun) {
            requireNoRun(rd);
        }
        RunLock lock = takeLock ? RunLock.acquire(rd.root()) : null;
        try {
            if (takeLock) {
                if (newRun) {
                    requireNoRun(rd);
                }
                List<Path> litter = RunLock.removeLitter(rd.root());
                if (!litter.isEmpty()) {
                    notes.add("removed " + litter.size() + " temporary file(s) that interrupted writes left in " + rd.root());
                }
                if (config != null) {
                    writeConfig(rd, config);
                }
            }
            return build.run(lock);
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }
}
