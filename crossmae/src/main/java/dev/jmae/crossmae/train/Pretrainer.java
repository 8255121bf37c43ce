package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.data.Batch;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.data.Datasets;
import dev.jmae.crossmae.data.ImageDataset;
import dev.jmae.crossmae.data.Split;
import dev.jmae.crossmae.data.Transforms;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.crossmae.model.ModelInfo;
import dev.jmae.nn.Checkpoint;
import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.ParamGroups;
import dev.jmae.nn.optim.WarmupCosineSchedule;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.Settings;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Masked-autoencoder pretraining, following the official {@code engine_pretrain.py} (spec §13):
 * lr = (γ/p)·blr·effective batch/256 set per iteration by linear warmup and a half-cycle cosine at
 * the fractional epoch, gradient accumulation over accum_iter micro-batches (each loss divided by
 * accum_iter, the lr updated on the first micro-batch of each cycle), AdamW (0.9, 0.95) with timm's
 * no-decay groups, no gradient clipping, and a stop on a non-finite loss.
 *
 * <p>Reproducibility: data order comes from (seed, epoch), augmentation from (seed, epoch, image)
 * and the masking noise from (seed, epoch, batch), so a resumed run (model and optimizer from the
 * checkpoint, position from its metadata) produces the batches, masks and losses of an
 * uninterrupted one. Each step runs in a {@link TensorScope}, so its memory is returned
 * deterministically.
 *
 * <p>The run directory ({@link RunDirectory}) gets the resolved config, metrics.jsonl,
 * checkpoints, reconstruction grids and loss.png.
 */
public final class Pretrainer {

    /** Observes the run (tests, the CLI's stop-after logic). */
    public interface Listener {
        /**
         * Called after each logged optimizer step.
         *
         * @param record the metrics record
         */
        default void onStep(ObjectNode record) {
        }

        /**
         * Called after each epoch (and its evaluation).
         *
         * @param record the metrics record
         */
        default void onEpoch(ObjectNode record) {
        }
    }

    /**
     * What a session did.
     *
     * @param epochsCompleted epochs finished so far (including earlier sessions)
     * @param steps optimizer steps so far
     * @param lastLoss mean loss of the last epoch (or of the session when it stopped mid-epoch)
     * @param seconds wall time of this session's training, excluding evaluation
     * @param imagesPerSecond training throughput of this session
     * @param lastEval the last evaluation, or null
     * @param stopped whether the session ended on a stop request before the configured epochs
     */
    public record Summary(int epochsCompleted, long steps, double lastLoss, double seconds, double imagesPerSecond,
                          Evaluator.Result lastEval, boolean stopped) {
    }

    private final Configs.Config config;
    private final RunDirectory run;
    private final Device device;
    private final Path home;
    private final PrintStream console;
    private final boolean progress;
    private final boolean resuming;
    private Listener listener = new Listener() { };
    private volatile boolean stopRequested;

    private Pretrainer(Configs.Config config, RunDirectory run, Device device, Path home, PrintStream console,
                       boolean progress, boolean resuming) {
        this.config = config;
        this.run = run;
        this.device = device;
        this.home = home;
        this.console = console;
        this.progress = progress;
        this.resuming = resuming;
    }

    /**
     * Prepares a new run: creates the directory and writes the resolved config.
     *
     * @param config the resolved config (with training keys)
     * @param runDir the run directory; must not already hold a checkpoint
     * @param device where to train
     * @param home the jmae checkout (for the committed dataset subset)
     * @param console where to print the resolved config and summaries
     * @param progress whether to show a progress bar
     * @return the trainer
     * @throws IOException if the directory cannot be written
     * @throws ConfigException if the directory already holds a run
     */
    public static Pretrainer create(Configs.Config config, Path runDir, Device device, Path home, PrintStream console,
                                    boolean progress) throws IOException {
        RunDirectory rd = new RunDirectory(runDir);
        if (Files.exists(rd.lastCheckpoint())) {
            throw new ConfigException("out", runDir + " already holds a run with a checkpoint; hint: continue it with --resume "
                    + runDir + ", or pick another --out");
        }
        rd.create();
        Files.writeString(rd.config(), config.toPrettyJson() + "\n");
        return new Pretrainer(config, rd, device, home, console, progress, false);
    }

