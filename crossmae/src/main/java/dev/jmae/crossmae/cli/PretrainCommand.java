package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.train.Pretrainer;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Settings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code jmae pretrain}: CrossMAE / MAE pretraining into a run directory. With no arguments it
 * trains the CPU-sized Fashion-MNIST preset on the installed dataset or the committed subset.
 * Ctrl-C finishes the current optimizer step, writes a checkpoint and says how to resume.
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
        description = "Pretrain CrossMAE or MAE; writes config, metrics, checkpoints, reconstructions and loss.png to a run directory.")
final class PretrainCommand implements Callable<Integer> {

    static final String DEFAULT_CONFIG = "fashion_mnist_crossmae";

    @Option(names = "--config", paramLabel = "CONFIG",
            description = "A JSON config file or preset name (default: " + DEFAULT_CONFIG + ").")
    String config;

    @Option(names = "--data", paramLabel = "PATH",
            description = "Dataset directory: Fashion-MNIST/MNIST IDX files, an ImageFolder root, or CIFAR-10 binary batches."
                    + " Default: /usr/share/datasets/fashion-mnist, else the committed subset in data/.")
    String data;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "cpu (default, Vector API), reference (scalar spec), or opencl:N.")
    String device;

    @picocli.CommandLine.Mixin
    MatmulPrecisionOption matmulPrecision = new MatmulPrecisionOption();

    @Option(names = "--epochs", paramLabel = "N", description = "Override epochs.")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N", description = "Override batch_size (images per micro-batch).")
    Integer batchSize;

    @Option(names = "--accum-iter", paramLabel = "N", description = "Override accum_iter (micro-batches per optimizer step).")
    Integer accumIter;

    @Option(names = "--seed", paramLabel = "N", description = "Override seed.")
    Long seed;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override any config key (repeatable), e.g. --set mask_ratio=0.8.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<config>-<timestamp>).")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run in DIR from its last checkpoint.")
    Path resume;

    @Option(names = "--no-progress", description = "Do not draw a progress bar (metrics are still printed per epoch).")
    boolean noProgress;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintStream console = System.out;
        Device d = Device.parse(device);
        d.backend();
        matmulPrecision.apply(d, console);
        Path home = Path.of(Settings.home());
        Pretrainer trainer;
        if (resume != null) {
            if (config != null || data != null || epochs != null || batchSize != null || accumIter != null || seed != null
                    || !overrides.isEmpty() || out != null) {
                throw new ConfigException("resume", "only --device and --no-progress combine with --resume: the run's"
                        + " config.json in " + resume + " defines everything else");
            }
            trainer = Pretrainer.resume(resume, d, home, console, !noProgress);
        } else {
            String source = config == null ? DEFAULT_CONFIG : config;
            Map<String, String> all = new LinkedHashMap<>(overrides);
            if (data != null) {
                all.put("data_path", data);
            }
            put(all, "epochs", epochs);
            put(all, "batch_size", batchSize);
            put(all, "accum_iter", accumIter);
            put(all, "seed", seed);
            Configs.Config c = Configs.resolve(Configs.override(Configs.source(source), jsonValues(all)), true);
            Path dir = out != null ? out : Path.of("runs", Path.of(source).getFileName().toString().replace(".json", "") + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
            trainer = Pretrainer.create(c, dir, d, home, console, !noProgress);
        }
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            console.println("\njmae pretrain: interrupted; finishing the current step and writing a checkpoint ...");
            trainer.requestStop();
            try {
                done.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jmae-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Pretrainer.Summary s = trainer.run();
            console.printf(Locale.ROOT, "%s %d epochs, %d optimizer steps; this session: %.1f s of training, %.1f img/s;"
                            + " final epoch loss %.4f%s%nrun directory: %s%n", s.stopped() ? "stopped after" : "finished",
                    s.epochsCompleted(), s.steps(), s.seconds(), s.imagesPerSecond(), s.lastLoss(),
                    s.lastEval() == null ? "" : "; " + Pretrainer.evalLine(s.lastEval()),
                    trainer.runDirectory().root());
            return 0;
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting because of the interrupt; the hook is running and will return now
            }
        }
    }

    private static void put(Map<String, String> m, String key, Object v) {
        if (v != null) {
            m.put(key, v.toString());
        }
    }

    /** --data is a path: keep it a JSON string even if it looks like a number. */
    private static Map<String, String> jsonValues(Map<String, String> m) {
        Map<String, String> out = new LinkedHashMap<>(m);
        if (out.containsKey("data_path")) {
            out.put("data_path", Configs.jsonString(out.get("data_path")));
        }
        return out;
    }
}
