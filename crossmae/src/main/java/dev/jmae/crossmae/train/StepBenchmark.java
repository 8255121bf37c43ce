package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.ParamGroups;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;

/**
 * Times full pretraining steps ({@link TrainStep}: forward, loss read, backward, AdamW with the
 * pretraining betas and eps at a constant lr) of a model on synthetic normalized images, with
 * fresh masking noise each step, and measures the peak bytes a step holds on its device: the paper's MAE-vs-CrossMAE cost
 * comparison (the paper's Tables 4-5 and 18: runtime and memory per GPU), on this machine.
 *
 * @param config the model config
 * @param batchSize images per step
 * @param stepsPerSecond measured steps per second
 * @param imagesPerSecond batchSize × steps per second
 * @param peakStepBytes peak live bytes during a timed step minus the bytes live before it
 *     (activations, gradients in flight), in bytes
 * @param stateBytes bytes live between steps: parameters, gradients, AdamW moments
 */
public record StepBenchmark(ModelConfig config, int batchSize, double stepsPerSecond, double imagesPerSecond,
                            long peakStepBytes, long stateBytes) {

    /**
     * Runs the benchmark.
     *
     * @param config the model config
     * @param batchSize images per step
     * @param warmup untimed steps first (JIT, buffers)
     * @param steps timed steps
     * @param d the device that holds the model and runs the steps
     * @return the measurements
     */
    public static StepBenchmark run(ModelConfig config, int batchSize, int warmup, int steps, Device d) {
        MaskedAutoencoder model = MaskedAutoencoder.create(config, new Generator(0), d);
        AdamW opt = new AdamW(ParamGroups.weightDecaySplit(model, 1e-4, 0.05), TrainConfig.DEFAULT_OPT_BETAS.get(0),
                TrainConfig.DEFAULT_OPT_BETAS.get(1), TrainConfig.DEFAULT_OPT_EPS);
        TrainStep step = new TrainStep(opt, null, 1, 0);
        Generator g = new Generator(1);
        Tensor images = TensorScope
                .detach(Tensor.randn(d, g, batchSize, config.inChans(), config.imgSize(), config.imgSize()));
        TrainStep.Loss loss = () -> model.forward(images, g).loss();
        MemoryStats mem = Backends.of(d).memory();
        step.beginEpoch();
        for (int i = 0; i < warmup; i++) {
            step.run(0, i, warmup + steps, loss);
        }
        Backends.of(d).synchronize();
        long before = mem.liveBytes();
        mem.resetPeak();
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            step.run(0, warmup + i, warmup + steps, loss);
        }
        Backends.of(d).synchronize();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peak = mem.peakBytes() - before;
        images.release();
        return new StepBenchmark(config, batchSize, steps / seconds, steps * batchSize / seconds, peak, before);
    }
}
