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

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;

/**
 * Times full pretraining steps ({@link TrainStep}: forward, loss read, backward, AdamW with the
 * pretraining betas and eps at a constant lr) of a model on synthetic normalized images, with
 * fresh masking noise each step, and measures the peak bytes a step holds on its device: the paper's MAE-vs-CrossMAE cost
 * comparison (the paper's Tables 4-5 and 18: runtime and memory per GPU), on this machine.
 *
 * <p>Warm-up runs the requested untimed steps, then more, up to a limit, while the JIT compiler is
 * still busy: on a machine with few cores a compiler thread takes a core from the step's pool a
 * time slice at a time, and a training run spends nearly all its steps after compilation has
 * settled. Measured on ViT-S/16 CrossMAE γ 0.25 at batch 16 on 2 cores: the compiler worked 100-200
 * ms in each of the first 20 or so steps of about 800 ms, and the steps after 25 warm-up steps ran
 * 13-18% faster than after 5 (docs/journal.md, 2026-12-07). A step is quiet when the compiler
 * threads worked for at most {@value #QUIET_COMPILE_SHARE} of its wall time
 * ({@link CompilationMXBean#getTotalCompilationTime()}, whole milliseconds, so a step under 50 ms
 * is quiet only when nothing was compiled).
 *
 * @param config the model config
 * @param batchSize images per step
 * @param stepsPerSecond measured steps per second
 * @param imagesPerSecond batchSize × steps per second
 * @param peakStepBytes peak live bytes during a timed step minus the bytes live before it
 *     (activations, gradients in flight), in bytes
 * @param stateBytes bytes live between steps: parameters, gradients, AdamW moments
 * @param warmupSteps the untimed steps run before the timed ones (the requested ones and those
 *     added while the JIT compiler was busy)
 * @param jitQuiet whether the last warm-up step was quiet (false: the limit stopped the warm-up, or
 *     the JVM does not report compilation time)
 */
public record StepBenchmark(ModelConfig config, int batchSize, double stepsPerSecond, double imagesPerSecond,
                            long peakStepBytes, long stateBytes, int warmupSteps, boolean jitQuiet) {

    /** The largest share of a warm-up step's wall time the JIT compiler may take for the step to count as quiet. */
    public static final double QUIET_COMPILE_SHARE = 0.02;

    /**
     * Runs the benchmark.
     *
     * @param config the model config
     * @param batchSize images per step
     * @param warmup untimed steps first (JIT, buffers), at least 0
     * @param maxWarmup the most untimed steps in all: after {@code warmup} steps, warm-up goes on
     *     until a step is quiet or this many have run ({@code warmup} or less: exactly
     *     {@code warmup} steps)
     * @param steps timed steps
     * @param d the device that holds the model and runs the steps
     * @return the measurements
     */
    public static StepBenchmark run(ModelConfig config, int batchSize, int warmup, int maxWarmup, int steps,
                                    Device d) {
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
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean timesJit = jit != null && jit.isCompilationTimeMonitoringSupported();
        int done = 0;
        boolean quiet = false;
        while (done < warmup || (!quiet && timesJit && done < maxWarmup)) {
            long compileMs = timesJit ? jit.getTotalCompilationTime() : 0;
            long t = System.nanoTime();
            step.run(0, done, warmup + steps, loss);
            Backends.of(d).synchronize();
            long stepNanos = System.nanoTime() - t;
            quiet = timesJit && isQuiet(jit.getTotalCompilationTime() - compileMs, stepNanos);
            done++;
        }
        long before = mem.liveBytes();
        mem.resetPeak();
        long t0 = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            step.run(0, done + i, warmup + steps, loss);
        }
        Backends.of(d).synchronize();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long peak = mem.peakBytes() - before;
        images.release();
        return new StepBenchmark(config, batchSize, steps / seconds, steps * batchSize / seconds, peak, before, done,
                quiet);
    }

    /**
     * Whether a step was quiet: the JIT compiler worked for at most {@value #QUIET_COMPILE_SHARE} of
     * its wall time.
     *
     * @param compileMillis compilation time during the step, in milliseconds (summed over the
     *     compiler threads, as {@link CompilationMXBean#getTotalCompilationTime()} counts it)
     * @param stepNanos the step's wall time, in nanoseconds
     * @return true if quiet
     */
    static boolean isQuiet(long compileMillis, long stepNanos) {
        return compileMillis * 1e6 <= QUIET_COMPILE_SHARE * stepNanos;
    }
}
