package dev.jmae.crossmae.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Set;

/**
 * The pretraining keys of a config (official main_pretrain.py flag names where one exists, else
 * timm's or PyTorch's; docs/model.md §2, §13), validated on construction. Defaults are the published recipe
 * (AdamW (0.9, 0.95), eps 1e-8, wd 0.05, blr 1.5e-4, warmup 40 of 800 epochs) with the data
 * pipeline of docs/model.md §2. Every key with its default and range: docs/config.md.
 *
 * @param batchSize images per micro-batch, per rank in a data-parallel run (batch_size)
 * @param accumIter micro-batches per optimizer step (accum_iter)
 * @param epochs training length in epochs (epochs)
 * @param warmupEpochs linear warmup length (warmup_epochs)
 * @param blr base learning rate per 256 images (blr)
 * @param lr absolute learning rate; NaN when unset, then derived from blr (lr)
 * @param minLr end of the cosine schedule (min_lr)
 * @param weightDecay AdamW weight decay of the decayed group (weight_decay)
 * @param optBetas AdamW's (β1, β2) (opt_betas, timm's name; main_pretrain.py's literal (0.9, 0.95))
 * @param optEps AdamW's denominator eps (opt_eps, timm's name; torch.optim.AdamW's default 1e-8)
 * @param seed seed of initialization, data order, augmentation and masking (seed)
 * @param dataPath dataset location, or "" for the default Fashion-MNIST resolution (data_path)
 * @param dataset "auto", "idx", "image_folder" or "cifar10" (dataset)
 * @param cropScale RandomResizedCrop area range (crop_scale, [0.2, 1.0])
 * @param cropRatio RandomResizedCrop aspect range (crop_ratio, [3/4, 4/3])
 * @param hflipProb horizontal-flip probability (hflip_prob)
 * @param mean per-channel normalization mean, one value per input channel (mean)
 * @param std per-channel normalization std (std)
 * @param numWorkers background loader threads (num_workers)
 * @param prefetchFactor batches each loader thread prepares ahead (prefetch_factor, PyTorch
 *     DataLoader's name and default 2; a loader without threads ignores it)
 * @param logEvery optimizer steps between metrics lines (log_every)
 * @param evalEvery epochs between evaluations; 0 evaluates only at the end (eval_every)
 * @param evalBatchSize images per evaluation batch, per rank (eval_batch_size; default
 *     max(batch_size, 64)); the test PSNR is a mean over images, so only memory and speed depend on it
 * @param saveEvery epochs between checkpoints; the last epoch is always saved (save_every)
 * @param keepEvery epochs between numbered checkpoint copies; 0 keeps none (keep_every)
 */