    /**
     * Prepares to continue a run from its directory (its config.json and checkpoint-last).
     *
     * @param runDir the run directory
     * @param device where to train
     * @param home the jmae checkout
     * @param console where to print
     * @param progress whether to show a progress bar
     * @return the trainer
     * @throws ConfigException if the directory holds no resumable run
     */
    public static Pretrainer resume(Path runDir, Device device, Path home, PrintStream console, boolean progress) {
        RunDirectory rd = new RunDirectory(runDir);
        if (!Files.exists(rd.config()) || !Files.exists(rd.lastCheckpoint())) {
            throw new ConfigException("resume", runDir + " has no config.json and checkpoint-last.safetensors to resume from");
        }
        Configs.Config c = Configs.resolve(Configs.source(rd.config().toString()), true);
        return new Pretrainer(c, rd, device, home, console, progress, true);
    }

    /**
     * Sets the observer.
     *
     * @param l the listener
     * @return this
     */
    public Pretrainer listener(Listener l) {
        this.listener = l;
        return this;
    }

    /** Asks the run to stop after the current optimizer step, writing a checkpoint first. */
    public void requestStop() {
        stopRequested = true;
    }

    /** @return the run directory */
    public RunDirectory runDirectory() {
        return run;
    }

    /** @return the resolved config */
    public Configs.Config config() {
        return config;
    }

    /** The masking noise generator of one micro-batch, a function of (seed, epoch, batch) only. */
    static Generator noiseGenerator(long seed, int epoch, int batch) {
        long z = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + batch * 0x94D049BB133111EBL + 0x6A09E667F3BCC909L;
        return new Generator(z);
    }

    /**
     * Trains until the configured number of epochs or a stop request.
     *
     * @return what this session did
     * @throws IOException if data, checkpoints or logs cannot be read or written
     * @throws NonFiniteLossException if the loss becomes NaN or infinite
     */
    public Summary run() throws IOException {
        ModelConfig mc = config.model();
        TrainConfig tc = config.train();
        MaskedAutoencoder model = MaskedAutoencoder.create(mc, new Generator(tc.seed()), device);
        double peakLr = tc.peakLr(mc);
        AdamW opt = new AdamW(ParamGroups.weightDecaySplit(model, peakLr, tc.weightDecay()), 0.9, 0.95, 1e-8);
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(peakLr, tc.minLr(), tc.warmupEpochs(), tc.epochs());
        int startEpoch = 0;
        int startBatch = 0;
        long step = 0;
        if (resuming) {
            Map<String, String> meta = Checkpoint.load(run.lastCheckpoint(), model, opt);
            startEpoch = Integer.parseInt(meta.get("epoch"));
            startBatch = Integer.parseInt(meta.get("batch"));
            step = Long.parseLong(meta.get("step"));
        }
        ImageDataset trainSet = Datasets.resolve(tc.dataPath(), tc.dataset(), Split.TRAIN, home);
        ImageDataset testSet = Datasets.resolve(tc.dataPath(), tc.dataset(), Split.TEST, home);
        if (trainSet.channels() != mc.inChans()) {
            throw new ConfigException("in_chans", "is " + mc.inChans() + " but " + trainSet.description() + " has "
                    + trainSet.channels() + " channel(s)");
        }
        double[] mean = tc.mean().stream().mapToDouble(Double::doubleValue).toArray();
        double[] std = tc.std().stream().mapToDouble(Double::doubleValue).toArray();
        double[] scale = tc.cropScale().stream().mapToDouble(Double::doubleValue).toArray();
        double[] ratio = tc.cropRatio().stream().mapToDouble(Double::doubleValue).toArray();
        try (DataLoader loader = new DataLoader(trainSet, Transforms.pretrain(mc.imgSize(), scale, ratio, tc.hflipProb()),
                mean, std, tc.batchSize(), true, true, tc.seed(), tc.numWorkers(), 4, device);
             DataLoader testLoader = new DataLoader(testSet, Transforms.eval(mc.imgSize()), mean, std,
                     Math.max(tc.batchSize(), 64), false, false, tc.seed(), tc.numWorkers(), 2, device);
             MetricsLog log = new MetricsLog(run.metrics())) {
            int batches = loader.batchesPerEpoch();
            if (batches < tc.accumIter()) {
                throw new ConfigException("batch_size", "one epoch of " + trainSet.size() + " images gives " + batches
                        + " batches of " + tc.batchSize() + ", fewer than accum_iter (" + tc.accumIter() + ")");
            }
            printStart(mc, tc, peakLr, trainSet, testSet, batches, startEpoch, startBatch);
            Evaluator evaluator = new Evaluator(testLoader, tc);
            return loop(model, opt, schedule, loader, evaluator, log, startEpoch, startBatch, step);
        }
    }

