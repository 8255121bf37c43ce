package dev.jmae.nn;

import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;

/**
 * In-place initializers (torch.nn.init), each drawing from an explicit {@link Generator}.
 *
 * <p>Fans are computed from the stored shape as PyTorch does: for a [out, in, k...] tensor,
 * fan_in = in·prod(k) and fan_out = out·prod(k). A fused matrix such as a ViT's qkv [3D, D] is one
 * matrix for this purpose, so its xavier bound is sqrt(6/(4D)) (docs/model.md §12).
 */
public final class Init {

    private Init() {
    }

    /**
     * fan_in and fan_out of a weight shape.
     *
     * @param shape at least 2 dims: [out, in, kernel...]
     * @return {fanIn, fanOut}
     * @throws IllegalArgumentException for fewer than 2 dims
     */
    public static int[] fans(int[] shape) {
        if (shape.length < 2) {
            throw new IllegalArgumentException(
                    "Init.fans: fan in and fan out need at least 2 dims, got " + Shape.format(shape));
        }
        int receptive = 1;
        for (int d = 2; d < shape.length; d++) {
            receptive *= shape[d];
        }
        return new int[] {shape[1] * receptive, shape[0] * receptive};
    }

    /**
     * The xavier-uniform bound sqrt(6/(fan_in + fan_out)) (gain 1).
     *
     * @param shape the weight shape
     * @return a, the half-width of U(-a, a)
     */
    public static double xavierUniformBound(int[] shape) {
        int[] f = fans(shape);
        return Math.sqrt(6.0 / (f[0] + f[1]));
    }

    /**
     * U(-a, a) with a = sqrt(6/(fan_in + fan_out)) (torch.nn.init.xavier_uniform_).
     *
     * @param t the weight, at least 2-d
     * @param g the randomness
     * @return t
     */
    public static Tensor xavierUniform(Tensor t, Generator g) {
        double a = xavierUniformBound(t.shape());
        return t.uniformInPlace(g, -a, a);
    }

    /**
     * U(low, high) (torch.nn.init.uniform_).
     *
     * @param t the tensor
     * @param low lower bound
     * @param high upper bound
     * @param g the randomness
     * @return t
     */
    public static Tensor uniform(Tensor t, double low, double high, Generator g) {
        return t.uniformInPlace(g, low, high);
    }

    /**
     * N(mean, std²) (torch.nn.init.normal_).
     *
     * @param t the tensor
     * @param mean the mean
     * @param std the standard deviation
     * @param g the randomness
     * @return t
     */
    public static Tensor normal(Tensor t, double mean, double std, Generator g) {
        return t.normalInPlace(g, mean, std);
    }

    /**
     * N(mean, std²) redrawn outside [a, b] (torch.nn.init.trunc_normal_, absolute bounds).
     *
     * @param t the tensor
     * @param mean the mean
     * @param std the standard deviation
     * @param a lower bound
     * @param b upper bound
     * @param g the randomness
     * @return t
     */
    public static Tensor truncatedNormal(Tensor t, double mean, double std, double a, double b, Generator g) {
        return t.truncatedNormalInPlace(g, mean, std, a, b);
    }

    /** @param t the tensor @return t filled with 0 */
    public static Tensor zeros(Tensor t) {
        return t.fillInPlace(0f);
    }

    /** @param t the tensor @return t filled with 1 */
    public static Tensor ones(Tensor t) {
        return t.fillInPlace(1f);
    }

    /**
     * PyTorch's default nn.Linear / nn.Conv2d initialization: kaiming-uniform with a = sqrt(5),
     * which is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), for the weight and for the bias.
     *
     * @param weight [out, in, ...]
     * @param bias [out] or null
     * @param g the randomness
     */
    public static void pytorchDefault(Tensor weight, Tensor bias, Generator g) {
        double bound = 1.0 / Math.sqrt(fans(weight.shape())[0]);
        weight.uniformInPlace(g, -bound, bound);
        if (bias != null) {
            bias.uniformInPlace(g, -bound, bound);
        }
    }
}
