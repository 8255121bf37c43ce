package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.model.ModelInfo;
import dev.jmae.crossmae.train.DistributedStepBenchmark;
import dev.jmae.crossmae.train.StepBenchmark;
import dev.jmae.distributed.MpiProcessGroup;
import dev.jmae.distributed.ProcessGroup;
import dev.jmae.nn.parallel.StepStats;
import dev.jmae.tensor.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jmae bench}: pretraining-step throughput and step memory of MAE against CrossMAE (the
 * paper's cost comparison) on synthetic images. The default compares the 32-pixel ViT-Tiny-like
 * configuration at batch 64 for MAE, CrossMAE γ 0.75 and CrossMAE γ 0.25.
 *
 * <p>{@code --distributed} (every rank started by mpirun): the same steps data-parallel, the
 * model in DistributedDataParallel, batch per rank; rank 0 prints, per timed step, the step time
 * and DDP's statistics of the gradient all-reduce: its time, the part hidden behind backward, the
 * exposed rest, how long backward waited for it, and the copies into and out of the buckets
 * (tools/bench-distributed.sh compares this with one process on as many threads).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time pretraining steps (forward, backward, AdamW) and measure step memory, MAE vs CrossMAE.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "CONFIG", split = ",",
            description = "Configs to compare (files or presets, comma separated). Default: bench_32px_mae,"
                    + " bench_32px_crossmae, bench_32px_crossmae with kept_mask_ratio 0.25.")
    List<String> configs;

    @Option(names = "--batch-size", defaultValue = "64", paramLabel = "N",
            description = "Images per step (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--steps", defaultValue = "10", paramLabel = "N",
            description = "Timed steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "10", paramLabel = "N",
            description = "Untimed steps first, for the JIT (default ${DEFAULT-VALUE}; fewer inflates the first config's time).")
    int warmup;

    @Option(names = "--max-warmup", defaultValue = "60", paramLabel = "N",
            description = "After --warmup steps, warm up on while the JIT compiler is busy (it compiled for over 2%% of"
                    + " the last step's time), up to N untimed steps in all (default ${DEFAULT-VALUE}; N <= --warmup:"
                    + " exactly --warmup). With --distributed, until the compiler is quiet on every rank.")
    int maxWarmup;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, reference, opencl:N or cuda:N.")
    String device;

    @picocli.CommandLine.Mixin
    MatmulPrecisionOption matmulPrecision = new MatmulPrecisionOption();

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override a config key in every config (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--distributed",
            description = "Data-parallel steps on every rank mpirun started (--batch-size per rank); prints the gradient"
                    + " all-reduce time per step and how much of it backward hid.")
    boolean distributed;

    @Option(names = "--mpi-library", paramLabel = "PATH", defaultValue = "libmpi.so.40",
            description = "With --distributed: the Open MPI library to bind (default ${DEFAULT-VALUE}).")
    String mpiLibrary;

    @Override
    public Integer call() {
        Device d = Device.parse(device);
        matmulPrecision.apply(d, System.out);
        Map<String, ModelConfig> runs = new LinkedHashMap<>();
        if (configs == null) {
            runs.put("MAE", resolve("bench_32px_mae", Map.of()));
            runs.put("CrossMAE gamma 0.75", resolve("bench_32px_crossmae", Map.of()));
            runs.put("CrossMAE gamma 0.25", resolve("bench_32px_crossmae", Map.of("kept_mask_ratio", "0.25")));
        } else {
            for (String c : configs) {
                runs.put(c, resolve(c, Map.of()));
            }
        }
        if (distributed) {
            ProcessGroup group = MpiProcessGroup.init(MpiProcessGroup.Options.defaults().withLibrary(mpiLibrary));
            for (Map.Entry<String, ModelConfig> e : runs.entrySet()) {
                report(e.getKey(), DistributedStepBenchmark.run(e.getValue(), batchSize, warmup, maxWarmup, steps, d,
                        group), d,
                        group.rank() == 0);
            }
            group.close();
            return 0;
        }
        System.out.printf(Locale.ROOT,
                "device %s%s, batch %d, %d warmup%s + %d timed steps (forward, backward, AdamW)%n",
                d, MatmulPrecisionOption.describe(d), batchSize, warmup,
                maxWarmup > warmup ? " (more while the JIT compiler is busy, up to " + maxWarmup + ")" : "", steps);
        System.out.printf(Locale.ROOT, "%-24s %12s %10s %12s %14s %14s%n", "model", "params", "img/s", "ms/step",
                "step peak MB", "GFLOP/s fwd*3");
        StringBuilder warmups = new StringBuilder();
        for (Map.Entry<String, ModelConfig> e : runs.entrySet()) {
            StepBenchmark r = StepBenchmark.run(e.getValue(), batchSize, warmup, maxWarmup, steps, d);
            double flops = 3.0 * ModelInfo.of(e.getValue()).totalFlops() * r.imagesPerSecond() / 1e9;
            System.out.printf(Locale.ROOT, "%-24s %,12d %10.1f %12.1f %14.1f %14.1f%n", e.getKey(),
                    ModelInfo.of(e.getValue()).totalParams(), r.imagesPerSecond(), 1000 / r.stepsPerSecond(),
                    r.peakStepBytes() / 1e6, flops);
            warmups.append(warmups.isEmpty() ? "" : ", ").append(r.warmupSteps())
                    .append(r.warmupSteps() == 0 || r.jitQuiet() ? "" : " (JIT still busy)");
        }
        System.out.println("warm-up steps run: " + warmups);
        return 0;
    }

    private void report(String name, DistributedStepBenchmark r, Device d, boolean print) {
        if (!print) {
            return;
        }
        StepStats first = r.steps().get(0).ddp();
        System.out.printf(Locale.ROOT, "%s: %s, %d ranks x batch %d (global %d), %d warmup%s + %d timed steps (forward,"
                + " backward with the gradient all-reduce, AdamW); %d buckets, %.1f MB of gradients per step%n", name,
                d, r.worldSize(), r.localBatch(), r.worldSize() * r.localBatch(), r.warmupSteps(),
                r.warmupSteps() == 0 || r.jitQuiet() ? "" : " (JIT still busy)", steps, first.buckets(),
                first.bytes() / 1e6);
        System.out.printf(Locale.ROOT, "%6s %10s %14s %11s %8s %12s %9s %11s %20s%n", "step", "ms/step",
                "all-reduce ms",
                "hidden ms", "hidden", "exposed ms", "wait ms", "copies ms", "launched in backward");
        int i = 0;
        for (DistributedStepBenchmark.Step s : r.steps()) {
            StepStats t = s.ddp();
            System.out.printf(Locale.ROOT, "%6d %10.1f %14.1f %11.1f %7.0f%% %12.1f %9.1f %11.1f %20s%n", ++i,
                    s.nanos() / 1e6, t.allReduceNanos() / 1e6, t.hiddenNanos() / 1e6, 100 * t.hiddenFraction(),
                    t.exposedNanos() / 1e6, t.waitNanos() / 1e6, t.copyNanos() / 1e6,
                    t.bucketsLaunchedDuringBackward() + " of " + t.buckets());
        }
        System.out.printf(Locale.ROOT, "%6s %10.1f %14.1f %11.1f %7.0f%% %12.1f %9.1f %11.1f%n", "median",
                r.medianStepMs(),
                median(r, t -> t.allReduceNanos() / 1e6), median(r, t -> t.hiddenNanos() / 1e6),
                100 * median(r, StepStats::hiddenFraction), median(r, t -> t.exposedNanos() / 1e6),
                median(r, t -> t.waitNanos() / 1e6), median(r, t -> t.copyNanos() / 1e6));
        System.out.printf(Locale.ROOT,
                "%s: %.1f img/s over all ranks, %.1f ms/step (median); the same %.1f MB all-reduced"
                        + " alone after a barrier: %.1f ms%n",
                name, r.imagesPerSecond(), r.medianStepMs(), first.bytes() / 1e6,
                r.isolatedAllReduceNanos() / 1e6);
    }

    private static double median(DistributedStepBenchmark r, java.util.function.ToDoubleFunction<StepStats> f) {
        return DistributedStepBenchmark.median(r.steps().stream().mapToDouble(s -> f.applyAsDouble(s.ddp())).toArray());
    }

    private ModelConfig resolve(String source, Map<String, String> extra) {
        Map<String, String> all = new LinkedHashMap<>(overrides);
        all.putAll(extra);
        return Configs.resolve(Configs.override(Configs.source(source), all), false).model();
    }
}
