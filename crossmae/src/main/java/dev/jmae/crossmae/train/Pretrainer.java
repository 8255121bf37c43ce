package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.config.TrainConfig;
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
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.TensorScope;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Masked-autoencoder pretraining, following the official {@code main_pretrain.py} and
 * {@code engine_pretrain.py} (docs/model.md §13): lr = (γ/p)·blr·effective batch/256 set per iteration by
 * linear warmup and a half-cycle cosine at the fractional epoch, gradient accumulation over
 * accum_iter micro-batches (each loss divided by accum_iter, the lr updated on the first
 * micro-batch of each cycle), AdamW (opt_betas, opt_eps; (0.9, 0.95), 1e-8) with timm's no-decay
 * groups, no gradient clipping, and a stop on a non-finite loss.
 *
 * <p>The parts: {@link TrainStep} (one iteration), {@link PretrainEpoch} (train_one_epoch: batches,
 * noise, step records, progress bar), {@link Evaluator} (test PSNR and reconstruction grid),
 * {@link RunCheckpoints}, {@link LossPlot}; this class builds them and runs the epoch loop.
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
        AdamW opt = new AdamW(ParamGroups.weightDecaySplit(model, peakLr, tc.weightDecay()), tc.optBetas().get(0),
                tc.optBetas().get(1), tc.optEps());
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
                mean, std, tc.batchSize(), true, true, tc.seed(), tc.numWorkers(), tc.prefetchBatches(), device);
             DataLoader testLoader = new DataLoader(testSet, Transforms.eval(mc.imgSize()), mean, std, tc.evalBatchSize(),
                     false, false, tc.seed(), tc.numWorkers(), tc.prefetchBatches(), device);
             MetricsLog log = new MetricsLog(run.metrics())) {
            int batches = loader.batchesPerEpoch();
            if (batches < tc.accumIter()) {
                throw new ConfigException("batch_size", "one epoch of " + trainSet.size() + " images gives " + batches
                        + " batches of " + tc.batchSize() + ", fewer than accum_iter (" + tc.accumIter() + ")");
            }
            printStart(mc, tc, peakLr, trainSet, testSet, batches, startEpoch, startBatch);
            TrainStep trainStep = new TrainStep(opt, schedule, tc.accumIter(), 0).resumeAt(step);
            PretrainEpoch epochs = new PretrainEpoch(model, trainStep, loader, tc.seed(), tc.epochs(),
                    new StepLog(log, tc.logEvery(), device, listener), progress, () -> stopRequested);
            return loop(model, trainStep, epochs, new Evaluator(testLoader, tc), log, startEpoch, startBatch);
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

    /**
     * The epoch loop of main_pretrain.py: train an epoch, then its record, evaluation, checkpoint
     * and loss plot; a stop request ends the run at the next optimizer step with a checkpoint.
     */
    private Summary loop(MaskedAutoencoder model, TrainStep trainStep, PretrainEpoch epochs, Evaluator evaluator,
                         MetricsLog log, int startEpoch, int startBatch) throws IOException {
        ModelConfig mc = config.model();
        TrainConfig tc = config.train();
        RunCheckpoints checkpoints = new RunCheckpoints(run, config);
        long sessionImages = 0;
        double sessionSeconds = 0;
        Evaluator.Result lastEval = null;
        double lastEpochLoss = Double.NaN;
        model.train();
        for (int epoch = startEpoch; epoch < tc.epochs(); epoch++) {
            PretrainEpoch.Result e;
            try {
                e = epochs.run(epoch, epoch == startEpoch ? startBatch : 0);
            } catch (NonFiniteLossException ex) {
                throw ex.inRun(run.root(), Files.exists(run.lastCheckpoint()) ? run.lastCheckpoint() : null);
            }
            long step = trainStep.optimizerSteps();
            sessionImages += e.images();
            sessionSeconds += e.seconds();
            if (e.stopped()) {
                checkpoints.save(model, trainStep.optimizer(), epoch, e.stoppedAt(), step, false);
                console.printf(Locale.ROOT, "%nstopped at epoch %d, batch %d (optimizer step %d); checkpoint written to %s%n"
                        + "resume with: bin/jmae pretrain --resume %s%n", epoch + 1, e.stoppedAt(), step, run.lastCheckpoint(),
                        run.root());
                return new Summary(epoch, step, e.meanLoss(), sessionSeconds, sessionImages / sessionSeconds, lastEval, true);
            }
            lastEpochLoss = e.meanLoss();
            boolean last = epoch + 1 == tc.epochs();
            ObjectNode r = MetricsLog.record();
            r.put("type", "epoch");
            r.put("epoch", epoch);
            r.put("step", step);
            r.put("loss", lastEpochLoss);
            r.put("lr", trainStep.lr());
            r.put("seconds", e.seconds());
            r.put("images_per_s", e.batches() * (double) tc.batchSize() / e.seconds());
            if ((tc.evalEvery() > 0 && (epoch + 1) % tc.evalEvery() == 0) || last) {
                lastEval = evaluator.evaluate(model, run.reconstruction(epoch + 1));
                r.put("test_psnr", lastEval.psnr());
                r.put("test_baseline", lastEval.baseline());
                r.put("test_baseline_psnr", lastEval.baselinePsnr());
                if (!Double.isNaN(lastEval.normMse())) {
                    r.put("test_norm_mse", lastEval.normMse());
                    r.put("test_baseline_norm_mse", lastEval.baselineNormMse());
                }
                r.put("test_images", lastEval.images());
            }
            log.write(r);
            console.printf(Locale.ROOT, "epoch %d/%d: loss %.4f, %.1f s, %.0f img/s%s%n", epoch + 1, tc.epochs(), lastEpochLoss,
                    e.seconds(), r.get("images_per_s").asDouble(), r.has("test_psnr") ? ", " + evalLine(lastEval) : "");
            if ((epoch + 1) % tc.saveEvery() == 0 || last) {
                checkpoints.save(model, trainStep.optimizer(), epoch + 1, 0, step,
                        tc.keepEvery() > 0 && (epoch + 1) % tc.keepEvery() == 0);
            }
            LossPlot.write(MetricsLog.read(run.metrics()), run.lossPlot(), mc.model() + " pretraining loss");
            listener.onEpoch(r);
            if (stopRequested && !last) {
                console.printf(Locale.ROOT, "stopped after epoch %d; resume with: bin/jmae pretrain --resume %s%n", epoch + 1,
                        run.root());
                if ((epoch + 1) % tc.saveEvery() != 0) {
                    checkpoints.save(model, trainStep.optimizer(), epoch + 1, 0, step, false);
                }
                return new Summary(epoch + 1, step, lastEpochLoss, sessionSeconds, sessionImages / sessionSeconds, lastEval, true);
            }
        }
        return new Summary(tc.epochs(), trainStep.optimizerSteps(), lastEpochLoss, sessionSeconds,
                sessionSeconds > 0 ? sessionImages / sessionSeconds : 0, lastEval, false);
    }

    /**
     * The evaluation in words, with its matching baseline named: e.g. "test masked-patch PSNR 15.85
     * dB vs 15.28 dB for the oracle-statistics baseline (...): +0.57 dB; normalized MSE 0.91 vs 1.00".
     *
     * @param e the evaluation
     * @return the text
     */
    public static String evalLine(Evaluator.Result e) {
        String line = String.format(Locale.ROOT, "test masked-patch PSNR %.2f dB vs %.2f dB for the %s: %+.2f dB", e.psnr(),
                e.baselinePsnr(), e.baselineDescription(), e.psnr() - e.baselinePsnr());
        if (!Double.isNaN(e.normMse())) {
            line += String.format(Locale.ROOT, "; normalized MSE on masked patches %.4f vs %.4f", e.normMse(), e.baselineNormMse());
        }
        return line;
    }
}
