package dev.jmae.crossmae.model;

import dev.jmae.crossmae.config.ModelConfig;

/**
 * Trainable parameter counts and forward FLOPs per image of a config, computed from the shapes
 * (no model is built, so ViT-H costs nothing). Parameter counts follow docs/model.md §14: the encoder is
 * cls_token, patch_embed and the blocks; a final encoder {@code norm} (MAE, non-IBA CrossMAE) is
 * counted in the total only; the frozen positional tables are excluded.
 *
 * <p>FLOPs count matrix products only (2 per multiply-add): patch embedding, every Linear, the
 * attention score and value products, and IBA's mix; normalizations, activations and the loss are
 * left out. Units: FLOPs per image for one forward pass.
 *
 * @param encoderParams cls_token + patch_embed + blocks
 * @param finalNormParams the encoder's final norm (0 for IBA CrossMAE)
 * @param decoderParams everything else that is trained
 * @param encoderFlops encoder forward FLOPs per image (K+1 tokens through the blocks)
 * @param decoderFlops decoder forward FLOPs per image
 */
public record ModelInfo(long encoderParams, long finalNormParams, long decoderParams, long encoderFlops,
                        long decoderFlops) {

    /** @return all trainable parameters */
    public long totalParams() {
        return encoderParams + finalNormParams + decoderParams;
    }

    /** @return encoder + decoder FLOPs per image */
    public long totalFlops() {
        return encoderFlops + decoderFlops;
    }

    private static long block(long d, long hidden) {
        return 4 * d + 3 * d * d + 3 * d + d * d + d + d * hidden + hidden + hidden * d + d;
    }

    private static long blockFlops(long t, long d, long hidden) {
        return 2 * t * d * 3 * d + 2 * 2 * t * t * d + 2 * t * d * d + 2 * 2 * t * d * hidden;
    }

    /**
     * Computes the counts for a config.
     *
     * @param c the model config
     * @return parameter counts and FLOPs
     */
    public static ModelInfo of(ModelConfig c) {
        long e = c.embedDim();
        long hidden = (long) (c.embedDim() * c.mlpRatio());
        long dd = c.decoderEmbedDim();
        long dHidden = (long) (c.decoderEmbedDim() * c.mlpRatio());
        long p = c.patchDim();
        long inPatch = (long) c.inChans() * c.patchSize() * c.patchSize();
        long l = c.numPatches();
        long t = c.lenKeep() + 1;
        long depthD = c.decoderDepth();

        long encoder = e + inPatch * e + e + c.depth() * block(e, hidden);
        long encFlops = 2 * l * inPatch * e + c.depth() * blockFlops(t, e, hidden);

        long finalNorm;
        long decoder;
        long decFlops;
        if (c.isCrossMae()) {
            long m = c.numPredicted();
            long k = c.numFeatureMaps();
            finalNorm = c.weightFm() ? 0 : 2 * e;
            long cross = 2 * dd + (dd * dd + dd) + (e * 2 * dd + 2 * dd) + (dd * dd + dd) + 2 * dd
                    + (dd * dHidden + dHidden) + (dHidden * dd + dd);
            if (c.selfAttn()) {
                cross += 2 * dd + 3 * dd * dd + 3 * dd + dd * dd + dd;
            }
            decoder = dd + depthD * cross + 2 * dd + dd * p + p + (c.weightFm() ? depthD * k + depthD * 2 * e : 0);
            long perBlock = 2 * m * dd * dd + 2 * t * e * 2 * dd + 2 * 2 * m * t * dd + 2 * m * dd * dd
                    + 2 * 2 * m * dd * dHidden;
            if (c.selfAttn()) {
                perBlock += 2 * m * dd * 3 * dd + 2 * 2 * m * m * dd + 2 * m * dd * dd;
            }
            decFlops = depthD * perBlock + 2 * m * dd * p + (c.weightFm() ? 2 * t * e * k * depthD : 0);
        } else {
            finalNorm = 2 * e;
            long tDec = l + 1;
            decoder = dd + (e * dd + dd) + depthD * block(dd, dHidden) + 2 * dd + dd * p + p;
            decFlops = 2 * t * e * dd + depthD * blockFlops(tDec, dd, dHidden) + 2 * tDec * dd * p;
        }
        return new ModelInfo(encoder, finalNorm, decoder, encFlops, decFlops);
    }
}