public record TrainConfig(int batchSize, int accumIter, int epochs, double warmupEpochs, double blr, double lr,
                          double minLr, double weightDecay, List<Double> optBetas, double optEps, long seed,
                          String dataPath, String dataset, List<Double> cropScale, List<Double> cropRatio,
                          double hflipProb, List<Double> mean, List<Double> std, int numWorkers, int prefetchFactor,
                          int logEvery, int evalEvery, int evalBatchSize, int saveEvery, int keepEvery) {

    /** The JSON keys of the training part of a config. */
    public static final Set<String> KEYS = Set.of("batch_size", "accum_iter", "epochs", "warmup_epochs", "blr", "lr",
            "min_lr", "weight_decay", "opt_betas", "opt_eps", "seed", "data_path", "dataset", "crop_scale",
            "crop_ratio",
            "hflip_prob", "mean", "std", "num_workers", "prefetch_factor", "log_every", "eval_every", "eval_batch_size",
            "save_every", "keep_every");

    /** AdamW's betas in MAE/CrossMAE pretraining (main_pretrain.py: torch.optim.AdamW(..., betas=(0.9, 0.95))). */
    public static final List<Double> DEFAULT_OPT_BETAS = List.of(0.9, 0.95);
    /** AdamW's eps (torch.optim.AdamW's default, which main_pretrain.py keeps). */
    public static final double DEFAULT_OPT_EPS = 1e-8;

    /** ImageNet's channel statistics (docs/model.md §2). */
    public static final List<Double> IMAGENET_MEAN = List.of(0.485, 0.456, 0.406);
    /** ImageNet's channel standard deviations. */
    public static final List<Double> IMAGENET_STD = List.of(0.229, 0.224, 0.225);

    /**
     * Validates.
     *
     * @throws ConfigException naming the offending key
     */
    public TrainConfig {
        optBetas = List.copyOf(optBetas);
        cropScale = List.copyOf(cropScale);
        cropRatio = List.copyOf(cropRatio);
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        positive("batch_size", batchSize);
        positive("accum_iter", accumIter);
        positive("epochs", epochs);
        if (!(warmupEpochs >= 0 && warmupEpochs <= epochs)) {
            throw new ConfigException("warmup_epochs", "must be in [0, epochs=" + epochs + "], got " + warmupEpochs);
        }
        if (!(blr > 0)) {
            throw new ConfigException("blr", "must be positive, got " + blr);
        }
        if (!Double.isNaN(lr) && !(lr > 0)) {
            throw new ConfigException("lr", "must be positive when set, got " + lr);
        }
        if (!(minLr >= 0)) {
            throw new ConfigException("min_lr", "must be >= 0, got " + minLr);
        }
        if (!Double.isNaN(lr) && minLr > lr) {
            throw new ConfigException("min_lr",
                    "is " + minLr + ", above the peak lr " + lr + " (lr): the cosine \"decay\""
                            + " would raise the lr; hint: min_lr must be at most lr");
        }
        if (!(weightDecay >= 0)) {
            throw new ConfigException("weight_decay", "must be >= 0, got " + weightDecay);
        }
        if (optBetas.size() != 2
                || !(optBetas.get(0) >= 0 && optBetas.get(0) < 1 && optBetas.get(1) >= 0 && optBetas.get(1) < 1)) {
            throw new ConfigException("opt_betas", "expected [beta1, beta2] with both in [0, 1), got " + optBetas);
        }
        if (!(optEps >= 0)) {
            throw new ConfigException("opt_eps", "must be >= 0, got " + optEps);
        }
        if (!Set.of("auto", "idx", "image_folder", "cifar10").contains(dataset)) {
            throw new ConfigException("dataset",
                    "expected auto, idx, image_folder or cifar10, got \"" + dataset + "\"");
        }
        range("crop_scale", cropScale, 0, 1);
        range("crop_ratio", cropRatio, 0, Double.POSITIVE_INFINITY);
        if (!(hflipProb >= 0 && hflipProb <= 1)) {
            throw new ConfigException("hflip_prob", "must be in [0, 1], got " + hflipProb);
        }
        if (mean.isEmpty() || mean.size() != std.size()) {
            throw new ConfigException("std",
                    "needs one value per channel like mean (" + mean.size() + "), got " + std.size());
        }
        for (double s : std) {
            if (!(s > 0)) {
                throw new ConfigException("std", "values must be positive, got " + std);
            }
        }
        if (numWorkers < 0) {
            throw new ConfigException("num_workers", "must be >= 0, got " + numWorkers);
        }
        positive("prefetch_factor", prefetchFactor);
        positive("log_every", logEvery);
        if (evalEvery < 0) {
            throw new ConfigException("eval_every", "must be >= 0, got " + evalEvery);
        }
        positive("eval_batch_size", evalBatchSize);
        positive("save_every", saveEvery);
        if (keepEvery < 0) {
            throw new ConfigException("keep_every", "must be >= 0, got " + keepEvery);
        }
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw new ConfigException(key, "must be positive, got " + v);
        }
    }

    private static void range(String key, List<Double> v, double lo, double hi) {
        if (v.size() != 2 || !(v.get(0) > lo && v.get(0) <= v.get(1) && v.get(1) <= hi)) {
            throw new ConfigException(key, "expected [min, max] with " + lo + " < min <= max <= " + hi + ", got " + v);
        }
    }

    /**
     * The effective batch of one process: images per optimizer step.
     *
     * @return batch_size · accum_iter
     */
    public int effectiveBatch() {
        return effectiveBatch(1);
    }

    /**
     * The effective batch of a data-parallel run: images per optimizer step over all ranks
     * (main_pretrain.py's {@code eff_batch_size = batch_size * accum_iter * world_size}; batch_size
     * is per rank).
     *
     * @param worldSize the number of ranks, at least 1
     * @return batch_size · accum_iter · worldSize
     * @throws IllegalArgumentException if worldSize is below 1
     */
    public int effectiveBatch(int worldSize) {
        if (worldSize < 1) {
            throw new IllegalArgumentException(
                    "TrainConfig.effectiveBatch: world size must be at least 1, got " + worldSize);
        }
        return batchSize * accumIter * worldSize;
    }

    /**
     * Batches a loader with these settings keeps in flight: prefetch_factor × num_workers, as
     * PyTorch's DataLoader (at least prefetch_factor, for a loader without threads, where it is
     * ignored).
     *
     * @return the DataLoader's prefetchBatches
     */
    public int prefetchBatches() {
        return prefetchFactor * Math.max(1, numWorkers);
    }

    /**
     * The peak learning rate per optimizer step of one process: {@link #peakLr(ModelConfig, int)}
     * with world size 1.
     *
     * @param model the model keys (for γ/p; 1 for MAE)
     * @return the lr
     */
    public double peakLr(ModelConfig model) {
        return peakLr(model, 1);
    }

    /**
     * The peak learning rate per optimizer step, derived in this one place (docs/model.md §13):
     * lr = (kept_mask_ratio / mask_ratio) · blr · effective batch / 256, unless lr is set; the
     * effective batch counts every rank's images ({@link #effectiveBatch(int)}).
     *
     * @param model the model keys (for γ/p; 1 for MAE)
     * @param worldSize the number of data-parallel ranks, at least 1
     * @return the lr
     */
    public double peakLr(ModelConfig model, int worldSize) {
        int eff = effectiveBatch(worldSize);
        if (!Double.isNaN(lr)) {
            return lr;
        }
        return model.keptMaskRatio() / model.maskRatio() * blr * eff / 256.0;
    }

    /**
     * Checks that min_lr, where the half-cycle cosine ends, is not above the peak lr it decays
     * from (above it, the "decay" would raise the lr).
     *
     * @param model the model keys (for γ/p)
     * @param worldSize the number of data-parallel ranks
     * @throws ConfigException naming min_lr and the peak lr with its derivation
     */
    public void checkMinLr(ModelConfig model, int worldSize) {
        double peak = peakLr(model, worldSize);
        if (minLr > peak) {
            String how = !Double.isNaN(lr) ? "lr" : String.format(java.util.Locale.ROOT, "(kept_mask_ratio/mask_ratio)"
                    + " * blr * eff_batch / 256 = (%.4g/%.4g) * %.4g * %d / 256", model.keptMaskRatio(),
                    model.maskRatio(), blr,
                    effectiveBatch(worldSize));
            throw new ConfigException("min_lr",
                    "is " + minLr + ", above the peak lr " + String.format(java.util.Locale.ROOT,
                            "%.4g", peak) + " = " + how
                            + ": the cosine \"decay\" would raise the lr; hint: lower min_lr, or raise"
                            + " blr");
        }
    }

    /**
     * Reads the training keys with their defaults.
     *
     * @param f the config fields
     * @param inChans input channels, for the default normalization statistics
     * @return the config
     */
    public static TrainConfig read(JsonFields f, int inChans) {
        List<Double> defMean = inChans == 3 ? IMAGENET_MEAN : List.of(0.5);
        List<Double> defStd = inChans == 3 ? IMAGENET_STD : List.of(0.5);
        int batchSize = f.integer("batch_size", 64);
        return new TrainConfig(batchSize, f.integer("accum_iter", 1), f.integer("epochs", 800),
                f.number("warmup_epochs", 40), f.number("blr", 1.5e-4), f.optionalNumber("lr"), f.number("min_lr", 0),
                f.number("weight_decay", 0.05), f.numbers("opt_betas", DEFAULT_OPT_BETAS),
                f.number("opt_eps", DEFAULT_OPT_EPS),
                f.integer("seed", 0), f.string("data_path", ""), f.string("dataset", "auto"),
                f.numbers("crop_scale", List.of(0.2, 1.0)), f.numbers("crop_ratio", List.of(3.0 / 4, 4.0 / 3)),
                f.number("hflip_prob", 0.5), f.numbers("mean", defMean), f.numbers("std", defStd),
                f.integer("num_workers", 2), f.integer("prefetch_factor", 2), f.integer("log_every", 20),
                f.integer("eval_every", 1), f.integer("eval_batch_size", Math.max(batchSize, 64)),
                f.integer("save_every", 20), f.integer("keep_every", 200));
    }

    /** @return every key spelled out as JSON */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("batch_size", batchSize);
        o.put("accum_iter", accumIter);
        o.put("epochs", epochs);
        o.put("warmup_epochs", warmupEpochs);
        o.put("blr", blr);
        if (!Double.isNaN(lr)) {
            o.put("lr", lr);
        }
        o.put("min_lr", minLr);
        o.put("weight_decay", weightDecay);
        list(o.putArray("opt_betas"), optBetas);
        o.put("opt_eps", optEps);
        o.put("seed", seed);
        o.put("data_path", dataPath);
        o.put("dataset", dataset);
        list(o.putArray("crop_scale"), cropScale);
        list(o.putArray("crop_ratio"), cropRatio);
        o.put("hflip_prob", hflipProb);
        list(o.putArray("mean"), mean);
        list(o.putArray("std"), std);
        o.put("num_workers", numWorkers);
        o.put("prefetch_factor", prefetchFactor);
        o.put("log_every", logEvery);
        o.put("eval_every", evalEvery);
        o.put("eval_batch_size", evalBatchSize);
        o.put("save_every", saveEvery);
        o.put("keep_every", keepEvery);
        return o;
    }

    private static void list(ArrayNode a, List<Double> v) {
        v.forEach(a::add);
    }
}
