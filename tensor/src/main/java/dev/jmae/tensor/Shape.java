package dev.jmae.tensor;

import java.util.Arrays;

/**
 * Shape arithmetic shared by the tensor API and the backends: element counts, contiguous
 * strides, PyTorch broadcasting, dimension normalization and formatting.
 *
 * <p>Shapes are {@code int[]} with one entry per dimension (0-d tensors have an empty shape and
 * one element). Every method is pure and never keeps the arrays it is given.
 */
public final class Shape {

    private Shape() {
    }

    /**
     * The number of elements of a tensor of this shape (1 for a 0-d shape).
     *
     * @param shape the shape
     * @return the product of the sizes
     * @throws IllegalArgumentException if a size is negative or the product exceeds
     *     {@link Integer#MAX_VALUE}
     */
    public static int numel(int[] shape) {
        long n = 1;
        for (int s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative size in shape " + format(shape));
            }
            n *= s;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + format(shape) + " has more than 2^31-1 elements");
            }
        }
        return (int) n;
    }

    /**
     * Row-major (C order) strides for a shape: the last dimension has stride 1.
     *
     * @param shape the shape
     * @return strides in elements
     */
    public static int[] contiguousStrides(int[] shape) {
        int[] strides = new int[shape.length];
        int s = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            strides[d] = s;
            s *= Math.max(shape[d], 1);
        }
        return strides;
    }

    /**
     * The PyTorch broadcast of two shapes: aligned from the right, each pair of sizes must be
     * equal or one of them 1.
     *
     * @param op the operation name, for the error message
     * @param a first shape
     * @param b second shape
     * @return the broadcast shape
     * @throws IllegalArgumentException if the shapes cannot be broadcast, naming the op and both
     *     shapes
     */
    public static int[] broadcast(String op, int[] a, int[] b) {
        int n = Math.max(a.length, b.length);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            int da = i - (n - a.length);
            int db = i - (n - b.length);
            int sa = da >= 0 ? a[da] : 1;
            int sb = db >= 0 ? b[db] : 1;
            if (sa != sb && sa != 1 && sb != 1) {
                throw new IllegalArgumentException(op + ": shapes " + format(a) + " and " + format(b)
                        + " cannot be broadcast (dimension " + i + ": " + sa + " vs " + sb + ")");
            }
            out[i] = sa == 1 ? sb : sa;
        }
        return out;
    }

    /**
     * The dimension rule of every op that takes a dim (PyTorch's {@code maybe_wrap_dim}): a dim
     * in [-ndim, ndim) is valid and a negative one counts from the end (-1 is the last). Tensor
     * and autograd ops both call this, so they accept and refuse the same dims. A 0-d tensor has
     * no valid dim here; ops that treat it as 1-d use the {@code wrapScalar} overload.
     *
     * @param op the operation name, for the error message
     * @param dim the dimension, in [-ndim, ndim)
     * @param ndim the number of dimensions
     * @return the normalized dimension, in [0, ndim)
     * @throws IllegalArgumentException if dim is out of range, naming the op, the dim and the
     *     valid range
     */
    public static int normalizeDim(String op, int dim, int ndim) {
        return wrapDim(op, dim, ndim, "a " + ndim + "-d tensor");
    }

    /**
     * {@link #normalizeDim} for ops that treat a 0-d input as 1-d (PyTorch's {@code wrap_scalar}:
     * softmax, argsort, flatten): with {@code wrapScalar} and ndim 0, dims 0 and -1 are valid and
     * both give 0.
     *
     * @param op the operation name, for the error message
     * @param dim the dimension
     * @param ndim the number of dimensions
     * @param wrapScalar whether a 0-d input counts as 1-d
     * @return the normalized dimension
     * @throws IllegalArgumentException if dim is out of range, naming the op, the dim and the
     *     valid range
     */
    public static int normalizeDim(String op, int dim, int ndim, boolean wrapScalar) {
        if (wrapScalar && ndim == 0) {
            return wrapDim(op, dim, 1, "a 0-d tensor, treated as 1-d");
        }
        return normalizeDim(op, dim, ndim);
    }

    /**
     * The dimension rule of ops that insert a dim (unsqueeze, stack): the new dim's position in
     * the result, in [-(ndim+1), ndim+1); a negative one counts from the end of the result.
     *
     * @param op the operation name, for the error message
     * @param dim the position of the new dimension, in [-(ndim+1), ndim+1)
     * @param ndim the number of dimensions before the insertion
     * @return the normalized position, in [0, ndim]
     * @throws IllegalArgumentException if dim is out of range, naming the op, the dim and the
     *     valid range
     */
    public static int normalizeNewDim(String op, int dim, int ndim) {
        return wrapDim(op, dim, ndim + 1, "a new dim of a " + ndim + "-d tensor");
    }

    private static int wrapDim(String op, int dim, int range, String what) {
        int d = dim < 0 ? dim + range : dim;
        if (d < 0 || d >= range) {
            String expected = range == 0 ? "no dim" : "dim in [" + (-range) + ", " + (range - 1) + "]";
            throw new IllegalArgumentException(op + ": expected " + expected + " (" + what + "), got " + dim);
        }
        return d;
    }

    /**
     * Normalizes a list of dimensions with {@link #normalizeDim}, rejecting duplicates.
     *
     * @param op the operation name, for the error message
     * @param dims dimensions, each in [-ndim, ndim)
     * @param ndim the number of dimensions
     * @return a sorted array of distinct normalized dimensions
     * @throws IllegalArgumentException if a dim is out of range or repeated
     */
    public static int[] normalizeDims(String op, int[] dims, int ndim) {
        int[] out = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = normalizeDim(op, dims[i], ndim);
        }
        Arrays.sort(out);
        for (int i = 1; i < out.length; i++) {
            if (out[i] == out[i - 1]) {
                throw new IllegalArgumentException(op + ": expected distinct dims, got " + Arrays.toString(dims)
                        + " (dim " + out[i] + " more than once)");
            }
        }
        return out;
    }

    /**
     * Formats a shape as {@code [2, 3, 4]}.
     *
     * @param shape the shape
     * @return the text
     */
    public static String format(int[] shape) {
        return Arrays.toString(shape);
    }

    /**
     * Whether a tensor with these shape and strides is row-major contiguous (size-1 dimensions
     * may have any stride).
     *
     * @param shape the shape
     * @param strides the strides
     * @return true if elements are laid out densely in row-major order
     */
    public static boolean isContiguous(int[] shape, int[] strides) {
        int expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 1) {
                continue;
            }
            if (strides[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /**
     * The shape with the dimensions in {@code dims} set to 1 (the keepDim layout of a reduction).
     *
     * @param shape the input shape
     * @param dims normalized dimensions to reduce
     * @return the reduced shape, same rank
     */
    public static int[] reducedKeepDim(int[] shape, int[] dims) {
        int[] out = shape.clone();
        for (int d : dims) {
            out[d] = 1;
        }
        return out;
    }

    /**
     * The shape without the dimensions in {@code dims}.
     *
     * @param shape the input shape
     * @param dims sorted normalized dimensions to drop
     * @return the shape of lower rank
     */
    public static int[] drop(int[] shape, int[] dims) {
        int[] out = new int[shape.length - dims.length];
        int j = 0;
        int k = 0;
        for (int d = 0; d < shape.length; d++) {
            if (k < dims.length && dims[k] == d) {
                k++;
            } else {
                out[j++] = shape[d];
            }
        }
        return out;
    }
}
