package dev.jmae.crossmae.config;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The model keys of a config, with the official argparse / constructor names (docs/model.md §0,
 * docs/model.md §14; design.md "Config files"). Validated on construction: every violation names its JSON key.
 *
 * @param model "crossmae" or "mae"
 * @param imgSize input side in pixels (img_size)
 * @param patchSize patch side p (patch_size)
 * @param inChans channels C, 1 or 3 (in_chans)
 * @param embedDim encoder width D (embed_dim)
 * @param depth encoder blocks (depth)
 * @param numHeads encoder heads (num_heads)
 * @param mlpRatio MLP hidden width / width, encoder and decoder (mlp_ratio)
 * @param normEps LayerNorm eps (norm_eps, 1e-6)
 * @param decoderEmbedDim decoder width Dd (decoder_embed_dim)
 * @param decoderDepth decoder blocks (decoder_depth)
 * @param decoderNumHeads decoder heads (decoder_num_heads)
 * @param maskRatio fraction of patches hidden from the encoder, p (mask_ratio)
 * @param keptMaskRatio fraction of all patches the decoder reconstructs, γ ≤ p (kept_mask_ratio)
 * @param weightFm inter-block attention (weight_fm)
 * @param useFm encoder blocks feeding IBA; exactly [-1] means all; negatives count from the end (use_fm)
 * @param useInput include the patch-embedding output as a feature map (use_input)
 * @param selfAttn self-attention among queries in each decoder block (self_attn)
 * @param normPixLoss per-patch normalized targets (norm_pix_loss)
 */
