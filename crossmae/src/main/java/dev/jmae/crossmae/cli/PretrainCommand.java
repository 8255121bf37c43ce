package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.train.Pretrainer;
import dev.jmae.crossmae.train.Ranks;
import dev.jmae.distributed.ConfigAgreement;
import dev.jmae.distributed.MpiProcessGroup;
import dev.jmae.distributed.ProcessGroup;
import dev.jmae.distributed.ProcessGroups;
import dev.jmae.distributed.SingleProcessGroup;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Settings;
import dev.jmae.tensor.io.ModelWeights;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 *
 * <p>{@code --distributed} (every rank started by {@code mpirun} or {@code srun --mpi=pmix}):
 * the MPI process group is created first, then every rank resolves the config and the ranks
 * check they agree on it (and on the run directory) before anything is written; batch_size is
 * per rank. A rank that fails exits non-zero without finalizing MPI, and the launcher ends the
 * others; a signal ends the job at once (no coordinated checkpoint: resume from the last one).
 * Success closes the group on every rank ({@code MPI_Finalize}).
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

    // the defaults quoted here are the default preset's (configs/fashion_mnist_crossmae.json); PretrainCommandTest checks them
    @Option(names = "--epochs", paramLabel = "N",
            description = "Override epochs, at least 1 (default: the config's; " + DEFAULT_CONFIG
                    + ": 10). With --resume:"
                    + " train on to N epochs.")
    Integer epochs;

    @Option(names = "--batch-size", paramLabel = "N",
            description = "Override batch_size, images per micro-batch, at least 1 (default: the config's; "
                    + DEFAULT_CONFIG
                    + ": 128).")
    Integer batchSize;

    @Option(names = "--accum-iter", paramLabel = "N",
            description = "Override accum_iter, micro-batches per optimizer step, at least 1 (default: the config's; "
                    + DEFAULT_CONFIG + ": 1).")
    Integer accumIter;

    @Option(names = "--seed", paramLabel = "N",
            description = "Override seed (default: the config's; " + DEFAULT_CONFIG + ": 0).")
    Long seed;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = {"Override any config key (repeatable), e.g. --set mask_ratio=0.8 (keys: docs/config.md).",
                "With --resume only the keys that keep the run the same run: blr, lr, min_lr, epochs, warmup_epochs,"
                        + " weight_decay, opt_betas, opt_eps, log_every, eval_every, eval_batch_size, save_every, keep_every,"
                        + " num_workers, prefetch_factor (e.g. --set blr=1e-4 after a non-finite loss)."})
    Map<String, String> overrides = new LinkedHashMap<>();

    @Option(names = "--out", paramLabel = "DIR", description = "Run directory (default: runs/<config>-<timestamp>).")
    Path out;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue the jmae run in DIR (its config.json and checkpoint-last.safetensors) from its last"
                    + " checkpoint; combines with --set for the keys that may change, and --epochs.")
    Path resume;

    @Option(names = "--no-progress", description = "Do not draw a progress bar (metrics are still printed per epoch).")
    boolean noProgress;

    @Option(names = "--distributed",
            description = "Data-parallel training on every rank that mpirun or srun --mpi=pmix started (Open MPI);"
                    + " batch_size is per rank, so the effective batch is batch_size x accum_iter x ranks. Rank 0 prints and"
                    + " writes. See docs/distributed.md.")
    boolean distributed;

    @Option(names = "--dist-timeout", paramLabel = "SECONDS", defaultValue = "1800",
            description = "With --distributed: how long one collective may wait for the other ranks before the run fails"
                    + " (default ${DEFAULT-VALUE} s, PyTorch's); must exceed rank 0's longest solo work (checkpoint writing).")
    long distTimeoutSeconds;

    @Option(names = "--mpi-library", paramLabel = "PATH", defaultValue = "libmpi.so.40",
            description = "With --distributed: the Open MPI library to bind (default ${DEFAULT-VALUE}, found on the loader"
                    + " path).")
    String mpiLibrary;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintStream console = System.out;
        Device d = Device.parse(device);
        d.backend();
        matmulPrecision.apply(d, console);
        Path home = Path.of(Settings.home());
        if (!distributed) {
            refuseUndistributedRanks();
        } else if (distTimeoutSeconds <= 0) {
            throw new ConfigException("dist-timeout",
                    "must be a positive number of seconds, got " + distTimeoutSeconds);
        }
        atLeastOne("--epochs", epochs);
        atLeastOne("--batch-size", batchSize);
        atLeastOne("--accum-iter", accumIter);
        if (resume != null && (config != null || data != null || batchSize != null || accumIter != null || seed != null
                || out != null)) {
            throw new ConfigException("resume", "only --set (for the keys that may change), --epochs, --device and"
                    + " --no-progress combine with --resume (besides --distributed and its options): the run's config.json"
                    + " in " + resume + " defines everything else");
        }
        if (resume != null) {
            requireRunDirectory(resume);
        }
        ProcessGroup group = distributed
                ? MpiProcessGroup.init(MpiProcessGroup.Options.defaults().withLibrary(mpiLibrary)
                        .withTimeout(Duration.ofSeconds(distTimeoutSeconds)))
                : new SingleProcessGroup();
        Ranks ranks = new Ranks(group);
        Pretrainer trainer;
        if (resume != null) {
            Map<String, String> changes = new LinkedHashMap<>(overrides);
            put(changes, "epochs", epochs);
            trainer = Pretrainer.resume(resume, changes, d, home, console, !noProgress, ranks);
            agree(ranks, trainer, "resume", resume);
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
            Path dir = out != null ? out
                    : Path.of("runs", Path.of(source).getFileName().toString().replace(".json", "") + "-"
                            + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)));
            if (out == null && ranks.distributed()) {
                // the ranks' clocks may straddle a second: rank 0's name for everyone
                dir = Path.of(new String(group.broadcastBytes(dir.toString().getBytes(StandardCharsets.UTF_8), 0),
                        StandardCharsets.UTF_8));
            }
            ConfigAgreement.requireSame(group, agreement(c, "out", dir));
            trainer = Pretrainer.create(c, dir, d, home, console, !noProgress, ranks);
        }
        if (ranks.distributed()) {
            // no graceful stop: the launcher signals every rank and kills them shortly after
            Pretrainer.Summary s = trainer.run();
            printSummary(console, trainer, s, ranks);
            group.close();
            return 0;
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
            printSummary(console, trainer, trainer.run(), ranks);
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

    private static void printSummary(PrintStream console, Pretrainer trainer, Pretrainer.Summary s, Ranks ranks) {
        if (!ranks.isMain()) {
            return;
        }
        console.printf(Locale.ROOT, "%s %d epochs, %d optimizer steps; this session: %.1f s of training, %.1f img/s;"
                + " final epoch loss %.4f%s%nrun directory: %s%n", s.stopped() ? "stopped after" : "finished",
                s.epochsCompleted(), s.steps(), s.seconds(), s.imagesPerSecond(), s.lastLoss(),
                s.lastEval() == null ? "" : "; " + Pretrainer.evalLine(s.lastEval()),
                trainer.runDirectory().root());
    }

    /**
     * What the ranks must agree on: the resolved config (batch_size per rank) and the run
     * directory; the device is left out (each rank may use its own GPU).
     */
    private static String agreement(Configs.Config c, String dirKey, Path dir) {
        ObjectNode o = c.model().toJson();
        o.setAll(c.train().toJson());
        o.put(dirKey, dir.toString());
        return o.toString();
    }

    private static void agree(Ranks ranks, Pretrainer trainer, String dirKey, Path dir) {
        ConfigAgreement.requireSame(ranks.group(), agreement(trainer.config(), dirKey, dir));
    }

    /**
     * A process that an MPI launcher started as one of several ranks must be told --distributed:
     * otherwise every rank would train the whole run alone and write the same run directory.
     */
    private static void refuseUndistributedRanks() {
        Map<String, String> env = System.getenv();
        String size = env.getOrDefault("OMPI_COMM_WORLD_SIZE", env.get("PMI_SIZE"));
        if (size != null && !size.equals("1") && ProcessGroups.launchedByMpi()) {
            throw new ConfigException("distributed", "this process is one of " + size
                    + " ranks that an MPI launcher started,"
                    + " but --distributed is not set, so every rank would train the whole run alone and write the same run"
                    + " directory; hint: add --distributed, or start one process without mpirun");
        }
    }

    /** A flag that counts something must count at least one; said with the flag's name. */
    static void atLeastOne(String flag, Integer value) {
        if (value != null && value < 1) {
            throw new IllegalArgumentException(flag + " must be >= 1, got " + value);
        }
    }

    /**
     * --resume takes a jmae run directory; say what else was given.
     *
     * @param dir the --resume value
     * @throws IllegalArgumentException for a missing path or a file (an official .pth in particular)
     */
    static void requireRunDirectory(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            throw new IllegalArgumentException(
                    "--resume " + dir + ": no such directory (expected a jmae run directory, with"
                            + " config.json and checkpoint-last.safetensors)");
        }
        if (Files.isRegularFile(dir)) {
            boolean pth = dir.getFileName().toString().endsWith(".pth") || dir.getFileName().toString().endsWith(".pt");
            try {
                pth |= ModelWeights.detect(dir) == ModelWeights.Format.PYTORCH;
            } catch (IOException notWeights) {
                // neither format: told as a file that is not a run directory
            }
            throw new IllegalArgumentException("--resume " + dir
                    + " is a file, but --resume continues a jmae run directory"
                    + " (config.json, checkpoint-last.safetensors, metrics.jsonl)"
                    + (pth ? "; a PyTorch checkpoint cannot"
                            + " resume a jmae run: its optimizer state, loss scaler and data order are the official script's, not"
                            + " a jmae run's; hint: use its weights with jmae forward, reconstruct, probe or finetune --checkpoint,"
                            + " or convert them with jmae convert"
                            : Files.isDirectory(dir.getParent() == null ? Path.of(".")
                                    : dir.getParent()) && Files.isRegularFile(dir.resolveSibling("config.json"))
                                            ? "; hint: --resume " + dir.getParent() : ""));
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
