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
     * Maps a possibly negative dimension index (-1 is the last) into [0, ndim).
     *
     * @param op the operation name, for the error message
     * @param dim the dimension, in [-ndim, ndim)
     * @param ndim the number of dimensions
     * @return the normalized dimension
     * @throws IllegalArgumentException if dim is out of range
     */
    public static int normalizeDim(String op, int dim, int ndim) {
        int d = dim < 0 ? dim + ndim : dim;
        if (d < 0 || d >= ndim) {
            throw new IllegalArgumentException(op + ": dim " + dim + " is out of range for a tensor with "
                    + ndim + " dimensions (expected " + (-ndim) + " to " + (ndim - 1) + ")");
        }
        return d;
    }

    /**
     * Normalizes a list of dimensions, rejecting duplicates.
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
                throw new IllegalArgumentException(op + ": dim " + out[i] + " appears more than once in "
                        + Arrays.toString(dims));
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
