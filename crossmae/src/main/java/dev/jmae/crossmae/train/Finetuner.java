package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.nio.file.StandardCopyOption;
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
    private ImageDataset trainSet;
    private ImageDataset testSet;
    private Pretrainer.Listener listener = new Pretrainer.Listener() { };
    private volatile boolean stopRequested;

    private Finetuner(FinetuneConfig config, RunDirectory run, Device device, Path home, PrintStream console, boolean progress,
                      boolean resuming) {
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
                                   boolean progress) throws IOException {
        RunDirectory rd = new RunDirectory(runDir);
        if (Files.exists(rd.lastCheckpoint())) {
            throw new ConfigException("out", runDir + " already holds a run with a checkpoint; hint: continue it with --resume "
                    + runDir + ", or pick another --out");
        }
        if (!config.finetune().isEmpty()) {
            PretrainedEncoder.checkFits(Path.of(config.finetune()), config);
        }
        Finetuner f = new Finetuner(config, rd, device, home, console, progress, false);
        f.resolveData();
        Files.createDirectories(runDir);
        Files.writeString(rd.config(), Configs.prettyJson(config.toJson()) + "\n");
        return f;
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
                                   boolean progress) throws IOException {
        RunDirectory rd = new RunDirectory(runDir);
        if (!Files.exists(rd.config()) || !Files.exists(rd.lastCheckpoint())) {
            throw new ConfigException("resume", runDir + " has no config.json and checkpoint-last.safetensors to resume from");
        }
        String format = metadata(rd.lastCheckpoint()).get("format");
        if (!format(recipe).equals(format)) {
            throw new ConfigException("resume", runDir + " holds a run of format " + format + ", not " + format(recipe)
                    + "; hint: resume it with the command that started it");
        }
        FinetuneConfig c = FinetuneConfig.resolve(Configs.source(rd.config().toString()), recipe);
        return new Finetuner(c, rd, device, home, console, progress, true);
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
                : new AdamW(LayerDecay.paramGroupsLrd(model, c.depth(), peakLr, c.weightDecay(), LayerDecay.VIT_NO_WEIGHT_DECAY,
                c.layerDecay()), c.optBetas().get(0), c.optBetas().get(1), c.optEps());
        int startEpoch = 0;
        int startBatch = 0;
        long step = 0;
        double maxAccuracy = 0;
        if (resuming) {
            Map<String, String> meta = Checkpoint.load(run.lastCheckpoint(), model, opt);
            startEpoch = Integer.parseInt(meta.get("epoch"));
            startBatch = Integer.parseInt(meta.get("batch"));
            step = Long.parseLong(meta.get("step"));
            maxAccuracy = Double.parseDouble(meta.get("max_accuracy"));
        }
        double[] mean = c.mean().stream().mapToDouble(Double::doubleValue).toArray();
        double[] std = c.std().stream().mapToDouble(Double::doubleValue).toArray();
        Mixup mixup = c.mixupActive() ? new Mixup(c.mixup(), c.cutmix(), c.mixupProb(), c.mixupSwitchProb(), c.smoothing(),
                c.nbClasses()) : null;
        Compose evalPipeline = new Compose(FinetuneTransforms.eval(c.inputSize(), mean, std).transforms());
        try (DataLoader loader = trainLoader(trainSet, mean, std);
             DataLoader testLoader = new DataLoader(testSet, evalPipeline, mean, std, c.evalBatchSize(), false, false, c.seed(),
                     c.numWorkers(), c.prefetchBatches(), device);
             MetricsLog log = new MetricsLog(run.metrics())) {
            int batches = loader.batchesPerEpoch();
            if (batches < c.accumIter()) {
                throw new ConfigException("batch_size", "one epoch of " + trainSet.size() + " images gives " + batches
                        + " batches of " + c.batchSize() + ", fewer than accum_iter (" + c.accumIter() + ")");
            }
            ClassifierLoss loss = new ClassifierLoss(model, mixup, c.smoothing(), c.seed(), probe);
            printStart(model, source, loss, trainSet, testSet, batches, startEpoch, startBatch);
            WarmupCosineSchedule schedule = new WarmupCosineSchedule(peakLr, c.minLr(), c.warmupEpochs(), c.epochs());
            TrainStep trainStep = new TrainStep(opt, schedule, c.accumIter(), Double.isNaN(c.clipGrad()) ? 0 : c.clipGrad())
                    .resumeAt(step);
            TrainEpoch epochs = new TrainEpoch(trainStep, loader, c.epochs(), new StepLog(log, c.logEvery(), device, listener, Ranks.single()),
                    progress, () -> stopRequested);
            String sourceName = source != null ? source.file().toString() : resuming ? "resumed" : "scratch";
            return loop(model, trainStep, epochs, loss, new ClassifierEvaluator(testLoader), log, startEpoch, startBatch,
                    maxAccuracy, resuming ? metadata(run.lastCheckpoint()).get("source") : sourceName);
        }
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
            Compose weak = new Compose(List.of(new TfRandomResizedCrop(c.inputSize(), c.cropScale().get(0), c.cropScale().get(1),
                    3.0 / 4.0, 4.0 / 3.0), new RandomHorizontalFlip(0.5)));
            return new DataLoader(trainSet, weak, mean, std, c.batchSize(), true, true, c.seed(), c.numWorkers(),
                    c.prefetchBatches(), device);
        }
        FinetuneTransforms.Train t = FinetuneTransforms.train(c.inputSize(), c.cropScale().get(0), c.cropScale().get(1), c.aa(),
                c.reprob(), c.remode(), c.recount(), mean, std);
        DataLoader l = new DataLoader(trainSet, t.images(), mean, std, c.batchSize(), true, true, c.seed(), c.numWorkers(),
                c.prefetchBatches(), device);
        return t.erasing() == null ? l : l.tensorTransform(t::eraseInPlace);
    }

    private void printStart(VisionTransformerClassifier model, PretrainedEncoder.Loaded source, ClassifierLoss loss,
                            ImageDataset trainSet, ImageDataset testSet, int batches, int startEpoch, int startBatch) {
        FinetuneConfig c = config;
        String cmd = c.recipe().command();
        console.println("jmae " + cmd + ": resolved config (also in " + run.config() + "):");
        console.println(Configs.prettyJson(c.toJson()));
        console.printf(Locale.ROOT, "model: %s classifier (%s pooling, %d classes), %,d parameters, %,d trainable%n", c.model(),
                c.globalPool() ? "global average" : "cls token", c.nbClasses(), count(model, false), count(model, true));
        if (source != null) {
            console.printf(Locale.ROOT, "encoder from %s (%s pretraining): %d tensors loaded%s; new: %s; not used: %d (%s)%n",
                    source.file(), source.pretrainingModel(), source.loaded().size(),
                    source.fromGrid() != source.toGrid() ? String.format(Locale.ROOT, ", pos_embed interpolated %dx%d -> %dx%d"
                            + " (bicubic)", source.fromGrid(), source.fromGrid(), source.toGrid(), source.toGrid()) : "",
                    String.join(", ", source.fresh()), source.ignored().size(), summarize(source.ignored()));
            warnOnStatistics(source.pretraining());
        } else if (!resuming) {
            console.println("encoder: random (from scratch, timm's ViT initialization)");
        }
        console.printf(Locale.ROOT, "lr = blr * effective batch / 256 = %.3g * %d / 256 = %.4g%s; %s%n", c.blr(),
                c.effectiveBatch(), c.peakLr(), Double.isNaN(c.lr()) ? "" : " (lr set explicitly)",
                c.recipe() == Recipe.LINPROBE ? "LARS (momentum 0.9, trust 0.001) on the head"
                        : String.format(Locale.ROOT, "AdamW (%.3g, %.4g), layer_decay %.3g, drop_path %.3g%s", c.optBetas().get(0),
                        c.optBetas().get(1), c.layerDecay(), c.dropPath(),
                        Double.isNaN(c.clipGrad()) ? "" : ", clip_grad " + c.clipGrad()));
        console.println("criterion: " + loss.describe());
        console.println("train: " + trainSet.description());
        console.println("test:  " + testSet.description());
        console.printf(Locale.ROOT, "device %s, %d batches of %d per epoch, accum_iter %d, %d epochs (warmup %.3g)%s%n", device,
                batches, c.batchSize(), c.accumIter(), c.epochs(), c.warmupEpochs(),
                resuming ? ", resuming at epoch " + (startEpoch + 1) + " batch " + startBatch : "");
        console.println("run directory: " + run.root());
    }

    /** The pretraining's normalization should be the fine-tuning's; say so when they differ. */
    private void warnOnStatistics(JsonNode pretraining) {
        if (pretraining == null || !pretraining.has("mean")) {
            return;
        }
        List<Double> m = new ArrayList<>();
        List<Double> s = new ArrayList<>();
        pretraining.get("mean").forEach(v -> m.add(v.asDouble()));
        pretraining.path("std").forEach(v -> s.add(v.asDouble()));
        if (!m.equals(config.mean()) || !s.equals(config.std())) {
            console.printf(Locale.ROOT, "warning: the checkpoint was pretrained on images normalized with mean %s, std %s,"
                    + " but this run uses mean %s, std %s; hint: --set mean=... std=... to match%n", m, s, config.mean(),
                    config.std());
        }
    }

    private static long count(VisionTransformerClassifier model, boolean trainableOnly) {
        long n = 0;
        for (Parameter p : model.parameters()) {
            if (!trainableOnly || p.requiresGrad()) {
                n += p.numel();
            }
        }
        return n;
    }

    private static String summarize(List<String> keys) {
        Map<String, Integer> prefixes = new LinkedHashMap<>();
        for (String k : keys) {
            prefixes.merge(k.contains(".") ? k.substring(0, k.indexOf('.')) : k, 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        prefixes.forEach((p, n) -> parts.add(n == 1 ? p : p + " (" + n + ")"));
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }

    /**
     * The epoch loop of main_finetune.py: train an epoch, evaluate, record, checkpoint (last, and
     * best on a new best top-1), plots; a stop request ends the run at the next optimizer step
     * with a checkpoint.
     */
    private Summary loop(VisionTransformerClassifier model, TrainStep trainStep, TrainEpoch epochs, ClassifierLoss loss,
                         ClassifierEvaluator evaluator, MetricsLog log, int startEpoch, int startBatch, double maxAccuracy,
                         String source) throws IOException {
        FinetuneConfig c = config;
        long sessionImages = 0;
        double sessionSeconds = 0;
        ClassifierEvaluator.Result lastEval = null;
        double lastEpochLoss = Double.NaN;
        double best = maxAccuracy;
        long parameters = count(model, true);
        model.train();
        for (int epoch = startEpoch; epoch < c.epochs(); epoch++) {
            TrainEpoch.Result e;
            try {
                e = epochs.run(epoch, epoch == startEpoch ? startBatch : 0, loss);
            } catch (NonFiniteLossException ex) {
                throw ex.inRun(run.root(), Files.exists(run.lastCheckpoint()) ? run.lastCheckpoint() : null);
            }
            long step = trainStep.optimizerSteps();
            sessionImages += e.images();
            sessionSeconds += e.seconds();
            if (e.stopped()) {
                save(model, trainStep.optimizer(), epoch, e.stoppedAt(), step, best, source);
                console.printf(Locale.ROOT, "%nstopped at epoch %d, batch %d (optimizer step %d); checkpoint written to %s%n"
                        + "resume with: bin/jmae %s --resume %s%n", epoch + 1, e.stoppedAt(), step, run.lastCheckpoint(),
                        c.recipe().command(), run.root());
                return new Summary(epoch, step, e.meanLoss(), sessionSeconds, sessionImages / sessionSeconds, lastEval, best, true);
            }
            lastEpochLoss = e.meanLoss();
            boolean last = epoch + 1 == c.epochs();
            lastEval = evaluator.evaluate(model);
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
            console.printf(Locale.ROOT, "epoch %d/%d: loss %.4f, %.1f s, %.0f img/s, test top-1 %.2f%% top-5 %.2f%% loss %.4f"
                            + " (best top-1 %.2f%%)%n", epoch + 1, c.epochs(), lastEpochLoss, e.seconds(),
                    r.get("images_per_s").asDouble(), lastEval.acc1(), lastEval.acc5(), lastEval.loss(), best);
            save(model, trainStep.optimizer(), epoch + 1, 0, step, best, source);
            if (improved) {
                Files.copy(run.lastCheckpoint(), run.bestCheckpoint(), StandardCopyOption.REPLACE_EXISTING);
            }
            List<ObjectNode> records = MetricsLog.read(run.metrics());
            String title = c.model() + (c.recipe() == Recipe.LINPROBE ? " linear probe" : " fine-tuning");
            LossPlot.write(records, run.lossPlot(), title + " loss");
            AccuracyPlot.write(records, run.accuracyPlot(), title + " test accuracy");
            listener.onEpoch(r);
            if (stopRequested && !last) {
                console.printf(Locale.ROOT, "stopped after epoch %d; resume with: bin/jmae %s --resume %s%n", epoch + 1,
                        c.recipe().command(), run.root());
                return new Summary(epoch + 1, step, lastEpochLoss, sessionSeconds, sessionImages / sessionSeconds, lastEval, best,
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
    private void save(VisionTransformerClassifier model, Optimizer optimizer, int epoch, int batch, long step, double best,
                      String source) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", format(config.recipe()));
        meta.put("recipe", config.recipe().script());
        meta.put("config", config.toJson().toString());
        meta.put("epoch", Integer.toString(epoch));
        meta.put("batch", Integer.toString(batch));
        meta.put("step", Long.toString(step));
        meta.put("max_accuracy", Double.toString(best));
        meta.put("source", source);
        Checkpoint.save(run.lastCheckpoint(), model, optimizer, meta);
    }
}
