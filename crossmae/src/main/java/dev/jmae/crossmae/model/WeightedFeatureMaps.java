package dev.jmae.crossmae.model;

import dev.jmae.autograd.Variable;
import dev.jmae.nn.Linear;
import dev.jmae.nn.Module;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;

import java.util.ArrayList;
import java.util.List;

/**
 * Inter-block attention (CrossMAE §3.4, docs/model.md §8): one learned linear mix of the k encoder feature
 * maps per decoder block, t_j = Σ_i W[j, i]·f_i, with W [decoder_depth, k], no bias, no softmax,
 * no normalization (weights may be negative).
 *
 * <p>maps: k × [N, T, D] → decoder_depth × [N, T, D]. Registers {@code linear.weight}
 * [decoder_depth, k]. The official code stacks the maps on a last axis and applies
 * {@code nn.Linear(k, depth)} there; here they are stacked on the first axis and the same W
 * multiplies from the left ([depth, k]·[k, N·T·D]), which is the same sum with each block's mix
 * contiguous in memory. Initialized by the model with xavier on [depth, k] (the official global
 * Linear init overwrites the module's own N(0, 1/k), docs/model.md §16.7).
 */
public final class WeightedFeatureMaps extends Module {

    private final int k;
    private final int decoderDepth;
    private final Linear linear;

    /**
     * Creates the module.
     *
     * @param k the number of feature maps
     * @param decoderDepth the number of decoder blocks
     * @param g randomness for the default initialization
     * @param device where the parameters live (PyTorch's {@code device=})
     */
    public WeightedFeatureMaps(int k, int decoderDepth, Generator g, Device device) {
        this.k = k;
        this.decoderDepth = decoderDepth;
        this.linear = registerModule("linear", new Linear(k, decoderDepth, false, g, device));
    }

    /**
     * Mixes the maps, one mix per decoder block.
     *
     * @param maps k feature maps, each [N, T, D]
     * @return decoderDepth mixes, each [N, T, D]
     * @throws IllegalArgumentException if the number of maps is not k
     */
    public List<Variable> forward(List<Variable> maps) {
        if (maps.size() != k) {
            throw new IllegalArgumentException(
                    "WeightedFeatureMaps: expected " + k + " feature maps, got " + maps.size());
        }
        int[] s = maps.get(0).shape();
        int rows = s[0] * s[1] * s[2];
        Variable stacked = Variable.stack(maps, 0).reshape(k, rows);
        Variable mixed = linear.weight().matmul(stacked).reshape(decoderDepth, s[0], s[1], s[2]);
        List<Variable> out = new ArrayList<>(decoderDepth);
        for (int j = 0; j < decoderDepth; j++) {
            out.add(mixed.select(0, j));
        }
        return out;
    }

    /** @return the mixing layer (weight [decoder_depth, k]) */
    public Linear linear() {
        return linear;
    }
}
