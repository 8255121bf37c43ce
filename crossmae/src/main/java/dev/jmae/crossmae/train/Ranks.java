package dev.jmae.crossmae.train;

import dev.jmae.crossmae.data.DistributedSampler;
import dev.jmae.distributed.ProcessGroup;
import dev.jmae.distributed.SingleProcessGroup;
import dev.jmae.tensor.Tensor;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Objects;

/**
 * A training run's place in a data-parallel job: the process group, whether this process is the
 * main one that prints and writes (the official {@code util/misc.py}'s {@code is_main_process}),
 * and reductions of the numbers every rank logs ({@code misc.all_reduce_mean}). With one process
 * (a {@link SingleProcessGroup}) every reduction is the identity and costs nothing.
 *
 * <p>Reductions are exact and identical on every rank: each rank's values are gathered as
 * doubles ({@link ProcessGroup#allGatherBytes}) and summed in rank order, so every rank gets the
 * same bits and the logged numbers do not pass through float32. Every reduction is a collective:
 * every rank must call it at the same point of the run.
 */
public final class Ranks {

    private final ProcessGroup group;

    /**
     * Wraps a process group.
     *
     * @param group the run's process group
     */
    public Ranks(ProcessGroup group) {
        this.group = Objects.requireNonNull(group, "group");
    }

    /** @return the ranks of a run in one process (a {@link SingleProcessGroup}) */
    public static Ranks single() {
        return new Ranks(new SingleProcessGroup());
    }

    /** @return the process group */
    public ProcessGroup group() {
        return group;
    }

    /** @return this process's rank */
    public int rank() {
        return group.rank();
    }

    /** @return the number of ranks R */
    public int worldSize() {
        return group.worldSize();
    }

    /** @return whether the run has more than one rank */
    public boolean distributed() {
        return group.worldSize() > 1;
    }

    /** @return whether this is rank 0, the one that prints and writes */
    public boolean isMain() {
        return group.rank() == 0;
    }

    /**
     * Sums values over the ranks, elementwise, in double precision and rank order. Collective.
     *
     * @param values this rank's values
     * @return the sums (a copy of values with one rank)
     * @throws dev.jmae.distributed.DistributedException if the collective fails or the ranks pass
     *     different numbers of values
     */
    public double[] sum(double... values) {
        if (!distributed()) {
            return values.clone();
        }
        ByteBuffer mine = ByteBuffer.allocate(8 * values.length);
        for (double v : values) {
            mine.putDouble(v);
        }
        List<byte[]> all = group.allGatherBytes(mine.array());
        double[] out = new double[values.length];
        for (int r = 0; r < all.size(); r++) {
            if (all.get(r).length != mine.capacity()) {
                throw new dev.jmae.distributed.DistributedException("Ranks.sum: rank " + r + " passed "
                        + all.get(r).length / 8 + " values, this rank (" + rank() + ") " + values.length
                        + "; every rank must reduce the same quantities at the same point");
            }
            ByteBuffer b = ByteBuffer.wrap(all.get(r));
            for (int i = 0; i < values.length; i++) {
                out[i] += b.getDouble();
            }
        }
        return out;
    }

    /**
     * The mean of one value over the ranks (misc.all_reduce_mean). Collective.
     *
     * @param value this rank's value
     * @return the mean over ranks (the value itself with one rank)
     */
    public double mean(double value) {
        return distributed() ? sum(value)[0] / worldSize() : value;
    }

    /**
     * Whether any rank says yes (for a stop request that every rank must act on at the same
     * step). Collective.
     *
     * @param flag this rank's answer
     * @return true if any rank's is true
     */
    public boolean any(boolean flag) {
        return distributed() ? sum(flag ? 1 : 0)[0] > 0 : flag;
    }

    /**
     * This rank's rows of a tensor drawn for the global batch: rows r, r + R, r + 2R, ...
     * ({@link DistributedSampler#globalBatchRows}), which is how a rank reproduces per-batch
     * randomness (masking noise) of a single-process run.
     *
     * @param global [R·b, ...] on the host, drawn for the whole global batch
     * @return [b, ...], a new contiguous tensor on the host (the input itself with one rank)
     * @throws IllegalArgumentException if the first dimension is not a multiple of R
     */
    public Tensor localRows(Tensor global) {
        int world = worldSize();
        if (world == 1) {
            return global;
        }
        int[] shape = global.shape();
        if (shape.length == 0 || shape[0] % world != 0) {
            throw new IllegalArgumentException(
                    "Ranks.localRows: the global batch's first dimension must be a multiple of"
                            + " the world size " + world + ", got shape " + java.util.Arrays.toString(shape));
        }
        int local = shape[0] / world;
        // row r + jR of [R·b, ...] is [j, r] of the view [b, R, ...]
        int[] view = new int[shape.length + 1];
        view[0] = local;
        view[1] = world;
        System.arraycopy(shape, 1, view, 2, shape.length - 1);
        return global.reshape(view).select(1, rank()).contiguous();
    }
}
