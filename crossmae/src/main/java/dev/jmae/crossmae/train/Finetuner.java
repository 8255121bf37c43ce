package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.FinetuneConfig;
import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import dev.jmae.crossmae.data.Compose;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.data.Datasets;
import dev.jmae.crossmae.data.FinetuneTransforms;
import dev.jmae.crossmae.data.ImageDataset;
import dev.jmae.crossmae.data.Mixup;
import dev.jmae.crossmae.data.RandomHorizontalFlip;
import dev.jmae.crossmae.data.Split;
import dev.jmae.crossmae.data.TfRandomResizedCrop;
import dev.jmae.crossmae.model.PretrainedEncoder;
import dev.jmae.crossmae.model.VisionTransformerClassifier;
import dev.jmae.nn.Checkpoint;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.LARS;
import dev.jmae.nn.optim.LayerDecay;
import dev.jmae.nn.optim.Optimizer;
import dev.jmae.nn.optim.ParamGroup;
import dev.jmae.nn.optim.WarmupCosineSchedule;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.SafetensorsFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Fine-tuning and the linear probe, following the official {@code main_finetune.py} /
 * {@code main_linprobe.py} with {@code engine_finetune.py} (docs/model.md §15.3-§15.4):
 * <ul>
 *   <li>fine-tuning: the classifier ({@link VisionTransformerClassifier}) from a pretraining
 *       checkpoint's encoder ({@link PretrainedEncoder}) or from scratch; AdamW (opt_betas, opt_eps)
 *       over the layer-decay groups ({@link LayerDecay#paramGroupsLrd}: lr scale
 *       layer_decay^(depth + 1 − layer id), no decay for 1-d parameters, pos_embed and cls_token);
 *       the training transform of {@link FinetuneTransforms#train} with random erasing after
 *       Normalize (the loader's {@link DataLoader#tensorTransform}); Mixup/CutMix with soft targets,
 *       else label-smoothed cross-entropy ({@link ClassifierLoss}); optional clip_grad;</li>
 *   <li>linear probe: the encoder frozen, the head BatchNorm1d(affine=False, eps=1e-6) + Linear;
 *       LARS (momentum 0.9, trust 0.001) over the head; util/crop.py's RandomResizedCrop and a
 *       flip; plain cross-entropy; the model stays in train mode while training (batch
 *       statistics).</li>
 * </ul>
 * Both: lr = blr·effective batch/256 with linear warmup and a half-cycle cosine to min_lr set per
 * iteration ({@link TrainStep}; per-group scales); accum_iter; drop_last for training; top-1, top-5
 * and loss on the test split after every epoch ({@link ClassifierEvaluator}, evaluation transform:
 * resize input_size/0.875, centre crop); {@code checkpoint-last} every epoch (model, optimizer,
 * position) and {@code checkpoint-best} when top-1 reaches its best so far (CrossMAE's
 * main_finetune.py saves on {@code acc1 >= max_accuracy}); metrics.jsonl, loss.png, accuracy.png.
 *
 * <p>Reproducibility as in pretraining: data order from (seed, epoch), augmentation from (seed,
 * epoch, image), mixup and drop path from (seed, epoch, batch), so a resumed run repeats the
 * uninterrupted one bit for bit.
 */
public final class Finetuner {

    /**
     * What a session did.
     *
     * @param epochsCompleted epochs finished so far (including earlier sessions)
     * @param steps optimizer steps so far
     * @param lastLoss mean training loss of the last epoch (or of the session when stopped mid-epoch)
     * @param seconds wall time of this session's training, excluding evaluation
     * @param imagesPerSecond training throughput of this session
     * @param lastEval the last evaluation, or null
     * @param maxAccuracy the best test top-1 so far, percent
     * @param stopped whether the session ended on a stop request before the configured epochs
     */
    public record Summary(int epochsCompleted, long steps, double lastLoss, double seconds, double imagesPerSecond,
                          ClassifierEvaluator.Result lastEval, double maxAccuracy, boolean stopped) {
    }

    private final FinetuneConfig config;
    private final RunDirectory run;
    private final Device device;
    private final Path home;
    private final PrintStream console;
    private final boolean progress;
    private final boolean resuming;
    private final RunLock lock;
    private final String resumeNote;
    /** The config changed on resume, written to config.json once the checkpoint is checked; null when unchanged. */
    private final String changedConfig;
    private ImageDataset trainSet;
    private ImageDataset testSet;
    private Pretrainer.Listener listener = new Pretrainer.Listener() {};
    private volatile boolean stopRequested;

    private Finetuner(FinetuneConfig config, RunDirectory run, Device device, Path home, PrintStream console,
                      boolean progress,
                      boolean resuming, RunLock lock, String resumeNote, String changedConfig) {
        this.lock = lock;
        this.changedConfig = changedConfig;
        this.resumeNote = resumeNote;
        this.config = config;
        this.run = run;
        this.device = device;
        this.home = home;
        this.console = console;
        this.progress = progress;
        this.resuming = resuming;
    }

    /**
     * The format tag of a recipe's checkpoints.
     *
     * @param recipe fine-tuning or linear probe
     * @return "jmae-finetune-checkpoint-1" or "jmae-linprobe-checkpoint-1"
     */
    public static String format(Recipe recipe) {
        return "jmae-" + recipe.command() + "-checkpoint-1";
    }

    /**
     * Prepares a new run: checks that the checkpoint's encoder (from its header) and the dataset
     * (channels, classes) fit the config, then creates the directory and writes the resolved
     * config, so bad input leaves nothing behind.
     *
     * @param config the resolved config
     * @param runDir the run directory; must not already hold a checkpoint
     * @param device where to train
     * @param home the jmae checkout (for the committed dataset subset)
     * @param console where to print the resolved config and summaries
     * @param progress whether to show a progress bar
     * @return the trainer
     * @throws IOException if the directory cannot be written
     * @throws ConfigException if the directory already holds a run, the checkpoint's encoder
     *     differs in size from the config's, or the dataset's channels or classes differ from
     *     in_chans or nb_classes
     */
    public static Finetuner create(FinetuneConfig config, Path runDir, Device device, Path home, PrintStream console,
                                   boolean progress)
            throws IOException {
        RunDirectory rd = new RunDirectory(runDir);
        RunSetup.requireNoRun(rd);
        if (!config.finetune().isEmpty()) {
            PretrainedEncoder.checkFits(Path.of(config.finetune()), config);
        }
        Finetuner probe = new Finetuner(config, rd, device, home, console, progress, false, null, "", null);
        probe.resolveData();
        Files.createDirectories(runDir);
        List<String> notes = new ArrayList<>();
        return RunSetup.prepare(rd, device, true, true, Configs.prettyJson(config.toJson()), notes, lock -> {
            Finetuner f = new Finetuner(config, rd, device, home, console, progress, false, lock,
                    String.join("\n", notes), null);
            f.trainSet = probe.trainSet;
            f.testSet = probe.testSet;
            return f;
        });
    }

    /**
     * Prepares to continue a run from its directory (config.json and checkpoint-last).
     *
     * @param runDir the run directory
     * @param recipe the command continuing it; must be the one that started it
     * @param device where to train
     * @param home the jmae checkout
     * @param console where to print
     * @param progress whether to show a progress bar
     * @return the trainer
     * @throws ConfigException if the directory holds no resumable run of this recipe
     * @throws IOException if the checkpoint cannot be read
     */
    public static Finetuner resume(Path runDir, Recipe recipe, Device device, Path home, PrintStream console,
                                   boolean progress)
            throws IOException {
        return resume(runDir, recipe, Map.of(), device, home, console, progress);
    }

    /**
     * Prepares to continue a run with some keys changed ({@code --resume DIR --set blr=...}; only
     * {@link Configs#RESUMABLE_KEYS}); the changed config is written to the run's config.json once
     * {@link #run} has checked the checkpoint's position.
     * Takes the run directory's lock and removes the temporary files of interrupted writes.
     *
     * @param runDir the run directory
     * @param recipe the command continuing it; must be the one that started it
     * @param overrides keys to change (key to JSON value text); empty to continue as it was
     * @param device where to train
     * @param home the jmae checkout
     * @param console where to print
     * @param progress whether to show a progress bar
     * @return the trainer
     * @throws ConfigException if the directory holds no resumable run of this recipe, a key may
     *     not change, or another run holds the directory
     * @throws IOException if the checkpoint cannot be read
     */
    public static Finetuner resume(Path runDir, Recipe recipe, Map<String, String> overrides, Device device, Path home,
                                   PrintStream console, boolean progress)
            throws IOException {
        RunDirectory rd = new RunDirectory(runDir);
        if (!Files.exists(rd.config()) || !Files.exists(rd.lastCheckpoint())) {
            throw new ConfigException("resume",
                    runDir + " has no config.json and checkpoint-last.safetensors to resume from");
        }
        String format = metadata(rd.lastCheckpoint()).get("format");
        if (!format(recipe).equals(format)) {
            throw new ConfigException("resume", runDir + " holds a run of format " + format + ", not " + format(recipe)
                    + "; hint: resume it with the command that started it");
        }
        com.fasterxml.jackson.databind.node.ObjectNode savedJson = Configs.source(rd.config().toString());
        FinetuneConfig saved = FinetuneConfig.resolve(savedJson, recipe);
        FinetuneConfig c = overrides.isEmpty() ? saved
                : FinetuneConfig.resolve(Configs.overrideOnResume(savedJson, overrides), recipe);
        List<String> notes = new ArrayList<>();
        if (!overrides.isEmpty()) {
            notes.add("changed on resume (config.json updated): " + Configs.changes(saved.toJson(), c.toJson()));
        }
        String changed = overrides.isEmpty() ? null : Configs.prettyJson(c.toJson());
        return RunSetup.prepare(rd, device, true, false, null, notes,
                lock -> new Finetuner(c, rd, device, home, console, progress, true, lock, String.join("\n", notes),
                        changed));
    }

    /**
     * Sets the observer (the same as pretraining's: step and epoch records).
     *
     * @param l the listener
     * @return this
     */
    public Finetuner listener(Pretrainer.Listener l) {
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
    public FinetuneConfig config() {
        return config;
    }

    /**
     * Trains until the configured number of epochs or a stop request.
     *
     * @return what this session did
     * @throws IOException if data, checkpoints or logs cannot be read or written
     * @throws ConfigException if the dataset does not fit the config (channels, nb_classes) or the
     *     checkpoint's encoder does not fit the model
     * @throws NonFiniteLossException if the loss becomes NaN or infinite
     */
    public Summary run() throws IOException {
        try {
            return runLocked();
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private Summary runLocked() throws IOException {
        FinetuneConfig c = config;
        boolean probe = c.recipe() == Recipe.LINPROBE;
        if (trainSet == null) {
            resolveData();
        }
        Generator init = new Generator(c.seed());
        VisionTransformerClassifier model = new VisionTransformerClassifier(c, init, device);
        PretrainedEncoder.Loaded source = null;
        if (!resuming && !c.finetune().isEmpty()) {
            source = PretrainedEncoder.load(Path.of(c.finetune()), model, init);
        }
        double peakLr = c.peakLr();
        Optimizer opt = probe
                ? new LARS(List.of(new ParamGroup("head", trainable(model), peakLr, c.weightDecay(), 1.0)), 0.9, 0.001)
                : new AdamW(LayerDecay.paramGroupsLrd(model, c.depth(), peakLr, c.weightDecay(),
                        LayerDecay.VIT_NO_WEIGHT_DECAY,
                        c.layerDecay()), c.optBetas().get(0), c.optBetas().get(1), c.optEps());
        ResumePoint from = resuming
                ? ResumePoint.load(run.lastCheckpoint(), format(c.recipe()), c.recipe().command(), model, opt)
                : null;
        double maxAccuracy = from == null ? 0 : maxAccuracy(from);
        double[] mean = c.mean().stream().mapToDouble(Double::doubleValue).toArray();
        double[] std = c.std().stream().mapToDouble(Double::doubleValue).toArray();
        Mixup mixup = c.mixupActive()
                ? new Mixup(c.mixup(), c.cutmix(), c.mixupProb(), c.mixupSwitchProb(), c.smoothing(),
                        c.nbClasses())
                : null;
        Compose evalPipeline = new Compose(FinetuneTransforms.eval(c.inputSize(), mean, std).transforms());
        try (DataLoader loader = trainLoader(trainSet, mean, std);
             DataLoader testLoader = new DataLoader(testSet, evalPipeline, mean, std, c.evalBatchSize(), false, false,
                     c.seed(),
                     c.numWorkers(), c.prefetchBatches(), device);
             MetricsLog log = openLog(from, loader.batchesPerEpoch())) {
            int batches = loader.batchesPerEpoch();
            int startEpoch = from == null ? 0 : from.epoch();
            int startBatch = from == null ? 0 : from.batch();
            long step = from == null ? 0 : from.step();
            ClassifierLoss loss = new ClassifierLoss(model, mixup, c.smoothing(), c.seed(), probe);
            FinetuneReport.printStart(console, c, run, device, model, source, loss, trainSet, testSet, batches,
                    resuming, resumeNote,
                    startEpoch, startBatch);
            WarmupCosineSchedule schedule = new WarmupCosineSchedule(peakLr, c.minLr(), c.warmupEpochs(), c.epochs());
            TrainStep trainStep = new TrainStep(opt, schedule, c.accumIter(),
                    Double.isNaN(c.clipGrad()) ? 0 : c.clipGrad())
                    .resumeAt(step);
            TrainEpoch epochs = new TrainEpoch(trainStep, loader, c.epochs(),
                    new StepLog(log, c.logEvery(), device, listener, Ranks.single()),
                    progress, () -> stopRequested);
            String sourceName = source != null ? source.file().toString() : resuming ? "resumed" : "scratch";
            try {
                return loop(model, trainStep, epochs, loss, new ClassifierEvaluator(testLoader), log, startEpoch,
                        startBatch,
                        maxAccuracy, resuming ? from.metadata().getOrDefault("source", "resumed") : sourceName);
            } catch (NonFiniteLossException ex) {
                throw ex.inRun(run.root(), Files.exists(run.lastCheckpoint()) ? run.lastCheckpoint() : null);
            }
        }
    }

    /**
     * Checks the resume position against this run's sizes, then opens the metrics log, dropping
     * the records past the checkpoint (which this session logs again).
     */
    private MetricsLog openLog(ResumePoint from, int batches) throws IOException {
        if (batches < config.accumIter()) {
            throw new ConfigException("batch_size", "one epoch of " + trainSet.size() + " images gives " + batches
                    + " batches of " + config.batchSize() + ", fewer than accum_iter (" + config.accumIter() + ")");
        }
        if (from != null) {
            from.check(config.epochs(), batches, config.accumIter());
            from.checkConfig(config.toJson(), run.config());
            if (changedConfig != null) {
                RunSetup.writeConfig(run, changedConfig);
            }
            int dropped = MetricsLog.rewind(run.metrics(), from.epoch(), from.step(), console);
            if (dropped > 0) {
                console.printf(Locale.ROOT,
                        "%s: dropped %d record(s) past the checkpoint (epoch %d, optimizer step %d), which"
                                + " this session logs again%n",
                        run.metrics(), dropped, from.epoch() + 1, from.step());
            }
        }
        return new MetricsLog(run.metrics(), console);
    }

    private static double maxAccuracy(ResumePoint from) {
        String v = from.metadata().get("max_accuracy");
        try {
            double a = Double.parseDouble(v);
            if (a >= 0 && a <= 100) {
                return a;
            }
        } catch (NumberFormatException | NullPointerException e) {
            // told below
        }
        throw new ConfigException("max_accuracy", from.file() + " has 'max_accuracy' = "
                + (v == null ? "nothing" : "\"" + v
                        + "\"")
                + " in its metadata, expected a percentage in [0, 100]; hint: resume from a checkpoint that jmae wrote");
    }

    /** A checkpoint's metadata, without reading its tensors. */
    private static Map<String, String> metadata(Path checkpoint) throws IOException {
        try (SafetensorsFile f = Safetensors.open(checkpoint)) {
            return f.metadata();
        }
    }

    /** Opens both splits and checks them against in_chans and nb_classes. */
    private void resolveData() throws IOException {
        trainSet = Datasets.resolve(config.dataPath(), config.dataset(), Split.TRAIN, home);
        testSet = Datasets.resolve(config.dataPath(), config.dataset(), Split.TEST, home);
        checkDataset(trainSet);
    }

    private void checkDataset(ImageDataset set) {
        if (set.channels() != config.inChans()) {
            throw new ConfigException("in_chans", "is " + config.inChans() + " but " + set.description() + " has "
                    + set.channels() + " channel(s)");
        }
        if (set.numClasses() != config.nbClasses()) {
            throw new ConfigException("nb_classes", "is " + config.nbClasses() + " (the head's outputs), but "
                    + set.description() + " has " + set.numClasses() + " classes; hint: --set nb_classes="
                    + set.numClasses());
        }
    }

    private static List<Parameter> trainable(VisionTransformerClassifier model) {
        List<Parameter> out = new ArrayList<>();
        for (Parameter p : model.parameters()) {
            if (p.requiresGrad()) {
                out.add(p);
            }
        }
        return out;
    }

    private DataLoader trainLoader(ImageDataset trainSet, double[] mean, double[] std) {
        FinetuneConfig c = config;
        if (c.recipe() == Recipe.LINPROBE) {
            Compose weak = new Compose(
                    List.of(new TfRandomResizedCrop(c.inputSize(), c.cropScale().get(0), c.cropScale().get(1),
                            3.0 / 4.0, 4.0 / 3.0), new RandomHorizontalFlip(0.5)));
            return new DataLoader(trainSet, weak, mean, std, c.batchSize(), true, true, c.seed(), c.numWorkers(),
                    c.prefetchBatches(), device);
        }
        FinetuneTransforms.Train t = FinetuneTransforms.train(c.inputSize(), c.cropScale().get(0), c.cropScale().get(1),
                c.aa(),
                c.reprob(), c.remode(), c.recount(), mean, std);
        DataLoader l = new DataLoader(trainSet, t.images(), mean, std, c.batchSize(), true, true, c.seed(),
                c.numWorkers(),
                c.prefetchBatches(), device);
        return t.erasing() == null ? l : l.tensorTransform(t::eraseInPlace);
    }

    /**
     * The epoch loop of main_finetune.py: train an epoch, evaluate, record, checkpoint (last, and
     * best on a new best top-1), plots; a stop request ends the run at the next optimizer step
     * with a checkpoint.
     */
    private Summary loop(VisionTransformerClassifier model, TrainStep trainStep, TrainEpoch epochs, ClassifierLoss loss,
                         ClassifierEvaluator evaluator, MetricsLog log, int startEpoch, int startBatch,
                         double maxAccuracy,
                         String source)
            throws IOException {
        FinetuneConfig c = config;
        long sessionImages = 0;
        double sessionSeconds = 0;
        ClassifierEvaluator.Result lastEval = null;
        double lastEpochLoss = Double.NaN;
        double best = maxAccuracy;
        long parameters = FinetuneReport.count(model, true);
        model.train();
        for (int epoch = startEpoch; epoch < c.epochs(); epoch++) {
            TrainEpoch.Result e = epochs.run(epoch, epoch == startEpoch ? startBatch : 0, loss);
            long step = trainStep.optimizerSteps();
            sessionImages += e.images();
            sessionSeconds += e.seconds();
            if (e.stopped()) {
                save(model, trainStep, epoch, e.stoppedAt(), best, source);
                console.printf(Locale.ROOT,
                        "%nstopped at epoch %d, batch %d (optimizer step %d); checkpoint written to %s%n"
                                + "resume with: bin/jmae %s --resume %s%n",
                        epoch + 1, e.stoppedAt(), step, run.lastCheckpoint(),
                        c.recipe().command(), run.root());
                return new Summary(epoch, step, e.meanLoss(), sessionSeconds, sessionImages / sessionSeconds, lastEval,
                        best, true);
            }
            lastEpochLoss = e.meanLoss();
            boolean last = epoch + 1 == c.epochs();
            lastEval = evaluator.evaluate(model);
            if (!Double.isFinite(lastEval.loss())) {
                throw NonFiniteLossException.nonFiniteState("the test evaluation gave a loss of " + lastEval.loss()
                        + " (the model's outputs are not finite)", epoch, -1, step, trainStep.lr(),
                        trainStep.lastFiniteLoss());
            }
            boolean improved = lastEval.acc1() >= best;
            best = Math.max(best, lastEval.acc1());
            ObjectNode r = MetricsLog.record();
            r.put("type", "epoch");
            r.put("epoch", epoch);
            r.put("step", step);
            r.put("loss", lastEpochLoss);
            r.put("lr", trainStep.lr());
            r.put("seconds", e.seconds());
            r.put("images_per_s", e.images() / e.seconds());
            r.put("test_acc1", lastEval.acc1());
            r.put("test_acc5", lastEval.acc5());
            r.put("test_loss", lastEval.loss());
            r.put("test_images", lastEval.images());
            r.put("max_accuracy", best);
            r.put("n_parameters", parameters);
            log.write(r);
            console.printf(Locale.ROOT,
                    "epoch %d/%d: loss %.4f, %.1f s, %.0f img/s, test top-1 %.2f%% top-5 %.2f%% loss %.4f"
                            + " (best top-1 %.2f%%)%n",
                    epoch + 1, c.epochs(), lastEpochLoss, e.seconds(),
                    r.get("images_per_s").asDouble(), lastEval.acc1(), lastEval.acc5(), lastEval.loss(), best);
            save(model, trainStep, epoch + 1, 0, best, source);
            if (improved) {
                RunCheckpoints.copyAtomically(run.lastCheckpoint(), run.bestCheckpoint());
            }
            List<ObjectNode> records = MetricsLog.read(run.metrics(), console);
            String title = c.model() + (c.recipe() == Recipe.LINPROBE ? " linear probe" : " fine-tuning");
            LossPlot.write(records, run.lossPlot(), title + " loss");
            AccuracyPlot.write(records, run.accuracyPlot(), title + " test accuracy");
            listener.onEpoch(r);
            if (stopRequested && !last) {
                console.printf(Locale.ROOT, "stopped after epoch %d; resume with: bin/jmae %s --resume %s%n", epoch + 1,
                        c.recipe().command(), run.root());
                return new Summary(epoch + 1, step, lastEpochLoss, sessionSeconds, sessionImages / sessionSeconds,
                        lastEval, best,
                        true);
            }
        }
        return new Summary(c.epochs(), trainStep.optimizerSteps(), lastEpochLoss, sessionSeconds,
                sessionSeconds > 0 ? sessionImages / sessionSeconds : 0, lastEval, best, false);
    }

    /**
     * Writes checkpoint-last atomically: the classifier's state dict under timm's keys, the
     * optimizer state, and metadata (format, recipe, the resolved config, the position epoch,
     * batch, step that a resumed run continues from, the best top-1 so far, the encoder's source).
     */
    private void save(VisionTransformerClassifier model, TrainStep step, int epoch, int batch, double best,
                      String source)
            throws IOException {
        FiniteState.require(model, step.optimizer(), step, batch == 0 ? epoch - 1 : epoch, batch == 0 ? -1 : batch);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", format(config.recipe()));
        meta.put("recipe", config.recipe().script());
        meta.put("config", config.toJson().toString());
        meta.put("epoch", Integer.toString(epoch));
        meta.put("batch", Integer.toString(batch));
        meta.put("step", Long.toString(step.optimizerSteps()));
        meta.put("max_accuracy", Double.toString(best));
        meta.put("source", source);
        try {
            Checkpoint.save(run.lastCheckpoint(), model, step.optimizer(), meta);
        } catch (IOException e) {
            throw WriteFailures.writing(run.lastCheckpoint(), e, "resume with --resume " + run.root());
        }
    }
}
