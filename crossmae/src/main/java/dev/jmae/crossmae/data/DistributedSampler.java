package dev.jmae.crossmae.data;

import java.util.function.IntFunction;

/**
 * One rank's share of every epoch (torch.utils.data.DistributedSampler): the ranks take disjoint,
 * interleaved shards of the epoch's global order, padded to equal length.
 *
 * <p>PyTorch's semantics, exactly: with N dataset samples and R ranks, each rank gets
 * {@code numSamples = ceil(N / R)} indices ({@code ceil((N - R) / R)} with {@code dropLast} when
 * R does not divide N); the global order is padded to {@code R · numSamples} by repeating it from
 * its start (wrapping as often as needed) or, with {@code dropLast}, cut to that length; rank r
 * takes positions r, r + R, r + 2R, ... of it.
 *
 * <p>The global order is the single-process loader's: pass {@code loader::order}, the (seed,
 * epoch) permutation of {@link DataLoader#order(int)}. Because rank r takes every R-th position,
 * the union of the ranks' k-th local batches (local batch B / R) is exactly global batch k of a
 * single-process run with batch B, and since a sample's augmentation depends only on (seed,
 * epoch, dataset index), it is augmented identically: a data-parallel run sees the same global
 * batches as one process, up to the padding of the epoch's last batch.
 */
public final class DistributedSampler implements Sampler {

    private final int datasetSize;
    private final int numReplicas;
    private final int rank;
    private final boolean dropLast;
    private final IntFunction<int[]> epochOrder;
    private final int numSamples;

    /**
     * Creates the sampler of one rank.
     *
     * @param datasetSize N, the number of samples
     * @param numReplicas R, the world size
     * @param rank this rank, in [0, R)
     * @param epochOrder the global order of an epoch: a permutation of 0..N-1 per epoch number
     *     (e.g. {@code loader::order}); must give the same order on every rank
     * @param dropLast cut the order to a multiple of R instead of padding it
     * @throws IllegalArgumentException if N or R is not positive, rank is out of range, or
     *     dropLast leaves no sample per rank
     */
    public DistributedSampler(int datasetSize, int numReplicas, int rank, IntFunction<int[]> epochOrder,
                              boolean dropLast) {
        if (datasetSize <= 0 || numReplicas <= 0) {
            throw new IllegalArgumentException(
                    "DistributedSampler: expected a positive dataset size and number of replicas,"
                            + " got " + datasetSize + " and " + numReplicas);
        }
        if (rank < 0 || rank >= numReplicas) {
            throw new IllegalArgumentException(
                    "DistributedSampler: rank must be in [0, " + numReplicas + "), got " + rank);
        }
        if (dropLast && datasetSize < numReplicas) {
            throw new IllegalArgumentException("DistributedSampler: dropLast with " + datasetSize + " samples over "
                    + numReplicas + " ranks leaves no sample per rank; hint: use fewer ranks or dropLast false");
        }
        this.datasetSize = datasetSize;
        this.numReplicas = numReplicas;
        this.rank = rank;
        this.dropLast = dropLast;
        this.epochOrder = epochOrder;
        // PyTorch: ceil((N - R) / R) when dropping and R does not divide N, else ceil(N / R)
        this.numSamples = dropLast && datasetSize % numReplicas != 0
                ? ceilDiv(datasetSize - numReplicas, numReplicas)
                : ceilDiv(datasetSize, numReplicas);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * The number of indices each rank visits per epoch.
     *
     * @return numSamples
     */
    @Override
    public int numSamples() {
        return numSamples;
    }

    /**
     * The total over ranks: numSamples · R (N plus the padding, or N minus what dropLast cut).
     *
     * @return the padded or cut epoch length
     */
    public int totalSize() {
        return numSamples * numReplicas;
    }

    /**
     * How many of this rank's indices are real samples rather than padding: padding (repeats from
     * the order's start) comes last, so indices [0, numRealSamples) are real. For exact
     * evaluation, count only those (torch users drop the duplicates the same way).
     *
     * @return the count, numSamples or fewer
     */
    public int numRealSamples() {
        int real = 0;
        for (int i = 0; i < numSamples; i++) {
            if (rank + (long) i * numReplicas < datasetSize) {
                real++;
            }
        }
        return real;
    }

    /**
     * Which rows of a single-process global batch this rank's local batch holds: global batch k
     * is positions [kB, (k+1)B) of the epoch order, and rank r's k-th local batch of b = B / R
     * holds positions kB + r + jR, j in [0, b). Per-batch randomness drawn for the global batch
     * in one process (masking noise [B, L]) is reproduced on rank r by drawing it whole and
     * taking these rows.
     *
     * @param rank the rank r
     * @param numReplicas R
     * @param localBatch b
     * @return the row indices r, r + R, ..., r + (b - 1)R
     * @throws IllegalArgumentException if rank is out of range or b is not positive
     */
    public static int[] globalBatchRows(int rank, int numReplicas, int localBatch) {
        if (rank < 0 || rank >= numReplicas || localBatch <= 0) {
            throw new IllegalArgumentException("DistributedSampler.globalBatchRows: expected 0 <= rank < " + numReplicas
                    + " and a positive local batch, got rank " + rank + ", local batch " + localBatch);
        }
        int[] rows = new int[localBatch];
        for (int j = 0; j < localBatch; j++) {
            rows[j] = rank + j * numReplicas;
        }
        return rows;
    }

    /**
     * This rank's dataset indices for an epoch, in visiting order.
     *
     * @param epoch the epoch number
     * @return numSamples dataset indices
     * @throws IllegalStateException if the epoch order is not N indices in [0, N)
     */
    @Override
    public int[] indices(int epoch) {
        int[] order = epochOrder.apply(epoch);
        if (order.length != datasetSize) {
            throw new IllegalStateException(
                    "DistributedSampler: the epoch order of epoch " + epoch + " has " + order.length
                            + " indices, expected the dataset size " + datasetSize);
        }
        int[] mine = new int[numSamples];
        for (int i = 0; i < numSamples; i++) {
            // position in the padded order; padding repeats the order from its start
            int position = rank + i * numReplicas;
            int index = order[position % datasetSize];
            if (index < 0 || index >= datasetSize) {
                throw new IllegalStateException(
                        "DistributedSampler: the epoch order of epoch " + epoch + " holds index "
                                + index + ", outside [0, " + datasetSize + ")");
            }
            mine[i] = index;
        }
        return mine;
    }

    /**
     * The identity order (PyTorch's {@code shuffle=False}), for evaluation.
     *
     * @param datasetSize N
     * @return epoch -> 0..N-1
     */
    public static IntFunction<int[]> sequentialOrder(int datasetSize) {
        return epoch -> {
            int[] order = new int[datasetSize];
            for (int i = 0; i < datasetSize; i++) {
                order[i] = i;
            }
            return order;
        };
    }

    @Override
    public String toString() {
        return "DistributedSampler(rank " + rank + " of " + numReplicas + ", " + numSamples + " of " + datasetSize
                + " samples per epoch" + (dropLast ? ", dropLast" : "") + ")";
    }
}
