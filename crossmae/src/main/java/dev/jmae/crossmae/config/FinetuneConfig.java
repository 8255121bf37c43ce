package dev.jmae.crossmae.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The keys of {@code jmae finetune} and {@code jmae linprobe}: the argparse flags of the official
 * {@code main_finetune.py} and {@code main_linprobe.py} (MAE and CrossMAE share them, docs/model.md
 * §15.3-§15.4) with their argparse defaults, plus the jmae keys that the official scripts fix in code
 * (the encoder's dimensions, in_chans, the dataset format and normalization, loader and logging
 * settings). Validated on construction; every key with its default: docs/config.md.
 *
 * <p>A linear probe reads only the keys main_linprobe.py has (plus the jmae ones); the fine-tuning
 * keys it lacks (drop_path, layer_decay, mixup, ...) are unknown keys there, and their fields hold
 * the value that switches them off.
 *
 * @param recipe which script's keys and defaults
 * @param model "vit_small_patch16", "vit_base_patch16", "vit_large_patch16", "vit_huge_patch14"
 *     (models_vit.py, fixing patch_size, embed_dim, depth, num_heads, mlp_ratio), or "vit" (the
 *     dimensions the keys give) (model)
 * @param inputSize image side in pixels (input_size; main_linprobe.py hard-codes 224)
 * @param patchSize patch side p (patch_size)
 * @param inChans channels C (in_chans, timm's name)
 * @param embedDim width D (embed_dim)
 * @param depth blocks (depth)
 * @param numHeads heads (num_heads)
 * @param mlpRatio MLP hidden width / D (mlp_ratio)
 * @param normEps LayerNorm eps (norm_eps)
 * @param nbClasses classes of the head; must equal the dataset's (nb_classes)
 * @param globalPool average the patch tokens and apply fc_norm (true), or take the cls token after
 *     the encoder's norm (false) (global_pool; the official --cls_token sets it false)
 * @param dropPath stochastic-depth rate of the last block, linear from 0 over the blocks (drop_path)
 * @param batchSize images per micro-batch (batch_size)
 * @param accumIter micro-batches per optimizer step (accum_iter)
 * @param epochs training length (epochs)
 * @param warmupEpochs linear warmup length (warmup_epochs)
 * @param blr base lr per 256 images (blr)
 * @param lr absolute peak lr; NaN when unset (lr)
 * @param minLr end of the cosine (min_lr)
 * @param weightDecay decay of the decayed groups (weight_decay)
 * @param layerDecay layer-wise lr decay per block (layer_decay; 1 = none)
 * @param clipGrad largest total gradient norm; NaN for no clipping (clip_grad)
 * @param optBetas AdamW's betas (opt_betas, timm's name; torch.optim.AdamW's default (0.9, 0.999))
 * @param optEps AdamW's eps (opt_eps)
 * @param cropScale the RandomResizedCrop area range of training (crop_scale, jmae's key: the official
 *     scripts fix timm's and util/crop.py's (0.08, 1); images as small as Fashion-MNIST's may want less)
 * @param aa RandAugment policy, "" for none (aa)
 * @param colorJitter colour-jitter factor; NaN for none, ignored while aa is set as in timm (color_jitter)
 * @param smoothing label smoothing ε (smoothing)
 * @param reprob random-erasing probability (reprob)
 * @param remode random-erasing mode (remode)
 * @param recount random-erasing count (recount)
 * @param mixup Mixup alpha, active if &gt; 0 (mixup)
 * @param cutmix CutMix alpha, active if &gt; 0 (cutmix)
 * @param mixupProb probability of mixing a batch (mixup_prob)
 * @param mixupSwitchProb probability of CutMix when both are active (mixup_switch_prob)
 * @param mixupMode "batch" (mixup_mode)
 * @param finetune the pretraining checkpoint to start from, "" for a random encoder (finetune)
 * @param seed seed of initialization, data order, augmentation, mixup and drop path (seed)
 * @param dataPath dataset location, "" for the default Fashion-MNIST resolution (data_path)
 * @param dataset "auto", "idx", "image_folder" or "cifar10" (dataset)
 * @param mean per-channel normalization mean (mean)
 * @param std per-channel normalization std (std)
 * @param numWorkers loader threads (num_workers)
 * @param prefetchFactor batches each loader thread prepares ahead (prefetch_factor)
 * @param logEvery optimizer steps between metrics lines (log_every)
 * @param evalBatchSize images per evaluation batch (eval_batch_size; the official uses batch_size)
 */
public record FinetuneConfig(Recipe recipe, String model, int inputSize, int patchSize, int inChans, int embedDim,
                             int depth,
                             int numHeads, double mlpRatio, double normEps, int nbClasses, boolean globalPool,
                             double dropPath, int batchSize, int accumIter, int epochs, double warmupEpochs, double blr,
                             double lr, double minLr, double weightDecay, double layerDecay, double clipGrad,
                             List<Double> optBetas, double optEps, List<Double> cropScale, String aa,
                             double colorJitter, double smoothing,
                             double reprob, String remode, int recount, double mixup, double cutmix, double mixupProb,
                             double mixupSwitchProb, String mixupMode, String finetune, long seed, String dataPath,
                             String dataset, List<Double> mean, List<Double> std, int numWorkers, int prefetchFactor,
                             int logEvery, int evalBatchSize) {

    /** Which official script a config follows. */
    public enum Recipe {
        /** main_finetune.py / engine_finetune.py. */
        FINETUNE("finetune", "main_finetune.py"),
        /** main_linprobe.py: frozen encoder, BatchNorm + linear head, LARS. */
        LINPROBE("linprobe", "main_linprobe.py");

        private final String command;
        private final String script;

        Recipe(String command, String script) {
            this.command = command;
            this.script = script;
        }

        /** @return the jmae command, "finetune" or "linprobe" */
        public String command() {
            return command;
        }

        /** @return the official script whose flags and defaults the keys follow */
        public String script() {
            return script;
        }
    }

    /**
     * A named ViT of models_vit.py: what the name fixes.
     *
     * @param patchSize p
     * @param embedDim D
     * @param depth blocks
     * @param numHeads heads
     */
    public record Vit(int patchSize, int embedDim, int depth, int numHeads) {
    }

    /** The official model names (CrossMAE's models_vit.py; MAE's lacks vit_small_patch16), mlp_ratio 4, eps 1e-6. */
    public static final Map<String, Vit> NAMED_MODELS = Map.of(
            "vit_small_patch16", new Vit(16, 384, 12, 6),
            "vit_base_patch16", new Vit(16, 768, 12, 12),
            "vit_large_patch16", new Vit(16, 1024, 24, 16),
            "vit_huge_patch14", new Vit(14, 1280, 32, 16));

    /** The model name meaning "the dimensions the keys give". */
    public static final String CUSTOM_MODEL = "vit";

    /** Keys both recipes read. */
    static final List<String> COMMON_KEYS = List.of("model", "input_size", "patch_size", "in_chans", "embed_dim",
            "depth",
            "num_heads", "mlp_ratio", "norm_eps", "nb_classes", "global_pool", "batch_size", "accum_iter", "epochs",
            "warmup_epochs", "blr", "lr", "min_lr", "weight_decay", "crop_scale", "finetune", "seed", "data_path",
            "dataset", "mean", "std",
            "num_workers", "prefetch_factor", "log_every", "eval_batch_size");

    /** Keys only fine-tuning reads (main_finetune.py's flags that main_linprobe.py lacks, and AdamW's). */
    static final List<String> FINETUNE_KEYS = List.of("drop_path", "layer_decay", "clip_grad", "opt_betas", "opt_eps",
            "aa",
            "color_jitter", "smoothing", "reprob", "remode", "recount", "mixup", "cutmix", "cutmix_minmax",
            "mixup_prob",
            "mixup_switch_prob", "mixup_mode");

    /**
     * Validates.
     *
     * @throws ConfigException naming the first offending key
     */
    public FinetuneConfig {
        optBetas = List.copyOf(optBetas);
        cropScale = List.copyOf(cropScale);
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        Vit named = NAMED_MODELS.get(model);
        if (named == null && !model.equals(CUSTOM_MODEL)) {
            throw new ConfigException("model",
                    "expected one of " + String.join(", ", NAMED_MODELS.keySet().stream().sorted()
                            .toList())
                            + " or \"vit\" (the dimensions patch_size, embed_dim, depth, num_heads give), got \""
                            + model + "\"");
        }
        if (named != null) {
            agree("patch_size", patchSize, named.patchSize(), model);
            agree("embed_dim", embedDim, named.embedDim(), model);
            agree("depth", depth, named.depth(), model);
            agree("num_heads", numHeads, named.numHeads(), model);
        }
        positive("input_size", inputSize);
        positive("patch_size", patchSize);
        if (inputSize % patchSize != 0) {
            throw new ConfigException("input_size",
                    "must be divisible by patch_size (" + patchSize + "), got " + inputSize);
        }
        if (inChans != 1 && inChans != 3) {
            throw new ConfigException("in_chans", "expected 1 (grayscale) or 3 (RGB), got " + inChans);
        }
        positive("embed_dim", embedDim);
        positive("depth", depth);
        positive("num_heads", numHeads);
        if (embedDim % numHeads != 0) {
            throw new ConfigException("num_heads", "must divide embed_dim (" + embedDim + "), got " + numHeads);
        }
        if (!(mlpRatio > 0)) {
            throw new ConfigException("mlp_ratio", "must be positive, got " + mlpRatio);
        }
        if (!(normEps > 0 && normEps < 1)) {
            throw new ConfigException("norm_eps", "must be in (0, 1), got " + normEps);
        }
        positive("nb_classes", nbClasses);
        if (!(dropPath >= 0 && dropPath < 1)) {
            throw new ConfigException("drop_path", "must be in [0, 1), got " + dropPath);
        }
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
        nonNegative("min_lr", minLr);
        double peak = Double.isNaN(lr) ? blr * batchSize * accumIter / 256.0 : lr;
        if (minLr > peak) {
            throw new ConfigException("min_lr", "is " + minLr + ", above the peak lr " + peak + (Double.isNaN(lr)
                    ? " = blr * batch_size * accum_iter / 256 = " + blr + " * " + batchSize + " * " + accumIter
                            + " / 256"
                    : " (lr)") + ": the cosine \"decay\" would raise the lr; hint: lower min_lr, or raise blr");
        }
        nonNegative("weight_decay", weightDecay);
        if (!(layerDecay > 0 && layerDecay <= 1)) {
            throw new ConfigException("layer_decay", "must be in (0, 1], got " + layerDecay);
        }
        if (!Double.isNaN(clipGrad) && !(clipGrad > 0)) {
            throw new ConfigException("clip_grad", "must be positive, or null for no clipping, got " + clipGrad);
        }
        if (optBetas.size() != 2
                || !(optBetas.get(0) >= 0 && optBetas.get(0) < 1 && optBetas.get(1) >= 0 && optBetas.get(1) < 1)) {
            throw new ConfigException("opt_betas", "expected [beta1, beta2] with both in [0, 1), got " + optBetas);
        }
        nonNegative("opt_eps", optEps);
        if (cropScale.size() != 2
                || !(cropScale.get(0) > 0 && cropScale.get(0) <= cropScale.get(1) && cropScale.get(1) <= 1)) {
            throw new ConfigException("crop_scale", "expected [min, max] with 0 < min <= max <= 1, got " + cropScale);
        }
        if (!aa.isEmpty() && !aa.startsWith("rand")) {
            throw new ConfigException("aa",
                    "only RandAugment policies (\"rand-...\", e.g. rand-m9-mstd0.5-inc1) or \"\" for none"
                            + " are implemented, got \"" + aa + "\"");
        }
        if (!Double.isNaN(colorJitter) && aa.isEmpty()) {
            throw new ConfigException("color_jitter",
                    "ColorJitter is not implemented (timm applies it only without aa), got "
                            + colorJitter + "; hint: set color_jitter null");
        }
        if (!(smoothing >= 0 && smoothing < 1)) {
            throw new ConfigException("smoothing", "must be in [0, 1), got " + smoothing);
        }
        if (!(reprob >= 0 && reprob <= 1)) {
            throw new ConfigException("reprob", "must be in [0, 1], got " + reprob);
        }
        if (!List.of("const", "rand", "pixel").contains(remode)) {
            throw new ConfigException("remode", "expected const, rand or pixel, got \"" + remode + "\"");
        }
        positive("recount", recount);
        nonNegative("mixup", mixup);
        nonNegative("cutmix", cutmix);
        if (!(mixupProb >= 0 && mixupProb <= 1)) {
            throw new ConfigException("mixup_prob", "must be in [0, 1], got " + mixupProb);
        }
        if (!(mixupSwitchProb >= 0 && mixupSwitchProb <= 1)) {
            throw new ConfigException("mixup_switch_prob", "must be in [0, 1], got " + mixupSwitchProb);
        }
        if (!mixupMode.equals("batch")) {
            throw new ConfigException("mixup_mode",
                    "only \"batch\" (the recipe's mode) is implemented, got \"" + mixupMode + "\"");
        }
        if ((mixup > 0 || cutmix > 0) && batchSize % 2 != 0) {
            throw new ConfigException("batch_size",
                    "must be even while mixup or cutmix is active (timm's Mixup pairs each"
                            + " image with its mirror in the batch), got " + batchSize);
        }
        if (recipe == Recipe.LINPROBE && batchSize < 2) {
            throw new ConfigException("batch_size",
                    "must be at least 2: the probe's BatchNorm1d uses batch statistics, got "
                            + batchSize);
        }
        if (!Set.of("auto", "idx", "image_folder", "cifar10").contains(dataset)) {
            throw new ConfigException("dataset",
                    "expected auto, idx, image_folder or cifar10, got \"" + dataset + "\"");
        }
        if (mean.size() != inChans || std.size() != inChans) {
            throw new ConfigException(mean.size() != inChans ? "mean" : "std",
                    "needs " + inChans + " value(s) (in_chans), got "
                            + (mean.size() != inChans ? mean : std));
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
        positive("eval_batch_size", evalBatchSize);
    }

    private static void agree(String key, int value, int named, String model) {
        if (value != named) {
            throw new ConfigException(key,
                    model + " has " + key + " " + named + ", got " + value + "; hint: use model \"vit\""
                            + " for other dimensions");
        }
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw new ConfigException(key, "must be positive, got " + v);
        }
    }

    private static void nonNegative(String key, double v) {
        if (!(v >= 0)) {
            throw new ConfigException(key, "must be >= 0, got " + v);
        }
    }

    /** @return whether Mixup or CutMix is active (mixup &gt; 0 or cutmix &gt; 0), which switches the loss to soft targets */
    public boolean mixupActive() {
        return mixup > 0 || cutmix > 0;
    }

    /** @return batch_size · accum_iter, the images per optimizer step */
    public int effectiveBatch() {
        return batchSize * accumIter;
    }

    /** @return the grid side input_size / patch_size */
    public int gridSize() {
        return inputSize / patchSize;
    }

    /** @return the MLP hidden width int(embed_dim · mlp_ratio) */
    public int mlpHidden() {
        return (int) (embedDim * mlpRatio);
    }

    /**
     * The peak learning rate, derived in this one place: lr = blr · effective batch / 256
     * (main_finetune.py, main_linprobe.py), unless lr is set.
     *
     * @return the lr per optimizer step
     */
    public double peakLr() {
        return Double.isNaN(lr) ? blr * effectiveBatch() / 256.0 : lr;
    }

    /** @return loader threads × prefetch_factor (at least prefetch_factor), the DataLoader's prefetchBatches */
    public int prefetchBatches() {
        return prefetchFactor * Math.max(1, numWorkers);
    }

    /**
     * A copy that starts from another checkpoint (the CLI's --checkpoint and --from-scratch).
     *
     * @param checkpoint the finetune key, "" for a random encoder
     * @return the copy
     */
    public FinetuneConfig withFinetune(String checkpoint) {
        return new FinetuneConfig(recipe, model, inputSize, patchSize, inChans, embedDim, depth, numHeads, mlpRatio,
                normEps,
                nbClasses, globalPool, dropPath, batchSize, accumIter, epochs, warmupEpochs, blr, lr, minLr,
                weightDecay,
                layerDecay, clipGrad, optBetas, optEps, cropScale, aa, colorJitter, smoothing, reprob, remode, recount,
                mixup, cutmix,
                mixupProb, mixupSwitchProb, mixupMode, checkpoint, seed, dataPath, dataset, mean, std, numWorkers,
                prefetchFactor, logEvery, evalBatchSize);
    }

    /**
     * Reads a config object with the recipe's defaults (the official argparse defaults; for a named
     * model its dimensions) and rejects every key the recipe does not have.
     *
     * @param json the merged config object
     * @param recipe which script's keys
     * @return the validated config
     * @throws ConfigException naming the first unknown, mistyped or out-of-range key
     */
    public static FinetuneConfig resolve(ObjectNode json, Recipe recipe) {
        JsonFields f = new JsonFields(json);
        boolean ft = recipe == Recipe.FINETUNE;
        String model = f.string("model", "vit_large_patch16");
        Vit named = NAMED_MODELS.getOrDefault(model, NAMED_MODELS.get("vit_base_patch16"));
        int inChans = f.integer("in_chans", 3);
        List<Double> defMean = inChans == 3 ? TrainConfig.IMAGENET_MEAN : List.of(0.5);
        List<Double> defStd = inChans == 3 ? TrainConfig.IMAGENET_STD : List.of(0.5);
        int batchSize = f.integer("batch_size", ft ? 64 : 512);
        FinetuneConfig c = new FinetuneConfig(recipe, model, f.integer("input_size", 224),
                f.integer("patch_size", named.patchSize()), inChans, f.integer("embed_dim", named.embedDim()),
                f.integer("depth", named.depth()), f.integer("num_heads", named.numHeads()), f.number("mlp_ratio", 4.0),
                f.number("norm_eps", 1e-6), f.integer("nb_classes", 1000), f.bool("global_pool", ft),
                ft ? f.number("drop_path", 0.1) : 0, batchSize, f.integer("accum_iter", 1),
                f.integer("epochs", ft ? 50 : 90),
                f.number("warmup_epochs", ft ? 5 : 10), f.number("blr", ft ? 1e-3 : 0.1), f.optionalNumber("lr"),
                f.number("min_lr", ft ? 1e-6 : 0), f.number("weight_decay", ft ? 0.05 : 0),
                ft ? f.number("layer_decay", 0.75) : 1, ft ? f.optionalNumber("clip_grad") : Double.NaN,
                ft ? f.numbers("opt_betas", List.of(0.9, 0.999)) : List.of(0.9, 0.999),
                ft ? f.number("opt_eps", 1e-8) : 1e-8,
                f.numbers("crop_scale", List.of(0.08, 1.0)),
                ft ? f.string("aa", "rand-m9-mstd0.5-inc1") : "", ft ? f.optionalNumber("color_jitter") : Double.NaN,
                ft ? f.number("smoothing", 0.1) : 0, ft ? f.number("reprob", 0.25) : 0,
                ft ? f.string("remode", "pixel") : "pixel",
                ft ? f.integer("recount", 1) : 1, ft ? f.number("mixup", 0) : 0, ft ? f.number("cutmix", 0) : 0,
                ft ? f.number("mixup_prob", 1.0) : 1.0, ft ? f.number("mixup_switch_prob", 0.5) : 0.5,
                ft ? f.string("mixup_mode", "batch") : "batch", f.string("finetune", ""), f.integer("seed", 0),
                f.string("data_path", ""), f.string("dataset", "auto"), f.numbers("mean", defMean),
                f.numbers("std", defStd),
                f.integer("num_workers", 2), f.integer("prefetch_factor", 2), f.integer("log_every", 20),
                f.integer("eval_batch_size", batchSize));
        if (ft && !f.isUnset("cutmix_minmax")) {
            throw new ConfigException("cutmix_minmax",
                    "is not implemented (only null: CutMix lam drawn from Beta(cutmix, cutmix)),"
                            + " got " + json.get("cutmix_minmax"));
        }
        Set<String> known = new LinkedHashSet<>(COMMON_KEYS);
        if (ft) {
            known.addAll(FINETUNE_KEYS);
        }
        for (java.util.Iterator<String> it = json.fieldNames(); it.hasNext();) {
            String k = it.next();
            if (!known.contains(k)) {
                String hint = !ft && FINETUNE_KEYS.contains(k)
                        ? " (a main_finetune.py flag; the linear probe has no " + k + ")" : "";
                throw new ConfigException(k, "unknown key for jmae " + recipe.command() + hint + "; known keys: "
                        + String.join(", ", known));
            }
        }
        return c;
    }

    /** @return every key of the recipe spelled out as JSON; unset values (None in the official scripts) as null */
    public ObjectNode toJson() {
        boolean ft = recipe == Recipe.FINETUNE;
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("model", model);
        o.put("input_size", inputSize);
        o.put("patch_size", patchSize);
        o.put("in_chans", inChans);
        o.put("embed_dim", embedDim);
        o.put("depth", depth);
        o.put("num_heads", numHeads);
        o.put("mlp_ratio", mlpRatio);
        o.put("norm_eps", normEps);
        o.put("nb_classes", nbClasses);
        o.put("global_pool", globalPool);
        if (ft) {
            o.put("drop_path", dropPath);
        }
        o.put("batch_size", batchSize);
        o.put("accum_iter", accumIter);
        o.put("epochs", epochs);
        o.put("warmup_epochs", warmupEpochs);
        o.put("blr", blr);
        nullable(o, "lr", lr);
        o.put("min_lr", minLr);
        o.put("weight_decay", weightDecay);
        list(o.putArray("crop_scale"), cropScale);
        if (ft) {
            o.put("layer_decay", layerDecay);
            nullable(o, "clip_grad", clipGrad);
            list(o.putArray("opt_betas"), optBetas);
            o.put("opt_eps", optEps);
            o.put("aa", aa);
            nullable(o, "color_jitter", colorJitter);
            o.put("smoothing", smoothing);
            o.put("reprob", reprob);
            o.put("remode", remode);
            o.put("recount", recount);
            o.put("mixup", mixup);
            o.put("cutmix", cutmix);
            o.putNull("cutmix_minmax");
            o.put("mixup_prob", mixupProb);
            o.put("mixup_switch_prob", mixupSwitchProb);
            o.put("mixup_mode", mixupMode);
        }
        o.put("finetune", finetune);
        o.put("seed", seed);
        o.put("data_path", dataPath);
        o.put("dataset", dataset);
        list(o.putArray("mean"), mean);
        list(o.putArray("std"), std);
        o.put("num_workers", numWorkers);
        o.put("prefetch_factor", prefetchFactor);
        o.put("log_every", logEvery);
        o.put("eval_batch_size", evalBatchSize);
        return o;
    }

    private static void nullable(ObjectNode o, String key, double v) {
        if (Double.isNaN(v)) {
            o.putNull(key);
        } else {
            o.put(key, v);
        }
    }

    private static void list(ArrayNode a, List<Double> v) {
        v.forEach(a::add);
    }
}