    private void printStart(ModelConfig mc, TrainConfig tc, double peakLr, ImageDataset trainSet, ImageDataset testSet,
                            int batches, int startEpoch, int startBatch) {
        console.println("jmae pretrain: resolved config (also in " + run.config() + "):");
        console.println(config.toPrettyJson());
        ModelInfo info = ModelInfo.of(mc);
        console.printf(Locale.ROOT, "model: %s, %,d trainable parameters (encoder %,d, decoder %,d), %.3f GFLOPs/image forward%n",
                mc.model(), info.totalParams(), info.encoderParams(), info.decoderParams(), info.totalFlops() / 1e9);
        console.printf(Locale.ROOT, "lr = (kept_mask_ratio/mask_ratio) * blr * effective batch / 256 = (%.4g/%.4g) * %.3g * %d / 256"
                        + " = %.4g%s%n", mc.keptMaskRatio(), mc.maskRatio(), tc.blr(), tc.effectiveBatch(), peakLr,
                Double.isNaN(tc.lr()) ? "" : " (lr set explicitly)");
        console.println("train: " + trainSet.description());
        console.println("test:  " + testSet.description());
        console.printf(Locale.ROOT, "device %s, %d batches of %d per epoch, accum_iter %d, %d epochs (warmup %.3g)%s%n", device,
                batches, tc.batchSize(), tc.accumIter(), tc.epochs(), tc.warmupEpochs(),
                resuming ? ", resuming at epoch " + (startEpoch + 1) + " batch " + startBatch : "");
        console.println("run directory: " + run.root());
    }

