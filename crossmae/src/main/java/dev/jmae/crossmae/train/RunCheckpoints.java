package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.nn.Checkpoint;
import dev.jmae.nn.Module;
import dev.jmae.nn.optim.Optimizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The checkpoints of a pretraining run: {@code checkpoint-last.safetensors} (model, optimizer
 * state and metadata: format, the resolved config, the position epoch, batch, step that a
 * resumed run continues from, and the ranks that wrote it: world_size and global_batch_size,
 * batch_size · world_size, which a resumed run keeps) and, when asked, a numbered copy. In a
 * data-parallel run only rank 0 writes (every replica holds the same model and optimizer state).
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
     * Writes checkpoint-last atomically, and a numbered copy when asked.
     *
     * @param model the model
     * @param optimizer its optimizer
     * @param epoch epochs completed, or the current epoch when stopped mid-epoch
     * @param batch micro-batches of that epoch done (0 at an epoch boundary)
     * @param step optimizer steps so far
     * @param numbered whether to also copy it to checkpoint-{epoch}
     * @throws IOException if writing fails (the previous checkpoint-last is then untouched)
     */
    void save(Module model, Optimizer optimizer, int epoch, int batch, long step, boolean numbered) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", FORMAT);
        meta.put("config", config.model().toJson().setAll(config.train().toJson()).toString());
        meta.put("epoch", Integer.toString(epoch));
        meta.put("batch", Integer.toString(batch));
        meta.put("step", Long.toString(step));
        meta.put(WORLD_SIZE, Integer.toString(worldSize));
        meta.put(GLOBAL_BATCH_SIZE, Integer.toString(config.train().batchSize() * worldSize));
        Checkpoint.save(run.lastCheckpoint(), model, optimizer, meta);
        if (numbered) {
            Files.copy(run.lastCheckpoint(), run.checkpoint(epoch), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
