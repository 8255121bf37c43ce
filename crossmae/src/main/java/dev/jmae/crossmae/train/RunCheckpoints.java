package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.nn.Checkpoint;
import dev.jmae.nn.Module;
import dev.jmae.tensor.io.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checkpoints of a pretraining run: {@code checkpoint-last.safetensors} (model, optimizer
 * state and metadata: format, the resolved config, the position epoch, batch, step that a
 * resumed run continues from, and the ranks that wrote it: world_size and global_batch_size,
 * batch_size · world_size, which a resumed run keeps) and, when asked, a numbered copy. In a
 * data-parallel run only rank 0 writes (every replica holds the same model and optimizer state).
 *
 * <p>Every file is replaced atomically (a temporary sibling, then a rename), the numbered copy
 * too, so a kill at any moment leaves either the old or the new file under each name; and nothing
 * is saved whose parameters or optimizer moments are not finite ({@link FiniteState}).
 */
final class RunCheckpoints {

    /** The format tag in the metadata. */
    static final String FORMAT = "jmae-pretrain-checkpoint-1";
    /** The metadata key of the number of ranks that trained the run (absent: 1). */
    static final String WORLD_SIZE = "world_size";
    /** The metadata key of the images per micro-batch over all ranks (absent: batch_size). */
    static final String GLOBAL_BATCH_SIZE = "global_batch_size";

    private final RunDirectory run;
    private final Configs.Config config;
    private final int worldSize;

    /**
     * Creates the writer.
     *
     * @param run the run directory
     * @param config the resolved config, saved in the metadata
     * @param worldSize the number of ranks training the run
     */
    RunCheckpoints(RunDirectory run, Configs.Config config, int worldSize) {
        this.run = run;
        this.config = config;
        this.worldSize = worldSize;
    }

    /**
     * Writes checkpoint-last atomically, and a numbered copy when asked, after checking that
     * the model and optimizer state are finite.
     *
     * @param model the model
     * @param step the training step (optimizer, step count, lr)
     * @param epoch epochs completed, or the current epoch when stopped mid-epoch
     * @param batch micro-batches of that epoch done (0 at an epoch boundary)
     * @param numbered whether to also copy it to checkpoint-{epoch}
     * @throws NonFiniteLossException if a parameter or optimizer moment is NaN or infinite
     *     (nothing is written)
     * @throws IOException if writing fails (the previous files are then untouched); a full disk
     *     is named as such
     */
    void save(Module model, TrainStep step, int epoch, int batch, boolean numbered) throws IOException {
        FiniteState.require(model, step.optimizer(), step, batch == 0 ? epoch - 1 : epoch, batch == 0 ? -1 : batch);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("config", config.model().toJson().setAll(config.train().toJson()).toString());
        meta.put("epoch", Integer.toString(epoch));
        meta.put("batch", Integer.toString(batch));
        meta.put("step", Long.toString(step.optimizerSteps()));
        meta.put(WORLD_SIZE, Integer.toString(worldSize));
        meta.put(GLOBAL_BATCH_SIZE, Integer.toString(config.train().batchSize() * worldSize));
        try {
            Checkpoint.save(run.lastCheckpoint(), model, step.optimizer(), meta);
        } catch (IOException e) {
            throw WriteFailures.writing(run.lastCheckpoint(), e, "resume with --resume " + run.root());
        }
        if (numbered) {
            copyAtomically(run.lastCheckpoint(), run.checkpoint(epoch));
        }
    }

    /**
     * Copies a file atomically: into a temporary sibling of the target, forced to disk, then
     * renamed over it, so the target's name never holds a partial copy.
     *
     * @param source the file to copy
     * @param target the copy (replaced atomically)
     * @throws IOException if reading or writing fails (the target is then unchanged)
     */
    static void copyAtomically(Path source, Path target) throws IOException {
        try (InputStream in = Files.newInputStream(source)) {
            AtomicFiles.replace(target, ch -> {
                OutputStream out = Channels.newOutputStream(ch);
                in.transferTo(out);
                out.flush();
            });
        } catch (IOException e) {
            throw WriteFailures.writing(target, e, null);
        }
    }
}
