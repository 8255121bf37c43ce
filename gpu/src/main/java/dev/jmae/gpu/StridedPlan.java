package dev.jmae.gpu;

import dev.jmae.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * The launch description of up to {@link #MAX_OPS} same-shape strided operands: size-1 dims
 * dropped and neighbouring dims merged wherever every operand is laid out contiguously across
 * them (like {@link dev.jmae.tensor.StridedLoop}), then packed into the {@code Strided} struct of
 * {@code kernels/common.h}. Plans of more than {@link #MAX_RANK} merged dims are split on the host into
 * one launch per index of the leading dims, so any rank works.
 */
final class StridedPlan {

    /** Dims per struct; must match MAX_RANK in kernels/common.h. */
    static final int MAX_RANK = 8;
    /** Operands per struct; must match MAX_OPS in kernels/common.h. */
    static final int MAX_OPS = 4;

    private final int[] shape;
    private final int[][] strides;
    private final int[] offsets;
    private final int numel;

    private StridedPlan(int[] shape, int[][] strides, int[] offsets) {
        this.shape = shape;
        this.strides = strides;
        this.offsets = offsets;
        long n = 1;
        for (int s : shape) {
            n *= s;
        }
        this.numel = (int) n;
    }

    /**
     * Plans the operands' common iteration.
     *
     * @param shape the common shape
     * @param operands the tensors, each of that shape (broadcast ones as expanded views)
     * @return the plan
     */
    static StridedPlan of(int[] shape, Tensor... operands) {
        int[][] st = new int[operands.length][];
        int[] off = new int[operands.length];
        for (int i = 0; i < operands.length; i++) {
            st[i] = operands[i].strides();
            off[i] = operands[i].offset();
        }
        return of(shape, st, off);
    }

    /**
     * Plans from raw strides and offsets.
     *
     * @param shape the common shape
     * @param strides strides[k] are operand k's strides, one per dim
     * @param offsets offsets[k] is operand k's first element
     * @return the plan
     */
    static StridedPlan of(int[] shape, int[][] strides, int[] offsets) {
        int n = strides.length;
        if (n > MAX_OPS) {
            throw new IllegalArgumentException("StridedPlan: at most " + MAX_OPS + " operands, got " + n);
        }
        for (int s : shape) {
            if (s == 0) {
                return new StridedPlan(new int[] {0}, new int[n][1], offsets.clone());
            }
        }
        // Merge from the innermost dim outwards; cShape/cStrides are built innermost-first.
        int[] cShape = new int[shape.length];
        int[][] cStrides = new int[n][shape.length];
        int c = -1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] == 1) {
                continue;
            }
            boolean merge = c >= 0;
            for (int k = 0; k < n && merge; k++) {
                merge = (long) strides[k][d] == (long) cStrides[k][c] * cShape[c];
            }
            if (merge) {
                cShape[c] *= shape[d];
            } else {
                c++;
                cShape[c] = shape[d];
                for (int k = 0; k < n; k++) {
                    cStrides[k][c] = strides[k][d];
                }
            }
        }
        int rank = c + 1;
        int[] s = new int[rank];
        int[][] st = new int[n][rank];
        for (int g = 0; g < rank; g++) {
            s[rank - 1 - g] = cShape[g];
            for (int k = 0; k < n; k++) {
                st[k][rank - 1 - g] = cStrides[k][g];
            }
        }
        return new StridedPlan(s, st, offsets.clone());
    }

    /** @return the number of elements */
    int numel() {
        return numel;
    }

    /** @return the number of merged dims (0 for a single element) */
    int rank() {
        return shape.length;
    }

    /** @return the merged sizes, outermost first (a copy) */
    int[] shape() {
        return shape.clone();
    }

    /**
     * @param op operand index
     * @return the operand's merged strides (a copy)
     */
    int[] strides(int op) {
        return strides[op].clone();
    }

    /**
     * @param op operand index
     * @return the operand's first element
     */
    int offset(int op) {
        return offsets[op];
    }

    /**
     * Whether an operand is dense and in row-major order, so its elements are offset(op) + i.
     *
     * @param op operand index
     * @return true if contiguous
     */
    boolean isContiguous(int op) {
        return shape.length == 0 || (shape.length == 1 && strides[op][0] == 1);
    }

    /**
     * The structs to pass, one per launch: a single one unless the rank exceeds {@link #MAX_RANK},
     * in which case each index of the leading dims gets its own launch.
     *
     * @return the packed structs (46 ints each: rank, numel, size[8], stride[4][8], offset[4])
     */
    List<int[]> structs() {
        List<int[]> out = new ArrayList<>();
        int lead = Math.max(0, shape.length - MAX_RANK);
        int launches = 1;
        for (int d = 0; d < lead; d++) {
            launches *= shape[d];
        }
        int[] index = new int[lead];
        for (int l = 0; l < launches; l++) {
            int[] off = offsets.clone();
            for (int d = 0; d < lead; d++) {
                for (int k = 0; k < strides.length; k++) {
                    off[k] += index[d] * strides[k][d];
                }
            }
            out.add(pack(lead, off));
            for (int d = lead - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return out;
    }

    /**
     * The single struct of a plan of at most {@link #MAX_RANK} dims.
     *
     * @return the packed struct
     * @throws IllegalStateException if the plan needs several launches
     */
    int[] struct() {
        if (shape.length > MAX_RANK) {
            throw new IllegalStateException("StridedPlan: " + shape.length + " merged dims exceed " + MAX_RANK);
        }
        return pack(0, offsets);
    }

    private int[] pack(int from, int[] off) {
        int rank = shape.length - from;
        int[] s = new int[2 + MAX_RANK + MAX_OPS * MAX_RANK + MAX_OPS];
        s[0] = rank;
        long n = 1;
        for (int d = 0; d < rank; d++) {
            s[2 + d] = shape[from + d];
            n *= shape[from + d];
            for (int k = 0; k < strides.length; k++) {
                s[2 + MAX_RANK + k * MAX_RANK + d] = strides[k][from + d];
            }
        }
        s[1] = (int) n;
        for (int k = 0; k < off.length; k++) {
            s[2 + MAX_RANK + MAX_OPS * MAX_RANK + k] = off[k];
        }
        return s;
    }
}
