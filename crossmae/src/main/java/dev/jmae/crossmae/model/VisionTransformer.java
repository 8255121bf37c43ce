package dev.jmae.crossmae.model;

import dev.jmae.autograd.Variable;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.nn.Block;
import dev.jmae.nn.LayerNorm;
import dev.jmae.nn.Module;
import dev.jmae.nn.ModuleList;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The ViT encoder applied to the visible patches (docs/model.md §7): patch embedding plus sin-cos
 * positions (rows 1..L, before masking), the visible tokens in ascending-noise order, the cls token
 * prepended without a positional term, then pre-norm blocks; MAE adds a final LayerNorm
 * {@code norm}, CrossMAE has none. Optionally keeps feature maps for inter-block attention: the
 * input sequence (cls included) and the outputs of the selected blocks, in block order.
 *
 * <p>images [N, C, H, W] → latent [N, K+1, D]. Registers {@code cls_token} [1, 1, D],
 * {@code pos_embed} [1, L+1, D] (frozen), {@code patch_embed.proj.*}, {@code blocks.i.*} and, with a
 * final norm, {@code norm.*}.
 */
public final class VisionTransformer extends Module {

    /** The encoder's outputs: the final sequence and the kept feature maps. */
    public record Output(Variable latent, List<Variable> featureMaps) {
    }

    private final ModelConfig config;
    private final PatchEmbed patchEmbed;
    private final Parameter clsToken;
    private final Parameter posEmbed;
    private final ModuleList<Block> blocks;
    private final LayerNorm norm;

    /**
     * Creates the encoder.
     *
     * @param c the model config (encoder keys)
     * @param finalNorm whether to end with a LayerNorm {@code norm} (MAE; the non-IBA CrossMAE variant)
     * @param g randomness for the default initialization
     * @param d where the parameters live (PyTorch's {@code device=})
     */
    public VisionTransformer(ModelConfig c, boolean finalNorm, Generator g, Device d) {
        this.config = c;
        int l = c.numPatches();
        this.clsToken = registerParameter("cls_token", new Parameter(Tensor.zeros(d, 1, 1, c.embedDim())));
        this.posEmbed = registerParameter("pos_embed", new Parameter(
                Tensor.of(d, PosEmbed.sincos2d(c.embedDim(), c.gridSize()), 1, l + 1, c.embedDim()), false));
        this.patchEmbed = registerModule("patch_embed",
                new PatchEmbed(c.imgSize(), c.patchSize(), c.inChans(), c.embedDim(), g, d));
        this.blocks = registerModule("blocks", new ModuleList<>());
        for (int i = 0; i < c.depth(); i++) {
            blocks.add(new Block(c.embedDim(), c.numHeads(), c.mlpRatio(), true, (float) c.normEps(), g, d));
        }
        this.norm = finalNorm ? registerModule("norm", new LayerNorm(c.embedDim(), (float) c.normEps(), d)) : null;
    }

    /**
     * Encodes the visible patches.
     *
     * @param images [N, C, H, W]
     * @param masking which patches are visible (idsKeep [N, K])
     * @param featureBlocks blocks whose outputs to keep, in increasing order (empty for none)
     * @param keepInput whether to keep the input sequence as the first feature map
     * @return latent [N, K+1, D] (after {@code norm} when present) and the feature maps, each [N, K+1, D]
     */
    public Output forward(Tensor images, Masking masking, List<Integer> featureBlocks, boolean keepInput) {
        int n = images.size(0);
        int l = config.numPatches();
        int dim = config.embedDim();
        Variable x = patchEmbed.forward(images).add(posEmbed.narrow(1, 1, l));
        x = Tokens.gatherRows(x, masking.idsKeep());
        x = Variable.cat(List.of(clsToken.expand(n, 1, dim), x), 1);
        List<Variable> maps = new ArrayList<>();
        if (keepInput) {
            maps.add(x);
        }
        Set<Integer> keep = new HashSet<>(featureBlocks);
        int i = 0;
        for (Block b : blocks) {
            x = b.forward(x);
            if (keep.contains(i++)) {
                maps.add(x);
            }
        }
        if (norm != null) {
            x = norm.forward(x);
        }
        return new Output(x, maps);
    }

    /** @return the patch embedding */
    public PatchEmbed patchEmbed() {
        return patchEmbed;
    }

    /** @return cls_token [1, 1, D] */
    public Parameter clsToken() {
        return clsToken;
    }

    /** @return pos_embed [1, L+1, D] (frozen) */
    public Parameter posEmbed() {
        return posEmbed;
    }

    /** @return the blocks */
    public ModuleList<Block> blocks() {
        return blocks;
    }

    /** @return the final norm, or null */
    public LayerNorm norm() {
        return norm;
    }
}
