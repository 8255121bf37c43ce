package dev.jmae.crossmae.model;

import dev.jmae.autograd.Variable;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.nn.Block;
import dev.jmae.nn.LayerNorm;
import dev.jmae.nn.Linear;
import dev.jmae.nn.ModuleList;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.List;

/**
 * The MAE baseline (He et al. 2021; facebookresearch/mae models_mae.py; docs/model.md §11): the
 * encoder ends with {@code norm}; {@code decoder_embed} maps all K+1 encoder outputs to the decoder
 * width; L-K copies of {@code mask_token} are appended and the sequence is un-shuffled to raster
 * order with ids_restore; cls is prepended again and the full {@code decoder_pos_embed} added;
 * {@code decoder_blocks} (self-attention over all L+1 tokens), {@code decoder_norm},
 * {@code decoder_pred}; position 0 (cls) is dropped. The loss is the per-patch MSE averaged over
 * the removed patches only.
 *
 * <p>pred: [N, L, P] (every patch). Registers, besides the encoder keys and {@code norm}:
 * {@code mask_token}, {@code decoder_pos_embed} (frozen), {@code decoder_embed},
 * {@code decoder_blocks.j.*}, {@code decoder_norm}, {@code decoder_pred}.
 */
public final class MAE extends MaskedAutoencoder {

    private final Parameter maskToken;
    private final Parameter decoderPosEmbed;
    private final Linear decoderEmbed;
    private final ModuleList<Block> decoderBlocks;
    private final LayerNorm decoderNorm;
    private final Linear decoderPred;

    /**
     * Builds and initializes the model.
     *
     * @param c an mae config
     * @param g the randomness of the initialization
     * @param d where the parameters live (PyTorch's {@code device=})
     */
    public MAE(ModelConfig c, Generator g, Device d) {
        super(c, true, g, d);
        if (c.isCrossMae()) {
            throw new IllegalArgumentException("MAE: expected model \"mae\", got \"" + c.model() + "\"");
        }
        int dd = c.decoderEmbedDim();
        float eps = (float) c.normEps();
        this.maskToken = registerParameter("mask_token", new Parameter(Tensor.zeros(d, 1, 1, dd)));
        this.decoderPosEmbed = registerParameter("decoder_pos_embed", new Parameter(
                Tensor.of(d, PosEmbed.sincos2d(dd, c.gridSize()), 1, c.numPatches() + 1, dd), false));
        this.decoderEmbed = registerModule("decoder_embed", new Linear(c.embedDim(), dd, true, g, d));
        this.decoderBlocks = registerModule("decoder_blocks", new ModuleList<>());
        for (int j = 0; j < c.decoderDepth(); j++) {
            decoderBlocks.add(new Block(dd, c.decoderNumHeads(), c.mlpRatio(), true, eps, g, d));
        }
        this.decoderNorm = registerModule("decoder_norm", new LayerNorm(dd, eps, d));
        this.decoderPred = registerModule("decoder_pred", new Linear(dd, c.patchDim(), true, g, d));
        initializeWeights(g, encoder().clsToken(), maskToken);
    }

    @Override
    public Output forward(Tensor images, Masking masking) {
        ModelConfig c = config();
        int n = images.size(0);
        int l = c.numPatches();
        int keep = masking.lenKeep();
        int dd = c.decoderEmbedDim();
        Variable latent = encoder().forward(images, masking, List.of(), false).latent();
        Variable x = decoderEmbed.forward(latent);
        Variable tokens = Variable.cat(List.of(x.narrow(1, 1, keep), maskToken.expand(n, l - keep, dd)), 1);
        tokens = Tokens.gatherRows(tokens, masking.idsRestore());
        x = Variable.cat(List.of(x.narrow(1, 0, 1), tokens), 1).add(decoderPosEmbed);
        for (Block b : decoderBlocks) {
            x = b.forward(x);
        }
        Variable pred = decoderPred.forward(decoderNorm.forward(x)).narrow(1, 1, l);
        Tensor mask = masking.maskFull();
        Variable perPatch = pred.sub(Variable.constant(targets(images))).square().mean(-1, false);
        // mask.sum() is N·(L-K) by construction: the count is known on the host, no device read
        Variable loss = perPatch.mul(Variable.constant(mask)).sum().div((float) (n * (l - keep)));
        return new Output(loss, pred, mask, masking);
    }

    /** @return the mask token [1, 1, Dd] */
    public Parameter maskToken() {
        return maskToken;
    }
}