public record ModelConfig(String model, int imgSize, int patchSize, int inChans, int embedDim, int depth,
                          int numHeads, double mlpRatio, double normEps, int decoderEmbedDim, int decoderDepth,
                          int decoderNumHeads, double maskRatio, double keptMaskRatio, boolean weightFm,
                          List<Integer> useFm, boolean useInput, boolean selfAttn, boolean normPixLoss) {

    /** The JSON keys of the model part of a config. */
    public static final Set<String> KEYS = Set.of("model", "img_size", "patch_size", "in_chans", "embed_dim", "depth",
            "num_heads", "mlp_ratio", "norm_eps", "decoder_embed_dim", "decoder_depth", "decoder_num_heads",
            "mask_ratio", "kept_mask_ratio", "weight_fm", "use_fm", "use_input", "self_attn", "norm_pix_loss");

    /**
     * Validates.
     *
     * @throws ConfigException naming the first offending key
     */
    public ModelConfig {
        useFm = List.copyOf(useFm);
        if (!model.equals("crossmae") && !model.equals("mae")) {
            throw new ConfigException("model", "expected \"crossmae\" or \"mae\", got \"" + model + "\"");
        }
        positive("img_size", imgSize);
        positive("patch_size", patchSize);
        if (imgSize % patchSize != 0) {
            throw new ConfigException("img_size", "must be divisible by patch_size (" + patchSize + "), got " + imgSize
                    + "; hint: use " + (imgSize / patchSize * patchSize) + " or "
                    + ((imgSize / patchSize + 1) * patchSize));
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
        if (embedDim % 4 != 0) {
            throw new ConfigException("embed_dim", "must be divisible by 4 for the 2-D sin-cos table, got " + embedDim);
        }
        if (!(mlpRatio > 0)) {
            throw new ConfigException("mlp_ratio", "must be positive, got " + mlpRatio);
        }
        if (!(normEps > 0 && normEps < 1)) {
            throw new ConfigException("norm_eps", "must be in (0, 1), got " + normEps);
        }
        positive("decoder_embed_dim", decoderEmbedDim);
        positive("decoder_depth", decoderDepth);
        positive("decoder_num_heads", decoderNumHeads);
        if (decoderEmbedDim % decoderNumHeads != 0) {
            throw new ConfigException("decoder_num_heads",
                    "must divide decoder_embed_dim (" + decoderEmbedDim + "), got "
                            + decoderNumHeads);
        }
        if (decoderEmbedDim % 4 != 0) {
            throw new ConfigException("decoder_embed_dim", "must be divisible by 4 for the 2-D sin-cos table, got "
                    + decoderEmbedDim);
        }
        if (!(maskRatio > 0 && maskRatio < 1)) {
            throw new ConfigException("mask_ratio", "must be in (0, 1), got " + maskRatio);
        }
        if (!(keptMaskRatio > 0)) {
            throw new ConfigException("kept_mask_ratio", "must be positive, got " + keptMaskRatio);
        }
        if (keptMaskRatio > maskRatio) {
            throw new ConfigException("kept_mask_ratio", "the prediction ratio must not exceed mask_ratio (" + maskRatio
                    + "), got " + keptMaskRatio + " (only masked patches can be predicted)");
        }
        int l = (imgSize / patchSize) * (imgSize / patchSize);
        if ((int) (l * (1.0 - maskRatio)) < 1) {
            throw new ConfigException("mask_ratio", "leaves no visible patch out of " + l + " (got " + maskRatio + ")");
        }
        if (l - (int) (l * (1.0 - maskRatio)) - (int) (l * (maskRatio - keptMaskRatio)) < 1) {
            throw new ConfigException("kept_mask_ratio",
                    "selects no patch to predict out of " + l + " (got " + keptMaskRatio + ")");
        }
        if (model.equals("mae")) {
            if (weightFm || !(useFm.isEmpty()) || useInput || selfAttn || keptMaskRatio != maskRatio) {
                String key = weightFm ? "weight_fm" : !useFm.isEmpty() ? "use_fm" : useInput ? "use_input"
                        : selfAttn ? "self_attn" : "kept_mask_ratio";
                throw new ConfigException(key, "is a CrossMAE option; an MAE config may only carry its neutral value"
                        + " (weight_fm false, use_fm [], use_input false, self_attn false, kept_mask_ratio = mask_ratio)");
            }
        } else if (weightFm) {
            List<Integer> blocks = featureBlocks(useFm, depth);
            if (blocks.isEmpty() && !useInput) {
                throw new ConfigException("use_fm",
                        "selects no feature map and use_input is false, so the " + decoderDepth
                                + " decoder blocks would have nothing to attend to");
            }
            if (!blocks.isEmpty() && blocks.get(blocks.size() - 1) != depth - 1) {
                throw new ConfigException("use_fm",
                        "must include the last encoder block (" + (depth - 1) + " or -1 as [-1]),"
                                + " got " + useFm + ": blocks after " + blocks.get(blocks.size() - 1)
                                + " would get no gradient");
            }
        } else if (!useFm.isEmpty() && !useFm.equals(List.of(-1)) || useInput) {
            throw new ConfigException(useInput ? "use_input" : "use_fm",
                    "feature-map selection needs weight_fm; without it"
                            + " every decoder block attends to the last encoder output (hint: set weight_fm true, or leave use_fm"
                            + " and use_input at [] and false)");
        }
    }

    private static void positive(String key, int v) {
        if (v <= 0) {
            throw new ConfigException(key, "must be positive, got " + v);
        }
    }

    /**
     * The encoder blocks a use_fm list selects, sorted and distinct: exactly [-1] means every block,
     * other negatives count from the end (docs/model.md §8).
     *
     * @param useFm the list
     * @param depth encoder depth
     * @return block indices in increasing order
     * @throws ConfigException if an index is outside [-depth, depth)
     */
    public static List<Integer> featureBlocks(List<Integer> useFm, int depth) {
        TreeSet<Integer> out = new TreeSet<>();
        if (useFm.equals(List.of(-1))) {
            for (int i = 0; i < depth; i++) {
                out.add(i);
            }
            return new ArrayList<>(out);
        }
        for (int i : useFm) {
            if (i < -depth || i >= depth) {
                throw new ConfigException("use_fm", "block index " + i + " is outside [" + (-depth) + ", " + depth
                        + ") for an encoder of depth " + depth);
            }
            out.add(i < 0 ? i + depth : i);
        }
        return new ArrayList<>(out);
    }

    /** @return the grid side g = img_size / patch_size */
    public int gridSize() {
        return imgSize / patchSize;
    }

    /** @return the number of patches L = g² */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /** @return the patch vector length P = p²·C */
    public int patchDim() {
        return patchSize * patchSize * inChans;
    }

    /** @return the visible-token count K = floor(L(1-p)), computed in double (docs/model.md §6) */
    public int lenKeep() {
        return (int) (numPatches() * (1.0 - maskRatio));
    }

    /** @return masked-but-not-predicted count floor(L(p-γ)) */
    public int lenSkip() {
        return (int) (numPatches() * (maskRatio - keptMaskRatio));
    }

    /** @return the predicted-token count M = L - K - skip (for MAE: all L patches are predicted) */
    public int numPredicted() {
        return model.equals("mae") ? numPatches() : numPatches() - lenKeep() - lenSkip();
    }

    /** @return the number of feature maps IBA mixes, k (0 without weight_fm) */
    public int numFeatureMaps() {
        if (!model.equals("crossmae") || !weightFm) {
            return 0;
        }
        return featureBlocks(useFm, depth).size() + (useInput ? 1 : 0);
    }

    /** @return whether this is a CrossMAE config */
    public boolean isCrossMae() {
        return model.equals("crossmae");
    }

    /**
     * Reads the model keys from a config object with documented defaults: the CrossMAE ViT-B
     * recipe (docs/model.md §13, §14) with γ = p, IBA over the input and all blocks; MAE gets neutral
     * CrossMAE keys and decoder depth 8; without weight_fm, use_fm and use_input default to off.
     *
     * @param f the config fields
     * @return the config
     * @throws ConfigException for a wrong type or value
     */
    public static ModelConfig read(JsonFields f) {
        String model = f.string("model", "crossmae");
        boolean cross = model.equals("crossmae");
        double mask = f.number("mask_ratio", 0.75);
        boolean wfm = f.bool("weight_fm", cross);
        return new ModelConfig(model,
                f.integer("img_size", 224), f.integer("patch_size", 16), f.integer("in_chans", 3),
                f.integer("embed_dim", 768), f.integer("depth", 12), f.integer("num_heads", 12),
                f.number("mlp_ratio", 4.0), f.number("norm_eps", 1e-6),
                f.integer("decoder_embed_dim", 512), f.integer("decoder_depth", cross ? 12 : 8),
                f.integer("decoder_num_heads", 16), mask, f.number("kept_mask_ratio", mask),
                wfm, f.integers("use_fm", cross && wfm ? List.of(-1) : List.of()),
                f.bool("use_input", cross && wfm), f.bool("self_attn", false), f.bool("norm_pix_loss", true));
    }

    /**
     * The config as a flat JSON object with every key spelled out.
     *
     * @return the JSON object
     */
    public ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("model", model);
        o.put("img_size", imgSize);
        o.put("patch_size", patchSize);
        o.put("in_chans", inChans);
        o.put("embed_dim", embedDim);
        o.put("depth", depth);
        o.put("num_heads", numHeads);
        o.put("mlp_ratio", mlpRatio);
        o.put("norm_eps", normEps);
        o.put("decoder_embed_dim", decoderEmbedDim);
        o.put("decoder_depth", decoderDepth);
        o.put("decoder_num_heads", decoderNumHeads);
        o.put("mask_ratio", maskRatio);
        o.put("kept_mask_ratio", keptMaskRatio);
        o.put("weight_fm", weightFm);
        ArrayNode fm = o.putArray("use_fm");
        useFm.forEach(fm::add);
        o.put("use_input", useInput);
        o.put("self_attn", selfAttn);
        o.put("norm_pix_loss", normPixLoss);
        return o;
    }

    /**
     * A copy with another prediction ratio (for decoding every masked patch at inference).
     *
     * @param gamma the new kept_mask_ratio
     * @return the copy
     */
    public ModelConfig withKeptMaskRatio(double gamma) {
        return new ModelConfig(model, imgSize, patchSize, inChans, embedDim, depth, numHeads, mlpRatio, normEps,
                decoderEmbedDim, decoderDepth, decoderNumHeads, maskRatio, gamma, weightFm, useFm, useInput, selfAttn,
                normPixLoss);
    }
}
