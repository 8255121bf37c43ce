package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.distributed.ProcessGroup;
import dev.jmae.distributed.ReduceOp;
import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.ParamGroups;
import dev.jmae.nn.parallel.DistributedDataParallel;
import dev.jmae.nn.parallel.StepStats;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Times data-parallel pretraining steps ({@link TrainStep} on a model wrapped in
 * {@link DistributedDataParallel}: forward, backward with the gradient all-reduce overlapping it,
 * AdamW) on every rank of a process group, and records per step what DDP's
 * {@link DistributedDataParallel#lastStepStats()} says about the all-reduce: how long it ran and
 * how much of it was hidden behind backward. {@link StepBenchmark}'s set-up otherwise (synthetic
 * normalized images, fresh masking noise per step, constant lr), each rank on its own images, and
 * its warm-up: after the fixed warm-up steps the ranks go on together while the JIT compiler of
 * any of them is busy ({@link StepBenchmark#QUIET_COMPILE_SHARE}), agreeing each step by an
 * all-reduce (MAX) of one flag, so every rank runs the same number of steps.
 * Collective: every rank calls it with the same arguments.
 *
 * @param config the model config
 * @param localBatch images per step on each rank
 * @param worldSize the number of ranks R
 * @param steps per timed step on this rank: its wall time and DDP's statistics
 * @param isolatedAllReduceNanos the same bytes all-reduced in one buffer right after a barrier,
 *     with no backward running (median of 3): the transfer alone, without the wait for a slower
 *     rank that a step's all-reduce time includes, in ns
 * @param warmupSteps untimed steps run before the timed ones (the same on every rank)
 * @param jitQuiet whether the last warm-up step was quiet on every rank (false when warm-up stopped
 *     at its limit, or ran only the fixed steps with the compiler still busy somewhere)
 */
public record DistributedStepBenchmark(ModelConfig config, int localBatch, int worldSize, List<Step> steps,
                                       long isolatedAllReduceNanos, int warmupSteps, boolean jitQuiet) {

    /**
     * One timed step on this rank.
     *
     * @param nanos its wall time (forward, backward including the wait for the all-reduce, AdamW), ns
     * @param ddp DDP's statistics of its backward pass
     */
    public record Step(long nanos, StepStats ddp) {
    }

    /**
     * Runs the benchmark.
     *
     * @param config the model config
     * @param localBatch images per step on each rank
     * @param warmup untimed steps first (JIT, buffers), at least 0
     * @param maxWarmup the most untimed steps in all: after {@code warmup} steps, warm-up goes on
     *     until a step is quiet on every rank or this many have run ({@code warmup} or less: exactly
     *     {@code warmup} steps)
     * @param steps timed steps
     * @param d the device of this rank's replica
     * @param group the process group (every rank runs the same benchmark)
     * @return this rank's measurements
     */
    public static DistributedStepBenchmark run(ModelConfig config, int localBatch, int warmup, int maxWarmup,
                                               int steps, Device d, ProcessGroup group) {
        MaskedAutoencoder model = MaskedAutoencoder.create(config, new Generator(0), d);
        AdamW opt = new AdamW(ParamGroups.weightDecaySplit(model, 1e-4, 0.05), TrainConfig.DEFAULT_OPT_BETAS.get(0),
                TrainConfig.DEFAULT_OPT_BETAS.get(1), TrainConfig.DEFAULT_OPT_EPS);
        List<Step> out = new ArrayList<>();
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean timesJit = jit != null && jit.isCompilationTimeMonitoringSupported();
        int done = 0;
        boolean quiet = false;
        try (DistributedDataParallel<MaskedAutoencoder> ddp = new DistributedDataParallel<>(model, group)) {
            TrainStep step = new TrainStep(opt, null, 1, 0).distributed(ddp);
            Generator g = new Generator(1 + group.rank());
            Tensor images = TensorScope.detach(Tensor.randn(d, g, localBatch, config.inChans(), config.imgSize(),
                    config.imgSize()));
            TrainStep.Loss loss = () -> model.forward(images, g).loss();
            step.beginEpoch();
            try (Arena arena = Arena.ofShared()) {
                MemorySegment busy = arena.allocate(Float.BYTES, 64);
                while (true) {
                    if (done >= warmup) {
                        // 1 where this rank's compiler was busy in the last step (or no step has run)
                        busy.set(ValueLayout.JAVA_FLOAT, 0, timesJit && (done == 0 || !quiet) ? 1f : 0f);
                        group.allReduceAsync(busy, ReduceOp.MAX).await();
                        quiet = busy.get(ValueLayout.JAVA_FLOAT, 0) == 0f;
                        if (quiet || done >= maxWarmup) {
                            break;
                        }
                    }
                    long compileMs = timesJit ? jit.getTotalCompilationTime() : 0;
                    long t = System.nanoTime();
                    step.run(0, done, warmup + steps, loss);
                    Backends.of(d).synchronize();
                    quiet = timesJit && StepBenchmark.isQuiet(jit.getTotalCompilationTime() - compileMs,
                            System.nanoTime() - t);
                    done++;
                }
            }
            group.barrier();
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                step.run(0, done + i, warmup + steps, loss);
                Backends.of(d).synchronize();
                out.add(new Step(System.nanoTime() - t0, ddp.lastStepStats()));
            }
            images.release();
        }
        return new DistributedStepBenchmark(config, localBatch, group.worldSize(), List.copyOf(out),
                isolatedAllReduce(group, out.get(0).ddp().bytes()), done, quiet);
    }

    private static long isolatedAllReduce(ProcessGroup group, long bytes) {
        double[] nanos = new double[3];
        try (Arena arena = Arena.ofShared()) {
            MemorySegment buffer = arena.allocate(bytes, 64);
            for (int i = 0; i < nanos.length; i++) {
                group.barrier();
                long t0 = System.nanoTime();
                group.allReduceAsync(buffer, ReduceOp.AVG).await();
                nanos[i] = System.nanoTime() - t0;
            }
        }
        return (long) median(nanos);
    }

    /** @return the median step wall time on this rank, in ms */
    public double medianStepMs() {
        return median(steps.stream().mapToDouble(s -> s.nanos() / 1e6).toArray());
    }

    /** @return images per second over all ranks: R · local batch · steps / total time */
    public double imagesPerSecond() {
        double seconds = steps.stream().mapToLong(Step::nanos).sum() / 1e9;
        return (double) worldSize * localBatch * steps.size() / seconds;
    }

    /**
     * The median of values.
     *
     * @param values the values (not modified)
     * @return their median
     */
    public static double median(double[] values) {
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        int n = v.length;
        return n == 0 ? Double.NaN : n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
