package dev.jmae.crossmae.model;

import dev.jmae.autograd.Variable;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.nn.LayerNorm;
import dev.jmae.nn.Linear;
import dev.jmae.nn.ModuleList;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * CrossMAE (Fu, Lian et al., arXiv 2401.14391), following the official code (docs/model.md §6-§10, §12).
 *
 * <p>The encoder sees the visible patches; with inter-block attention ({@code weight_fm}) the
 * selected feature maps are mixed once per decoder block ({@code wfm}) and normalized by that
 * block's {@code dec_norms.j}; the queries are {@code mask_token} plus the decoder positions of the
 * predicted patches in ascending patch order; each {@code decoder_blocks.j} cross-attends from the
 * queries to its mix; {@code decoder_norm} and {@code decoder_pred} give [N, M, P]; the loss is the
 * MSE against the (per-patch normalized) targets of the same patches.
 *
 * <p>Without weight_fm, the official code is broken (it calls a {@code norm} it never creates,
 * docs/model.md §16.5); here that variant works as the paper describes: the encoder ends with a shared
 * {@code norm} whose output every decoder block attends to.
 *
 * <p>Registers, besides the encoder keys: {@code mask_token} [1, 1, Dd], {@code decoder_pos_embed}
 * [1, L+1, Dd] (frozen), {@code wfm.linear.weight} [decoder_depth, k] and {@code dec_norms.j.*}
 * (with weight_fm) or {@code norm.*} (without), {@code decoder_blocks.j.*}, {@code decoder_norm.*},
 * {@code decoder_pred.*}.
 */
public final class CrossMAE extends MaskedAutoencoder {

    private final Parameter maskToken;
    private final Parameter decoderPosEmbed;
    private final WeightedFeatureMaps wfm;
    private final ModuleList<LayerNorm> decNorms;
    private final ModuleList<CrossAttentionBlock> decoderBlocks;
    private final LayerNorm decoderNorm;
    private final Linear decoderPred;
    private final List<Integer> featureBlocks;

    /**
     * Builds and initializes the model.
     *
     * @param c a crossmae config
     * @param g the randomness of the initialization
     * @param d where the parameters live (PyTorch's {@code device=})
     */
    public CrossMAE(ModelConfig c, Generator g, Device d) {
        super(c, !c.weightFm(), g, d);
        if (!c.isCrossMae()) {
            throw new IllegalArgumentException("CrossMAE: expected model \"crossmae\", got \"" + c.model() + "\"");
        }
        int dd = c.decoderEmbedDim();
        float eps = (float) c.normEps();
        this.maskToken = registerParameter("mask_token", new Parameter(Tensor.zeros(d, 1, 1, dd)));
        this.decoderPosEmbed = registerParameter("decoder_pos_embed", new Parameter(
                Tensor.of(d, PosEmbed.sincos2d(dd, c.gridSize()), 1, c.numPatches() + 1, dd), false));
        this.featureBlocks = c.weightFm() ? ModelConfig.featureBlocks(c.useFm(), c.depth()) : List.of();
        if (c.weightFm()) {
            this.wfm = registerModule("wfm", new WeightedFeatureMaps(c.numFeatureMaps(), c.decoderDepth(), g, d));
            this.decNorms = registerModule("dec_norms", new ModuleList<>());
            for (int j = 0; j < c.decoderDepth(); j++) {
                decNorms.add(new LayerNorm(c.embedDim(), eps, d));
            }
        } else {
            this.wfm = null;
            this.decNorms = null;
        }
        this.decoderBlocks = registerModule("decoder_blocks", new ModuleList<>());
        for (int j = 0; j < c.decoderDepth(); j++) {
            decoderBlocks.add(new CrossAttentionBlock(dd, c.embedDim(), c.decoderNumHeads(), c.mlpRatio(), c.selfAttn(),
                    eps, g, d));
        }
        this.decoderNorm = registerModule("decoder_norm", new LayerNorm(dd, eps, d));
        this.decoderPred = registerModule("decoder_pred", new Linear(dd, c.patchDim(), true, g, d));
        initializeWeights(g, encoder().clsToken(), maskToken);
    }

    @Override
    public Output forward(Tensor images, Masking masking) {
        ModelConfig c = config();
        int n = images.size(0);
        VisionTransformer.Output enc = encoder().forward(images, masking, featureBlocks, c.weightFm() && c.useInput());
        List<Variable> kv = new ArrayList<>(c.decoderDepth());
        if (wfm != null) {
            List<Variable> mixes = wfm.forward(enc.featureMaps());
            for (int j = 0; j < c.decoderDepth(); j++) {
                kv.add(decNorms.get(j).forward(mixes.get(j)));
            }
        } else {
            kv.addAll(Collections.nCopies(c.decoderDepth(), enc.latent()));
        }
        // queries: decoder positions (row l+1 for patch l) of the predicted patches, plus the mask token
        Tensor rows = decoderPosEmbed.value().expand(n, c.numPatches() + 1, c.decoderEmbedDim());
        Tensor pos = Tokens.gatherRows(rows, masking.idsPred().add(1f));
        Variable x = Variable.constant(pos).add(maskToken);
        for (int j = 0; j < c.decoderDepth(); j++) {
            x = decoderBlocks.get(j).forward(x, kv.get(j));
        }
        Variable pred = decoderPred.forward(decoderNorm.forward(x));
        Tensor target = Tokens.gatherRows(targets(images), masking.idsPred());
        return new Output(pred.mseLoss(target), pred, masking.maskPred(), masking);
    }

    /** @return the mask token [1, 1, Dd] */
    public Parameter maskToken() {
        return maskToken;
    }

    /** @return the IBA module, or null without weight_fm */
    public WeightedFeatureMaps wfm() {
        return wfm;
    }
}