    private Summary loop(MaskedAutoencoder model, AdamW opt, WarmupCosineSchedule schedule, DataLoader loader,
                         Evaluator evaluator, MetricsLog log, int startEpoch, int startBatch, long step) throws IOException {
        ModelConfig mc = config.model();
        TrainConfig tc = config.train();
        int batches = loader.batchesPerEpoch();
        int accum = tc.accumIter();
        double lastFinite = Double.NaN;
        double lr = 0;
        long sessionImages = 0;
        double sessionSeconds = 0;
        Evaluator.Result lastEval = null;
        double lastEpochLoss = Double.NaN;
        model.train();
        for (int epoch = startEpoch; epoch < tc.epochs(); epoch++) {
            int b0 = epoch == startEpoch ? startBatch : 0;
            opt.zeroGrad();
            double epochLossSum = 0;
            int epochBatches = 0;
            double stepLossSum = 0;
            double windowLossSum = 0;
            int windowSteps = 0;
            long windowImages = 0;
            long windowStart = System.nanoTime();
            long epochStart = System.nanoTime();
            try (ProgressBar bar = progressBar(epoch, batches, b0)) {
                Iterator<Batch> it = loader.epoch(epoch, b0);
                for (int i = b0; it.hasNext(); i++) {
                    Batch batch = it.next();
                    if (i % accum == 0) {
                        lr = schedule.apply(opt, epoch + (double) i / batches);
                    }
                    double loss;
                    int n = batch.images().size(0);
                    try (TensorScope scope = TensorScope.open()) {
                        Tensor noise = Tensor.rand(device, noiseGenerator(tc.seed(), epoch, i), n, mc.numPatches());
                        MaskedAutoencoder.Output out = model.forward(batch.images(), noise);
                        loss = out.loss().item();
                        if (!Double.isFinite(loss)) {
                            throw new NonFiniteLossException(epoch, i, step, lr, lastFinite, run.root(),
                                    Files.exists(run.lastCheckpoint()) ? run.lastCheckpoint() : null);
                        }
                        out.loss().div(accum).backward();
                    } finally {
                        batch.images().release();
                        batch.labels().release();
                    }
                    lastFinite = loss;
                    epochLossSum += loss;
                    epochBatches++;
                    stepLossSum += loss;
                    windowImages += n;
                    sessionImages += n;
                    boolean stepEnd = (i + 1) % accum == 0;
                    if (stepEnd) {
                        opt.step();
                        opt.zeroGrad();
                        step++;
                        windowLossSum += stepLossSum / accum;
                        windowSteps++;
                        stepLossSum = 0;
                        if (step % tc.logEvery() == 0) {
                            double secs = (System.nanoTime() - windowStart) / 1e9;
                            ObjectNode r = MetricsLog.record();
                            r.put("type", "step");
                            r.put("epoch", epoch);
                            r.put("batch", i + 1);
                            r.put("step", step);
                            r.put("epoch_fraction", epoch + (i + 1.0) / batches);
                            r.put("loss", windowLossSum / windowSteps);
                            r.put("lr", lr);
                            r.put("images_per_s", windowImages / secs);
                            // tensor memory on the training device: now (parameters, gradients,
                            // optimizer state) and the peak over the window (plus activations)
                            MemoryStats mem = Backends.of(device).memory();
                            r.put("live_mb", mem.liveBytes() / 1e6);
                            r.put("peak_mb", mem.peakBytes() / 1e6);
                            mem.resetPeak();
                            log.write(r);
                            listener.onStep(r);
                            windowImages = 0;
                            windowLossSum = 0;
                            windowSteps = 0;
                            windowStart = System.nanoTime();
                        }
                    }
                    if (bar != null) {
                        bar.stepTo(i + 1);
                        bar.setExtraMessage(String.format(Locale.ROOT, " loss %.4f %.0f img/s lr %.1e", epochLossSum / epochBatches,
                                epochBatches * (double) n / ((System.nanoTime() - epochStart) / 1e9), lr));
                    }
                    if (stopRequested && stepEnd) {
                        sessionSeconds += (System.nanoTime() - epochStart) / 1e9;
                        saveCheckpoint(model, opt, epoch, i + 1, step, false);
                        console.printf(Locale.ROOT, "%nstopped at epoch %d, batch %d (optimizer step %d); checkpoint written to %s%n"
                                + "resume with: bin/jmae pretrain --resume %s%n", epoch + 1, i + 1, step, run.lastCheckpoint(),
                                run.root());
                        return new Summary(epoch, step, epochLossSum / Math.max(1, epochBatches), sessionSeconds,
                                sessionImages / sessionSeconds, lastEval, true);
                    }
                }
            }
            double epochSeconds = (System.nanoTime() - epochStart) / 1e9;
            sessionSeconds += epochSeconds;
            lastEpochLoss = epochLossSum / Math.max(1, epochBatches);
            boolean last = epoch + 1 == tc.epochs();
            ObjectNode r = MetricsLog.record();
            r.put("type", "epoch");
            r.put("epoch", epoch);
            r.put("step", step);
            r.put("loss", lastEpochLoss);
            r.put("lr", lr);
            r.put("seconds", epochSeconds);
            r.put("images_per_s", epochBatches * (double) tc.batchSize() / epochSeconds);
            if ((tc.evalEvery() > 0 && (epoch + 1) % tc.evalEvery() == 0) || last) {
                lastEval = evaluator.evaluate(model, run.reconstruction(epoch + 1));
                r.put("test_psnr", lastEval.psnr());
                r.put("test_baseline_psnr", lastEval.baselinePsnr());
                r.put("test_images", lastEval.images());
            }
            log.write(r);
            console.printf(Locale.ROOT, "epoch %d/%d: loss %.4f, %.1f s, %.0f img/s%s%n", epoch + 1, tc.epochs(), lastEpochLoss,
                    epochSeconds, r.get("images_per_s").asDouble(), r.has("test_psnr")
                            ? String.format(Locale.ROOT, ", test masked-patch PSNR %.2f dB (visible-mean baseline %.2f dB)",
                            lastEval.psnr(), lastEval.baselinePsnr()) : "");
            if ((epoch + 1) % tc.saveEvery() == 0 || last) {
                saveCheckpoint(model, opt, epoch + 1, 0, step, tc.keepEvery() > 0 && (epoch + 1) % tc.keepEvery() == 0);
            }
            LossPlot.write(MetricsLog.read(run.metrics()), run.lossPlot(), mc.model() + " pretraining loss");
            listener.onEpoch(r);
            if (stopRequested && !last) {
                console.printf(Locale.ROOT, "stopped after epoch %d; resume with: bin/jmae pretrain --resume %s%n", epoch + 1,
                        run.root());
                if ((epoch + 1) % tc.saveEvery() != 0) {
                    saveCheckpoint(model, opt, epoch + 1, 0, step, false);
                }
                return new Summary(epoch + 1, step, lastEpochLoss, sessionSeconds, sessionImages / sessionSeconds, lastEval, true);
            }
        }
        return new Summary(tc.epochs(), step, lastEpochLoss, sessionSeconds,
                sessionSeconds > 0 ? sessionImages / sessionSeconds : 0, lastEval, false);
    }

