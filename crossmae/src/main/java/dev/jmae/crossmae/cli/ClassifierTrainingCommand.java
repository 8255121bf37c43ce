package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.FinetuneConfig;
import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import dev.jmae.crossmae.train.Finetuner;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Settings;
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
 * What {@code jmae finetune} and {@code jmae linprobe} share: the options, the checks that
 * {@code --checkpoint} and {@code --from-scratch} exclude each other and that one of them (or the
 * config's {@code finetune} key) says where the encoder comes from, the run directory, and Ctrl-C
 * (finish the current optimizer step, write a checkpoint, say how to resume).
 */
abstract class ClassifierTrainingCommand implements Callable<Integer> {

    @Option(names = "--checkpoint", paramLabel = "FILE",
            description = "A pretraining checkpoint (CrossMAE or MAE) whose encoder to start from (the official --finetune):"
                    + " jmae pretrain's .safetensors, an official .pth, or any weights with the official encoder keys.")
    Path checkpoint;

    @Option(names = "--from-scratch",
            description = "Start from a randomly initialized encoder instead of a checkpoint.")
    boolean fromScratch;

    @Option(names = "--config", paramLabel = "CONFIG",
            description = "A JSON config file or preset name (default: fashion_mnist_finetune for finetune,"
                    + " fashion_mnist_linprobe for linprobe).")
    String config;

    @Option(names = "--data", paramLabel = "PATH",
            description = "Dataset directory (Fashion-MNIST/MNIST IDX, an ImageFolder root, CIFAR-10 binary batches)."
                    + " Default: /usr/share/datasets/fashion-mnist, else the committed subset in data/.")
    String data;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "cpu (default, Vector API), reference (scalar spec), or opencl:N.")
    String device;

    @picocli.CommandLine.Mixin
    MatmulPrecisionOption matmulPrecision = new MatmulPrecisionOption();

    @Option(names = "--epochs", paramLabel = "N",
            description = "Override epochs, at least 1 (default: the config's). With --resume: train on to N epochs.")
    Integer epochs;

    @Option(names = "--seed", paramLabel = "N", description = "Override seed.")
    Long seed;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = {"Override any config key (repeatable), e.g. --set blr=5e-4 (docs/config.md).",
                "With --resume only the keys that keep the run the same run: blr, lr, min_lr, epochs, warmup_epochs,"
                        + " weight_decay, opt_betas, opt_eps, layer_decay, clip_grad, log_every, eval_batch_size, num_workers,"
                        + " prefetch_factor."})
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<config>-<timestamp>).")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the run in DIR from its last checkpoint; combines with --set for the keys that may change,"
                    + " and --epochs.")
    Path resume;

    @Option(names = "--no-progress", description = "Do not draw a progress bar (metrics are still printed per epoch).")
    boolean noProgress;

    /** @return fine-tuning or the linear probe */
    abstract Recipe recipe();

    /** @return the preset used without --config */
    abstract String defaultConfig();

    /**
     * Resolves the config from the options, refusing contradictory ones.
     *
     * @return the config
     * @throws ConfigException if --checkpoint and --from-scratch are both given, or neither (nor
     *     the config's finetune key) says where the encoder comes from
     */
    FinetuneConfig resolveConfig() {
        String source = config == null ? defaultConfig() : config;
        Map<String, String> all = new LinkedHashMap<>(overrides);
        if (data != null) {
            all.put("data_path", Configs.jsonString(data));
        }
        if (epochs != null) {
            all.put("epochs", epochs.toString());
        }
        if (seed != null) {
            all.put("seed", seed.toString());
        }
        FinetuneConfig c = FinetuneConfig.resolve(Configs.override(Configs.source(source), all), recipe());
        if (fromScratch && checkpoint != null) {
            throw new ConfigException("finetune",
                    "--from-scratch trains a randomly initialized encoder, but --checkpoint "
                            + checkpoint + " was given too; hint: drop one of them");
        }
        if (checkpoint != null) {
            ModelFiles.requireFile(checkpoint, "--checkpoint", "a pretraining checkpoint: .safetensors or .pth");
            return c.withFinetune(checkpoint.toString());
        }
        if (fromScratch) {
            return c.withFinetune("");
        }
        if (c.finetune().isEmpty()) {
            throw new ConfigException("finetune",
                    "expected --checkpoint FILE (a checkpoint of jmae pretrain) or --from-scratch"
                            + " (a random encoder), got neither");
        }
        return c;
    }

    @Override
    public Integer call() throws IOException {
        PrintStream console = System.out;
        PretrainCommand.atLeastOne("--epochs", epochs);
        Device d = Device.parse(device);
        d.backend();
        matmulPrecision.apply(d, console);
        Path home = Path.of(Settings.home());
        Finetuner trainer;
        if (resume != null) {
            if (config != null || data != null || seed != null || out != null || checkpoint != null || fromScratch) {
                throw new ConfigException("resume", "only --set (for the keys that may change), --epochs, --device and"
                        + " --no-progress combine with --resume: the run's config.json in " + resume
                        + " defines everything"
                        + " else");
            }
            PretrainCommand.requireRunDirectory(resume);
            Map<String, String> changes = new LinkedHashMap<>(overrides);
            if (epochs != null) {
                changes.put("epochs", epochs.toString());
            }
            trainer = Finetuner.resume(resume, recipe(), changes, d, home, console, !noProgress);
        } else {
            FinetuneConfig c = resolveConfig();
            String name = Path.of(config == null ? defaultConfig() : config).getFileName().toString().replace(".json",
                    "");
            Path dir = out != null ? out : Path.of("runs", name + "-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
            trainer = Finetuner.create(c, dir, d, home, console, !noProgress);
        }
        String cmd = recipe().command();
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            console.println("\njmae " + cmd + ": interrupted; finishing the current step and writing a checkpoint ...");
            trainer.requestStop();
            try {
                done.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "jmae-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            Finetuner.Summary s = trainer.run();
            console.printf(Locale.ROOT,
                    "%s %d epochs, %d optimizer steps; this session: %.1f s of training, %.1f img/s;"
                            + " final epoch loss %.4f%s%nrun directory: %s%n",
                    s.stopped() ? "stopped after" : "finished",
                    s.epochsCompleted(), s.steps(), s.seconds(), s.imagesPerSecond(), s.lastLoss(),
                    s.lastEval() == null ? ""
                            : String.format(Locale.ROOT, "; test top-1 %.2f%%, top-5 %.2f%% (best top-1"
                                    + " %.2f%%)", s.lastEval().acc1(), s.lastEval().acc5(), s.maxAccuracy()),
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
}
