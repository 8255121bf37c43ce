package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.data.Datasets;
import dev.jmae.crossmae.data.DistributedSampler;
import dev.jmae.crossmae.data.ImageDataset;
import dev.jmae.crossmae.data.Split;
import dev.jmae.crossmae.data.Transforms;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.ParamGroups;
import dev.jmae.nn.optim.WarmupCosineSchedule;
import dev.jmae.nn.parallel.DistributedDataParallel;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.TensorScope;
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.SafetensorsFile;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * checkpoints, reconstruction grids and loss.png; it is locked while the run writes it
 * ({@link RunLock}). Nothing non-finite is saved: a NaN loss stops the step, a NaN parameter or
 * optimizer moment stops the save, a NaN test PSNR stops the run, and the last good checkpoint
 * stays ({@link NonFiniteLossException}). A resumed run checks its checkpoint's position
 * ({@link ResumePoint}), may change the keys of {@link Configs#RESUMABLE_KEYS}, and drops the
 * metrics records past the checkpoint before logging them again.
 *
 * <p>Data parallel ({@link Ranks} over an MPI process group; docs/distributed.md): batch_size is
 * per rank, so the effective batch that enters the lr rule is batch_size · accum_iter · R
 * (main_pretrain.py). The model, built and (when resuming) loaded on every rank, is wrapped in
 * {@link DistributedDataParallel}; each rank's loader visits its {@link DistributedSampler}
 * share of the single-process order; gradients are all-reduced once per optimizer step; the
 * logged losses and the evaluation are reduced over the ranks. Rank 0 alone prints and writes
 * (config, metrics, checkpoints, pictures, plot), and issues no collective on its own. A run
 * resumes on any number of ranks R' that divides its global batch (batch_size · R): the per-rank
 * batch becomes global / R', so the global batches, masks, lr and position are unchanged.
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
    private final Ranks ranks;
    private final String resumeNote;
    private final RunLock lock;
    /** The config changed on resume, written to config.json once the checkpoint is checked; null when unchanged. */
    private final String changedConfig;
    private Listener listener = new Listener() {};
    private volatile boolean stopRequested;

    private Pretrainer(Configs.Config config, RunDirectory run, Device device, Path home, PrintStream console,
                       boolean progress, boolean resuming, Ranks ranks, String resumeNote, RunLock lock,
                       String changedConfig) {
        this.lock = lock;
        this.changedConfig = changedConfig;
        this.config = config;
        this.run = run;
        this.device = device;
        this.home = home;
        this.console = ranks.isMain() ? console : new PrintStream(java.io.OutputStream.nullOutputStream());
        this.progress = progress && ranks.isMain();
        this.resuming = resuming;
        this.ranks = ranks;
        this.resumeNote = resumeNote;
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
                                    boolean progress)
            throws IOException {
        return create(config, runDir, device, home, console, progress, Ranks.single());
    }

    /**
     * Prepares a new run on one rank of a data-parallel job: every rank checks the directory,
     * rank 0 alone creates it and writes the resolved config.
     *
     * @param config the resolved config (the same on every rank; batch_size per rank)
     * @param runDir the run directory (the same on every rank)
     * @param device where this rank trains
     * @param home the jmae checkout
     * @param console where rank 0 prints (other ranks print nothing)
     * @param progress whether rank 0 shows a progress bar
     * @param ranks the ranks of the run
     * @return the trainer
     * @throws IOException if the directory cannot be written
     * @throws ConfigException if the directory already holds a run
     */
    public static Pretrainer create(Configs.Config config, Path runDir, Device device, Path home, PrintStream console,
                                    boolean progress, Ranks ranks)
            throws IOException {
        config.train().checkMinLr(config.model(), ranks.worldSize());
        RunDirectory rd = new RunDirectory(runDir);
        if (ranks.isMain()) {
            rd.create();
        }
        List<String> notes = new ArrayList<>();
        return RunSetup.prepare(rd, device, ranks.isMain(), true, config.toPrettyJson(), notes,
                lock -> new Pretrainer(config, rd, device, home, console, progress, false, ranks,
                        String.join("\n", notes),
                        lock, null));
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
    public static Pretrainer resume(Path runDir, Device device, Path home, PrintStream console, boolean progress)
            throws IOException {
        return resume(runDir, device, home, console, progress, Ranks.single());
    }

    /**
     * Prepares to continue a run on one rank of a data-parallel job; every rank reads the run's
     * config.json and checkpoint (the directory must be visible to every rank, as in PyTorch).
     * The run's global batch (batch_size · ranks, from the checkpoint) is kept: on R' ranks the
     * per-rank batch_size becomes global / R'.
     *
     * @param runDir the run directory
     * @param device where this rank trains
     * @param home the jmae checkout
     * @param console where rank 0 prints
     * @param progress whether rank 0 shows a progress bar
     * @param ranks the ranks of the run
     * @return the trainer
     * @throws ConfigException if the directory holds no resumable run, or R' does not divide
     *     the run's global batch
     * @throws IOException if the checkpoint cannot be read
     */
    public static Pretrainer resume(Path runDir, Device device, Path home, PrintStream console, boolean progress,
                                    Ranks ranks)
            throws IOException {
        return resume(runDir, Map.of(), device, home, console, progress, ranks);
    }

    /**
     * Prepares to continue a run with some keys changed ({@code --resume DIR --set blr=...}):
     * only the keys of {@link Configs#RESUMABLE_KEYS} (the lr schedule, the length, logging,
     * evaluation, saving, loader threads) may change, and rank 0 writes the changed config to the
     * run's config.json once {@link #run} has checked the checkpoint's position (a refused resume
     * leaves config.json as it was). Rank 0 takes the run directory's lock ({@link RunLock}) and removes the
     * temporary files of interrupted writes.
     *
     * @param runDir the run directory
     * @param overrides keys to change (key to JSON value text); empty to continue as it was
     * @param device where this rank trains
     * @param home the jmae checkout
     * @param console where rank 0 prints
     * @param progress whether rank 0 shows a progress bar
     * @param ranks the ranks of the run
     * @return the trainer
     * @throws ConfigException if the directory holds no resumable run, a key may not change,
     *     another run holds the directory, or R' does not divide the run's global batch
     * @throws IOException if the checkpoint cannot be read
     */
    public static Pretrainer resume(Path runDir, Map<String, String> overrides, Device device, Path home,
                                    PrintStream console,
                                    boolean progress, Ranks ranks)
            throws IOException {
        RunDirectory rd = new RunDirectory(runDir);
        if (!Files.exists(rd.config()) || !Files.exists(rd.lastCheckpoint())) {
            throw new ConfigException("resume",
                    runDir + " has no config.json and checkpoint-last.safetensors to resume from"
                            + (ranks.distributed()
                                    ? " (as seen from rank " + ranks.rank() + "; hint: the run directory must be on a"
                                            + " file system every rank sees, at the same path)"
                                    : ""));
        }
        Configs.Config saved = Configs.resolve(Configs.source(rd.config().toString()), true);
        Configs.Config c = overrides.isEmpty() ? saved
                : Configs.resolve(Configs.overrideOnResume(saved.json(), overrides), true);
        List<String> notes = new ArrayList<>();
        if (!overrides.isEmpty()) {
            notes.add("changed on resume (config.json updated): " + Configs.changes(saved, c));
        }
        Map<String, String> meta;
        try (SafetensorsFile f = Safetensors.open(rd.lastCheckpoint())) {
            meta = f.metadata();
        }
        int savedWorld = ResumePoint.positive(rd.lastCheckpoint(), meta, RunCheckpoints.WORLD_SIZE, 1);
        int global = ResumePoint.positive(rd.lastCheckpoint(), meta, RunCheckpoints.GLOBAL_BATCH_SIZE,
                c.train().batchSize());
        int world = ranks.worldSize();
        if (global % world != 0) {
            throw new ConfigException("resume", "the run in " + runDir + " trains on global batches of " + global
                    + " images (batch_size " + global / savedWorld + " on " + savedWorld + " rank(s)), which " + world
                    + " ranks cannot share equally; hint: resume on a number of ranks that divides " + global
                    + ", e.g. mpirun -np " + savedWorld + " bin/jmae pretrain --distributed --resume " + runDir);
        }
        Configs.Config toSave = c;
        if (global / world != c.train().batchSize()) {
            c = Configs.resolve(
                    Configs.override(c.json().deepCopy(), Map.of("batch_size", Integer.toString(global / world))),
                    true);
            notes.add(
                    String.format(Locale.ROOT,
                            "resuming a run of %d rank(s) on %d: batch_size %d per rank keeps its global"
                                    + " batch of %d (same batches, masks and lr)",
                            savedWorld, world, global / world, global));
        }
        c.train().checkMinLr(c.model(), world);
        Configs.Config resolved = c;
        String changed = overrides.isEmpty() ? null : toSave.toPrettyJson();
        return RunSetup.prepare(rd, device, ranks.isMain(), false, null, notes,
                lock -> new Pretrainer(resolved, rd, device, home, console, progress, true, ranks,
                        String.join("\n", notes),
                        lock, changed));
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
        try {
            return runLocked();
        } finally {
            if (lock != null) {
                lock.close();
            }
        }
    }

    private Summary runLocked() throws IOException {
        ModelConfig mc = config.model();
        TrainConfig tc = config.train();
        MaskedAutoencoder model = MaskedAutoencoder.create(mc, new Generator(tc.seed()), device);
        double peakLr = tc.peakLr(mc, ranks.worldSize());
        AdamW opt = new AdamW(ParamGroups.weightDecaySplit(model, peakLr, tc.weightDecay()), tc.optBetas().get(0),
                tc.optBetas().get(1), tc.optEps());
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(peakLr, tc.minLr(), tc.warmupEpochs(), tc.epochs());
        ResumePoint from = resuming
                ? ResumePoint.load(run.lastCheckpoint(), RunCheckpoints.FORMAT, "pretrain", model, opt) : null;
        try (DistributedDataParallel<MaskedAutoencoder> ddp = ranks.distributed()
                ? new DistributedDataParallel<>(model, ranks.group()) : null) {
            return run(model, opt, schedule, ddp, from, peakLr);
        }
    }

    private Summary run(MaskedAutoencoder model, AdamW opt, WarmupCosineSchedule schedule,
                        DistributedDataParallel<MaskedAutoencoder> ddp, ResumePoint from, double peakLr)
            throws IOException {
        ModelConfig mc = config.model();
        TrainConfig tc = config.train();
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
        try (DataLoader loader = new DataLoader(trainSet,
                Transforms.pretrain(mc.imgSize(), scale, ratio, tc.hflipProb()),
                mean, std, tc.batchSize(), true, true, tc.seed(), tc.numWorkers(), tc.prefetchBatches(), device);
             DataLoader testLoader = new DataLoader(testSet, Transforms.eval(mc.imgSize()), mean, std,
                     tc.evalBatchSize(),
                     false, false, tc.seed(), tc.numWorkers(), tc.prefetchBatches(), device)) {
            int testReal = Integer.MAX_VALUE;
            if (ranks.distributed()) {
                loader.sampler(
                        new DistributedSampler(trainSet.size(), ranks.worldSize(), ranks.rank(), loader::order, false));
                DistributedSampler testShare = new DistributedSampler(testSet.size(), ranks.worldSize(), ranks.rank(),
                        DistributedSampler.sequentialOrder(testSet.size()), false);
                testLoader.sampler(testShare);
                testReal = testShare.numRealSamples();
            }
            int batches = loader.batchesPerEpoch();
            if (batches < tc.accumIter()) {
                throw new ConfigException("batch_size", "one epoch of " + trainSet.size() + " images gives " + batches
                        + " batches of " + tc.batchSize()
                        + (ranks.distributed() ? " per rank on " + ranks.worldSize() + " ranks"
                                : "")
                        + ", fewer than accum_iter (" + tc.accumIter() + ")");
            }
            int startEpoch = from == null ? 0 : from.epoch();
            int startBatch = from == null ? 0 : from.batch();
            if (from != null) {
                from.check(tc.epochs(), batches, tc.accumIter());
                from.checkConfig(mc.toJson().setAll(tc.toJson()), run.config());
                if (changedConfig != null && ranks.isMain()) {
                    RunSetup.writeConfig(run, changedConfig);
                }
            }
            PretrainReport.printStart(console, config, run, device, ranks, peakLr, trainSet, testSet, batches,
                    resuming ? resumeNote
                            + (resumeNote.isEmpty() ? "" : "\n") + "resuming at epoch " + (startEpoch + 1) + " batch "
                            + startBatch : resumeNote);
            TrainStep trainStep = new TrainStep(opt, schedule, tc.accumIter(), 0)
                    .resumeAt(from == null ? 0 : from.step());
            if (ddp != null) {
                trainStep.distributed(ddp);
            }
            try (MetricsLog log = ranks.isMain() ? openLog(from) : null) {
                PretrainEpoch epochs = new PretrainEpoch(model, trainStep, loader, tc.seed(), tc.epochs(),
                        new StepLog(log, tc.logEvery(), device, listener, ranks), progress, () -> stopRequested, ranks);
                return loop(model, trainStep, epochs, new Evaluator(testLoader, tc, ranks, testReal), log, startEpoch,
                        startBatch);
            } catch (NonFiniteLossException ex) {
                throw ex.inRun(run.root(), Files.exists(run.lastCheckpoint()) ? run.lastCheckpoint() : null);
            }
        }
    }

    /**
     * Opens the metrics log; a resumed run first drops the records past its checkpoint, which it
     * logs again.
     */
    private MetricsLog openLog(ResumePoint from) throws IOException {
        if (from != null) {
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

    private String resumeCommand() {
        return (ranks.distributed() ? "mpirun -np " + ranks.worldSize() + " bin/jmae pretrain --distributed"
                : "bin/jmae pretrain")
                + " --resume " + run.root();
    }

    /**
     * The epoch loop of main_pretrain.py: train an epoch, then its record, evaluation, checkpoint
     * and loss plot; a stop request ends the run at the next optimizer step with a checkpoint.
     */
    private Summary loop(MaskedAutoencoder model, TrainStep trainStep, PretrainEpoch epochs, Evaluator evaluator,
                         MetricsLog log, int startEpoch, int startBatch)
            throws IOException {
        ModelConfig mc = config.model();
        TrainConfig tc = config.train();
        RunCheckpoints checkpoints = new RunCheckpoints(run, config, ranks.worldSize());
        int world = ranks.worldSize();
        long sessionImages = 0;
        double sessionSeconds = 0;
        Evaluator.Result lastEval = null;
        double lastEpochLoss = Double.NaN;
        model.train();
        for (int epoch = startEpoch; epoch < tc.epochs(); epoch++) {
            PretrainEpoch.Result e = epochs.run(epoch, epoch == startEpoch ? startBatch : 0);
            long step = trainStep.optimizerSteps();
            sessionImages += e.images() * world;
            sessionSeconds += e.seconds();
            double epochLoss = ranks.mean(e.meanLoss());
            if (e.stopped()) {
                save(checkpoints, model, trainStep, epoch, e.stoppedAt(), false);
                console.printf(Locale.ROOT,
                        "%nstopped at epoch %d, batch %d (optimizer step %d); checkpoint written to %s%n"
                                + "resume with: %s%n",
                        epoch + 1, e.stoppedAt(), step, run.lastCheckpoint(), resumeCommand());
                return new Summary(epoch, step, epochLoss, sessionSeconds, sessionImages / sessionSeconds, lastEval,
                        true);
            }
            lastEpochLoss = epochLoss;
            boolean last = epoch + 1 == tc.epochs();
            ObjectNode r = MetricsLog.record();
            r.put("type", "epoch");
            r.put("epoch", epoch);
            r.put("step", step);
            r.put("loss", lastEpochLoss);
            r.put("lr", trainStep.lr());
            r.put("seconds", e.seconds());
            r.put("images_per_s", e.batches() * (double) tc.batchSize() * world / e.seconds());
            if ((tc.evalEvery() > 0 && (epoch + 1) % tc.evalEvery() == 0) || last) {
                lastEval = evaluator.evaluate(model, run.reconstruction(epoch + 1));
                if (!Double.isFinite(lastEval.psnr())) {
                    throw NonFiniteLossException.nonFiniteState(
                            "the test evaluation gave a masked-patch PSNR of " + lastEval.psnr()
                                    + " dB (the model's predictions are not finite)",
                            epoch, -1, step, trainStep.lr(),
                            trainStep.lastFiniteLoss());
                }
                r.put("test_psnr", lastEval.psnr());
                r.put("test_baseline", lastEval.baseline());
                r.put("test_baseline_psnr", lastEval.baselinePsnr());
                if (!Double.isNaN(lastEval.normMse())) {
                    r.put("test_norm_mse", lastEval.normMse());
                    r.put("test_baseline_norm_mse", lastEval.baselineNormMse());
                }
                r.put("test_images", lastEval.images());
            }
            if (ranks.isMain()) {
                log.write(r);
            }
            console.printf(Locale.ROOT, "epoch %d/%d: loss %.4f, %.1f s, %.0f img/s%s%n", epoch + 1, tc.epochs(),
                    lastEpochLoss,
                    e.seconds(), r.get("images_per_s").asDouble(), r.has("test_psnr") ? ", " + evalLine(lastEval) : "");
            if ((epoch + 1) % tc.saveEvery() == 0 || last) {
                save(checkpoints, model, trainStep, epoch + 1, 0,
                        tc.keepEvery() > 0 && (epoch + 1) % tc.keepEvery() == 0);
            }
            if (ranks.isMain()) {
                LossPlot.write(MetricsLog.read(run.metrics(), console), run.lossPlot(),
                        mc.model() + " pretraining loss");
            }
            listener.onEpoch(r);
            if (!last && ranks.any(stopRequested)) {
                console.printf(Locale.ROOT, "stopped after epoch %d; resume with: %s%n", epoch + 1, resumeCommand());
                if ((epoch + 1) % tc.saveEvery() != 0) {
                    save(checkpoints, model, trainStep, epoch + 1, 0, false);
                }
                return new Summary(epoch + 1, step, lastEpochLoss, sessionSeconds, sessionImages / sessionSeconds,
                        lastEval, true);
            }
        }
        return new Summary(tc.epochs(), trainStep.optimizerSteps(), lastEpochLoss, sessionSeconds,
                sessionSeconds > 0 ? sessionImages / sessionSeconds : 0, lastEval, false);
    }

    /**
     * Saves a checkpoint on rank 0; every rank first checks that the state is finite (the
     * replicas hold the same state, so they fail together and none waits on the others).
     */
    private void save(RunCheckpoints checkpoints, MaskedAutoencoder model, TrainStep trainStep, int epoch, int batch,
                      boolean numbered)
            throws IOException {
        if (ranks.isMain()) {
            checkpoints.save(model, trainStep, epoch, batch, numbered);
        } else {
            FiniteState.require(model, trainStep.optimizer(), trainStep, batch == 0 ? epoch - 1 : epoch,
                    batch == 0 ? -1 : batch);
        }
    }

    /**
     * The evaluation in words, with its matching baseline named: e.g. "test masked-patch PSNR 15.88
     * dB vs 13.26 dB for the oracle-statistics baseline (...): +2.62 dB; normalized MSE 0.55 vs 0.80".
     *
     * @param e the evaluation
     * @return the text
     */
    public static String evalLine(Evaluator.Result e) {
        String line = String.format(Locale.ROOT, "test masked-patch PSNR %.2f dB vs %.2f dB for the %s: %+.2f dB",
                e.psnr(),
                e.baselinePsnr(), e.baselineDescription(), e.psnr() - e.baselinePsnr());
        if (!Double.isNaN(e.normMse())) {
            line += String.format(Locale.ROOT, "; normalized MSE on masked patches %.4f vs %.4f", e.normMse(),
                    e.baselineNormMse());
        }
        return line;
    }
}
