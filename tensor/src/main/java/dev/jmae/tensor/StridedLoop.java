package dev.jmae.tensor;

/**
 * An iteration plan over the elements of several same-shape strided operands, for backend
 * implementers: dimensions of size 1 are dropped and adjacent dimensions that are laid out
 * contiguously in every operand are merged, then the elements are visited as rows of the last
 * (merged) dimension.
 *
 * <p>Example: a contiguous [64, 50, 768] tensor plus a bias expanded from [768] collapses to
 * 3200 rows of 768 elements, with inner strides 1 (tensor) and 1 (bias), outer strides 768 and 0.
 */
public final class StridedLoop {

    /** The work for one row: operand i's row starts at {@code offsets[i]} and advances by {@code innerStrides[i]}. */
    @FunctionalInterface
    public interface Row {
        /**
         * Processes one row.
         *
         * @param offsets starting element index of each operand in its storage (a scratch array,
         *     valid only during the call)
         * @param length number of elements in the row
         * @param innerStrides per-operand element stride along the row
         */
        void run(int[] offsets, int length, int[] innerStrides);
    }

    private final int[] outerShape;
    private final int[][] outerStrides;
    private final int[] baseOffsets;
    private final int rowLength;
    private final int[] innerStrides;
    private final int rows;

    private StridedLoop(int[] outerShape, int[][] outerStrides, int[] baseOffsets, int rowLength, int[] innerStrides) {
        this.outerShape = outerShape;
        this.outerStrides = outerStrides;
        this.baseOffsets = baseOffsets;
        this.rowLength = rowLength;
        this.innerStrides = innerStrides;
        int r = 1;
        for (int s : outerShape) {
            r *= s;
        }
        this.rows = rowLength == 0 ? 0 : r;
    }

    /**
     * Plans a loop over operands that all have {@code shape}.
     *
     * @param shape the common shape (broadcast operands are expanded views with stride 0)
     * @param operands the tensors, each of that shape
     * @return the plan
     */
    public static StridedLoop of(int[] shape, Tensor... operands) {
        int[][] strides = new int[operands.length][];
        int[] offsets = new int[operands.length];
        for (int i = 0; i < operands.length; i++) {
            strides[i] = operands[i].strides();
            offsets[i] = operands[i].offset();
        }
        return of(shape, strides, offsets);
    }

    /**
     * Plans a loop from raw strides and offsets.
     *
     * @param shape the common shape
     * @param strides strides[i] are operand i's strides, one per dimension of shape
     * @param offsets offsets[i] is operand i's starting element index
     * @return the plan
     */
    public static StridedLoop of(int[] shape, int[][] strides, int[] offsets) {
        int n = strides.length;
        int[] dims = new int[shape.length];
        int kept = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] == 0) {
                return new StridedLoop(new int[0], new int[n][0], offsets.clone(), 0, new int[n]);
            }
            if (shape[d] != 1) {
                dims[kept++] = d;
            }
        }
        // Merge from the right: dimension d folds into the current group when, for every
        // operand, stride[d] == stride[inner] * size[inner].
        int[] cShape = new int[kept];
        int[][] cStrides = new int[n][kept];
        int c = -1;
        for (int i = kept - 1; i >= 0; i--) {
            int d = dims[i];
            boolean merge = c >= 0;
            for (int op = 0; op < n && merge; op++) {
                merge = strides[op][d] == cStrides[op][c] * cShape[c];
            }
            if (merge) {
                cShape[c] *= shape[d];
            } else {
                c++;
                cShape[c] = shape[d];
                for (int op = 0; op < n; op++) {
                    cStrides[op][c] = strides[op][d];
                }
            }
        }
        int groups = c + 1;
        if (groups == 0) {
            return new StridedLoop(new int[0], new int[n][0], offsets.clone(), 1, new int[n]);
        }
        // cShape/cStrides are innermost-first; split off the innermost group as the row.
        int[] outer = new int[groups - 1];
        int[][] outerStrides = new int[n][groups - 1];
        for (int g = 1; g < groups; g++) {
            outer[groups - 1 - g] = cShape[g];
            for (int op = 0; op < n; op++) {
                outerStrides[op][groups - 1 - g] = cStrides[op][g];
            }
        }
        int[] inner = new int[n];
        for (int op = 0; op < n; op++) {
            inner[op] = cStrides[op][0];
        }
        return new StridedLoop(outer, outerStrides, offsets.clone(), cShape[0], inner);
    }

    /**
     * The number of rows.
     *
     * @return rows to visit (0 for an empty tensor)
     */
    public int rows() {
        return rows;
    }

    /**
     * The number of elements per row.
     *
     * @return the row length
     */
    public int rowLength() {
        return rowLength;
    }

    /**
     * Per-operand element strides along a row.
     *
     * @return a copy of the inner strides
     */
    public int[] innerStrides() {
        return innerStrides.clone();
    }

    /**
     * Visits rows {@code start} (inclusive) to {@code end} (exclusive) in row-major order.
     * Different ranges may run concurrently.
     *
     * @param start first row
     * @param end one past the last row
     * @param row the work for each row
     */
    public void forRows(int start, int end, Row row) {
        if (start >= end) {
            return;
        }
        int n = baseOffsets.length;
        int nd = outerShape.length;
        int[] index = new int[nd];
        int rem = start;
        for (int d = nd - 1; d >= 0; d--) {
            index[d] = rem % outerShape[d];
            rem /= outerShape[d];
        }
        int[] offsets = new int[n];
        int[] scratch = new int[n];
        for (int op = 0; op < n; op++) {
            int o = baseOffsets[op];
            for (int d = 0; d < nd; d++) {
                o += index[d] * outerStrides[op][d];
            }
            offsets[op] = o;
        }
        int[] inner = innerStrides.clone();
        for (int r = start; r < end; r++) {
            System.arraycopy(offsets, 0, scratch, 0, n);
            row.run(scratch, rowLength, inner);
            for (int d = nd - 1; d >= 0; d--) {
                index[d]++;
                for (int op = 0; op < n; op++) {
                    offsets[op] += outerStrides[op][d];
                }
                if (index[d] < outerShape[d]) {
                    break;
                }
                for (int op = 0; op < n; op++) {
                    offsets[op] -= outerStrides[op][d] * outerShape[d];
                }
                index[d] = 0;
            }
        }
    }
}
