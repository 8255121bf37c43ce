package dev.jmae.crossmae.model;

import dev.jmae.autograd.Variable;
import dev.jmae.nn.Init;
import dev.jmae.nn.Module;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

/**
 * Patch embedding: a p×p convolution with stride p, computed as a Linear(C·p² → D) applied to each
 * non-overlapping patch read in (ch, i, j) order (docs/model.md §4). No norm after it.
 *
 * <p>images: [N, C, H, W] → [N, L, D] in raster order. Registers {@code proj.weight} [D, C, p, p]
 * and {@code proj.bias} [D] (the official Conv2d's layout, so checkpoints load unchanged).
 * Initialized like PyTorch's Conv2d (U(±1/sqrt(C·p²)) for weight and bias); the model then
 * re-initializes the weight with xavier on its [D, C·p²] view but keeps this bias (docs/model.md §12).
 */
public final class PatchEmbed extends Module {

    /** The conv's parameters, under the key {@code proj}. */
    static final class Proj extends Module {
        final Parameter weight;
        final Parameter bias;

        Proj(int embedDim, int inChans, int patchSize, Generator g, Device device) {
            weight = registerParameter("weight",
                    new Parameter(Tensor.zeros(device, embedDim, inChans, patchSize, patchSize)));
            bias = registerParameter("bias", new Parameter(Tensor.zeros(device, embedDim)));
            Init.pytorchDefault(weight.value(), bias.value(), g);
        }
    }

    private final int imgSize;
    private final int patchSize;
    private final int inChans;
    private final int embedDim;
    private final Proj proj;

    /**
     * Creates the embedding.
     *
     * @param imgSize H = W
     * @param patchSize p, dividing imgSize
     * @param inChans C
     * @param embedDim D
     * @param g randomness for the default initialization
     * @param device where the parameters live (PyTorch's {@code device=})
     */
    public PatchEmbed(int imgSize, int patchSize, int inChans, int embedDim, Generator g, Device device) {
        this.imgSize = imgSize;
        this.patchSize = patchSize;
        this.inChans = inChans;
        this.embedDim = embedDim;
        this.proj = registerModule("proj", new Proj(embedDim, inChans, patchSize, g, device));
    }

    /**
     * Embeds the patches.
     *
     * @param images [N, C, H, W]
     * @return [N, L, D]
     * @throws IllegalArgumentException if the images are not [N, C, img_size, img_size]
     */
    public Variable forward(Tensor images) {
        int[] s = images.shape();
        if (s.length != 4 || s[1] != inChans || s[2] != imgSize || s[3] != imgSize) {
            throw new IllegalArgumentException("PatchEmbed: expected images [N, " + inChans + ", " + imgSize + ", "
                    + imgSize + "], got " + java.util.Arrays.toString(s));
        }
        int n = s[0];
        int g = imgSize / patchSize;
        int k = inChans * patchSize * patchSize;
        // [N, C, g, p, g, p] -> [N, g, g, C, p, p]: each patch in (ch, i, j) order, the conv weight's order
        Tensor patches = images.reshape(n, inChans, g, patchSize, g, patchSize).permute(0, 2, 4, 1, 3, 5)
                .reshape(n, g * g, k);
        return Variable.constant(patches).linear(proj.weight.reshape(embedDim, k), proj.bias);
    }

    /** @return the conv weight [D, C, p, p] */
    public Parameter weight() {
        return proj.weight;
    }

    /** @return the conv bias [D] */
    public Parameter bias() {
        return proj.bias;
    }
}
