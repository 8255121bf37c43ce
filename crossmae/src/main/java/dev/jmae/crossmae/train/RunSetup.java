package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.cpu.GemmTuning;
import dev.jmae.tensor.io.AtomicFiles;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * What starting and resuming a run do to its directory, for pretraining and fine-tuning alike:
 * take its lock ({@link RunLock}), remove the litter of interrupted writes, write config.json
 * (atomically) when it is new or changed, and record or reinstall the {@code cpu} GEMM tuning the
 * run uses ({@value #GEMM_TUNING_FILE}).
 */
final class RunSetup {

    /**
     * The file of a run directory that holds the {@code cpu} GEMM tuning the run trains with, one
     * {@link GemmTuning#spec()} line: two tunings may differ in the last bits of a product, so a
     * resume installs the recorded one and stays bit-identical to an uninterrupted run.
     */
    static final String GEMM_TUNING_FILE = "gemm-tuning.txt";

    private RunSetup() {
    }

    /**
     * Records (new run) or reinstalls (resume) the {@code cpu} GEMM tuning of a run, before its
     * first product. A new run writes the tuning in force ({@link GemmTuning#current()}: pinned,
     * cached for this machine, or found by the bounded search now) to {@value #GEMM_TUNING_FILE};
     * a resume installs the recorded one for this process ({@link GemmTuning#install}). Other
     * devices do not use it, and nothing is done for them.
     *
     * @param rd the run directory
     * @param device where the run trains
     * @param newRun whether the run starts now
     * @param writes whether this process writes the directory (rank 0)
     * @param notes where to add the line that says which tuning is used and why
     * @throws IOException if the file cannot be written, naming it
     * @throws ConfigException if the recorded tuning cannot be read back
     */
    static void gemmTuning(RunDirectory rd, Device device, boolean newRun, boolean writes, List<String> notes)
            throws IOException {
        if (!device.equals(Device.CPU)) {
            return;
        }
        Path file = rd.root().resolve(GEMM_TUNING_FILE);
        if (!newRun && Files.exists(file)) {
            String line = Files.readString(file, StandardCharsets.UTF_8).strip();
            GemmTuning recorded;
            try {
                recorded = GemmTuning.parse(line);
            } catch (IllegalArgumentException e) {
                throw new ConfigException("resume", file + " does not hold a GEMM tuning: " + e.getMessage()
                        + "; hint: delete the file to resume with this machine's tuning (the last bits of the losses may then"
                        + " differ from an uninterrupted run)");
            }
            GemmTuning.install(recorded);
            notes.add("cpu GEMM tuning recorded by the run (" + file.getFileName() + "): " + recorded.spec());
            return;
        }
        GemmTuning t = GemmTuning.current();
        notes.add("cpu GEMM tuning: " + t.spec()
                + (writes ? " (recorded in " + file.getFileName() + " for --resume)" : ""));
        if (writes) {
            try {
                AtomicFiles.replaceStream(file, out -> out.write((t.spec() + "\n").getBytes(StandardCharsets.UTF_8)));
            } catch (IOException e) {
                throw WriteFailures.writing(file, e, null);
            }
        }
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
            throw new ConfigException("out",
                    rd.root() + " already holds a run with a checkpoint; hint: continue it with"
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
     * Takes the directory's lock (when asked), removes litter, writes the config when given,
     * records or reinstalls the GEMM tuning ({@link #gemmTuning}) and builds the trainer; the lock
     * is released again if any of it fails.
     *
     * @param rd the run directory
     * @param device where the run trains
     * @param takeLock whether this process writes the directory (rank 0)
     * @param newRun whether this is a new run (then the directory must hold no run)
     * @param config the config text to write to config.json, or null to leave it
     * @param notes where to add what was done (litter removed, the GEMM tuning used)
     * @param build builds the trainer, which owns the lock from then on
     * @param <T> the trainer type
     * @return the trainer
     * @throws IOException if the lock, the litter or the config cannot be handled
     * @throws ConfigException if another run holds the directory, or a new run finds one there
     */
    static <T> T prepare(RunDirectory rd, Device device, boolean takeLock, boolean newRun, String config,
                         List<String> notes,
                         IoAction<T> build)
            throws IOException {
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
                    notes.add("removed " + litter.size() + " temporary file(s) that interrupted writes left in "
                            + rd.root());
                }
                if (config != null) {
                    writeConfig(rd, config);
                }
            }
            gemmTuning(rd, device, newRun, takeLock, notes);
            return build.run(lock);
        } catch (IOException | RuntimeException e) {
            if (lock != null) {
                lock.close();
            }
            throw e;
        }
    }
}
