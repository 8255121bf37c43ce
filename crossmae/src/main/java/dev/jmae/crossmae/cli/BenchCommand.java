package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.model.ModelInfo;
import dev.jmae.crossmae.train.StepBenchmark;
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
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Time pretraining steps (forward, backward, AdamW) and measure step memory, MAE vs CrossMAE.")
final class BenchCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "CONFIG", split = ",",
            description = "Configs to compare (files or presets, comma separated). Default: bench_32px_mae,"
                    + " bench_32px_crossmae, bench_32px_crossmae with kept_mask_ratio 0.25.")
    List<String> configs;

    @Option(names = "--batch-size", defaultValue = "64", paramLabel = "N", description = "Images per step (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--steps", defaultValue = "10", paramLabel = "N", description = "Timed steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "10", paramLabel = "N",
            description = "Untimed steps first, for the JIT (default ${DEFAULT-VALUE}; fewer inflates the first config's time).")
    int warmup;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE", description = "cpu, reference, opencl:N or cuda:N.")
    String device;

    @picocli.CommandLine.Mixin
    MatmulPrecisionOption matmulPrecision = new MatmulPrecisionOption();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key in every config (repeatable).")
    Map<String, String> overrides = new LinkedHashMap<>();

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
        System.out.printf(Locale.ROOT, "device %s%s, batch %d, %d warmup + %d timed steps (forward, backward, AdamW)%n", d,
                MatmulPrecisionOption.describe(d), batchSize, warmup, steps);
        System.out.printf(Locale.ROOT, "%-24s %12s %10s %12s %14s %14s%n", "model", "params", "img/s", "ms/step",
                "step peak MB", "GFLOP/s fwd*3");
        for (Map.Entry<String, ModelConfig> e : runs.entrySet()) {
            StepBenchmark r = StepBenchmark.run(e.getValue(), batchSize, warmup, steps, d);
            double flops = 3.0 * ModelInfo.of(e.getValue()).totalFlops() * r.imagesPerSecond() / 1e9;
            System.out.printf(Locale.ROOT, "%-24s %,12d %10.1f %12.1f %14.1f %14.1f%n", e.getKey(),
                    ModelInfo.of(e.getValue()).totalParams(), r.imagesPerSecond(), 1000 / r.stepsPerSecond(),
                    r.peakStepBytes() / 1e6, flops);
        }
        return 0;
    }

    private ModelConfig resolve(String source, Map<String, String> extra) {
        Map<String, String> all = new LinkedHashMap<>(overrides);
        all.putAll(extra);
        return Configs.resolve(Configs.override(Configs.source(source), all), false).model();
    }
}
