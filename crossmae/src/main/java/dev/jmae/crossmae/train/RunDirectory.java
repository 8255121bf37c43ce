package dev.jmae.crossmae.train;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The layout of a run directory (design.md): {@code config.json} (the resolved config),
 * {@code metrics.jsonl}, {@code checkpoint-last.safetensors} and numbered copies,
 * {@code reconstructions/} (PNG grids) and {@code loss.png}; a fine-tuning or linear-probe run
 * also {@code checkpoint-best.safetensors} and {@code accuracy.png}.
 *
 * @param root the run directory
 */
public record RunDirectory(Path root) {

    /** @return the resolved config */
    public Path config() {
        return root.resolve("config.json");
    }

    /** @return the metrics log */
    public Path metrics() {
        return root.resolve("metrics.jsonl");
    }

    /** @return the latest checkpoint */
    public Path lastCheckpoint() {
        return root.resolve("checkpoint-last.safetensors");
    }

    /**
     * A numbered checkpoint copy.
     *
     * @param epoch epochs completed
     * @return checkpoint-NNNN.safetensors
     */
    public Path checkpoint(int epoch) {
        return root.resolve(String.format("checkpoint-%04d.safetensors", epoch));
    }

    /**
     * A reconstruction grid.
     *
     * @param epoch epochs completed
     * @return reconstructions/epoch-NNNN.png
     */
    public Path reconstruction(int epoch) {
        return root.resolve("reconstructions").resolve(String.format("epoch-%04d.png", epoch));
    }

    /** @return the checkpoint of the epoch with the best test top-1 so far (fine-tuning, linear probe) */
    public Path bestCheckpoint() {
        return root.resolve("checkpoint-best.safetensors");
    }

    /** @return the test-accuracy plot (fine-tuning, linear probe) */
    public Path accuracyPlot() {
        return root.resolve("accuracy.png");
    }

    /** @return the loss plot */
    public Path lossPlot() {
        return root.resolve("loss.png");
    }

    /**
     * Creates the directory.
     *
     * @return this
     * @throws IOException if it cannot be created
     */
    public RunDirectory create() throws IOException {
        Files.createDirectories(root.resolve("reconstructions"));
        return this;
    }
}