    private void saveCheckpoint(MaskedAutoencoder model, AdamW opt, int epoch, int batch, long step, boolean numbered)
            throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "jmae-pretrain-checkpoint-1");
        meta.put("config", config.model().toJson().setAll(config.train().toJson()).toString());
        meta.put("epoch", Integer.toString(epoch));
        meta.put("batch", Integer.toString(batch));
        meta.put("step", Long.toString(step));
        Checkpoint.save(run.lastCheckpoint(), model, opt, meta);
        if (numbered) {
            Files.copy(run.lastCheckpoint(), run.checkpoint(epoch), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * The epoch's progress bar on stderr, as wide as the terminal; system property
     * {@code jmae.progress.width} sets the width where there is no terminal to measure (bin/jmae
     * sets 120 when stderr is a file or a pipe, where the library's fallback of 80 cuts the lr).
     */
    private ProgressBar progressBar(int epoch, int batches, int start) {
        if (!progress) {
            return null;
        }
        ProgressBar bar = new ProgressBarBuilder().setTaskName(String.format(Locale.ROOT, "epoch %d/%d", epoch + 1,
                        config.train().epochs())).setInitialMax(batches).setStyle(ProgressBarStyle.ASCII).setUnit(" batches", 1)
                .setUpdateIntervalMillis(500).setConsumer(new ConsoleProgressBarConsumer(System.err, Settings.progressWidth())).build();
        bar.stepTo(start);
        return bar;
    }
}
