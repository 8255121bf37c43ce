package dev.jmae.tensor.testing;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;

import java.util.SplittableRandom;

/**
 * Seeded test inputs shared by every module's tests: normal values with outliers, and the same
 * logical tensor built on several devices and in several memory layouts.
 */
public final class TestData {

    private TestData() {
    }

    /**
     * Values uniform in [-1, 1), for tests that compare two kernels bit for bit and need no
     * outliers.
     *
     * @param rnd the randomness
     * @param n how many
     * @return the values
     */
    public static float[] uniform(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextDouble(-1.0, 1.0);
        }
        return v;
    }

    /**
     * N(0, 1) values where about 1% are multiplied by 100 (outliers that stress accumulation and
     * the max-subtraction of softmax).
     *
     * @param g the randomness
     * @param n how many
     * @return the values
     */
    public static float[] withOutliers(Generator g, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double x = g.nextGaussian();
            if (g.nextDouble() < 0.01) {
                x *= 100;
            }
            v[i] = (float) x;
        }
        return v;
    }

    /**
     * N(mean, std²) values.
     *
     * @param g the randomness
     * @param n how many
     * @param mean mean
     * @param std standard deviation
     * @return the values
     */
    public static float[] normal(Generator g, int n, double mean, double std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (mean + std * g.nextGaussian());
        }
        return v;
    }

    /** How a logical tensor is laid out in memory. */
    public enum Layout {
        /** Dense row-major. */
        CONTIGUOUS,
        /** Stored with its last two dims swapped, then viewed back with transpose (column-major inner block). */
        TRANSPOSED,
        /** A narrow slice of a larger buffer along every dim (row strides larger than the row). */
        NARROWED,
        /** Dims permuted in storage (reversed), viewed back with permute. */
        PERMUTED
    }

    /**
     * A tensor with the given logical values and shape, on a device, laid out as asked.
     *
     * @param device where
     * @param values row-major logical values
     * @param shape logical shape
     * @param layout memory layout
     * @return the tensor; {@code toArray()} returns values
     */
    public static Tensor make(Device device, float[] values, int[] shape, Layout layout) {
        Tensor base = Tensor.of(device, values, shape);
        int nd = shape.length;
        switch (layout) {
            case CONTIGUOUS:
                return base;
            case TRANSPOSED: {
                if (nd < 2) {
                    return base;
                }
                Tensor stored = base.transpose(nd - 2, nd - 1).contiguous();
                return stored.transpose(nd - 2, nd - 1);
            }
            case PERMUTED: {
                int[] rev = new int[nd];
                for (int i = 0; i < nd; i++) {
                    rev[i] = nd - 1 - i;
                }
                return base.permute(rev).contiguous().permute(rev);
            }
            case NARROWED: {
                int[] big = shape.clone();
                for (int i = 0; i < nd; i++) {
                    big[i] = shape[i] + 3;
                }
                Tensor buffer = Tensor.full(device, Float.NaN, big);
                Tensor view = buffer;
                for (int i = 0; i < nd; i++) {
                    view = view.narrow(i, 1, shape[i]);
                }
                view.copyInPlace(base);
                return view;
            }
            default:
                throw new IllegalArgumentException(layout.toString());
        }
    }

    /**
     * The number of elements of a shape.
     *
     * @param shape the shape
     * @return numel
     */
    public static int numel(int... shape) {
        return Shape.numel(shape);
    }
}
