package dev.jmae.distributed;

import dev.jmae.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * A group of processes (ranks) that run collectives together: torch.distributed's process group,
 * with its names ({@code all_reduce}, {@code broadcast}, {@code all_gather}, {@code barrier},
 * {@code broadcast_object_list}, {@code all_gather_object}) in camelCase.
 *
 * <p>Ordering: every rank must issue the same collectives in the same order (as in MPI and
 * torch.distributed). Collectives run one at a time, in the order they were submitted, on the
 * group's communication thread; the {@code ...Async} forms return at once with a {@link Work},
 * so a caller can compute while a collective runs (what {@code DistributedDataParallel} does
 * during backward). A collective that waits longer than the group's timeout fails with a
 * {@link DistributedException} instead of hanging, and the group is unusable afterwards.
 *
 * <p>Tensors are float32 on any device; their values go through host memory (a native segment)
 * for the collective. Collectives are in place: the tensor passed in receives the result.
 *
 * <p>Implementations: {@link MpiProcessGroup} (Open MPI through the FFM API) and
 * {@link SingleProcessGroup} (world size 1, every collective an identity). Create one with
 * {@link ProcessGroups#init(String, java.time.Duration)}.
 */
public interface ProcessGroup extends AutoCloseable {

    /**
     * This process's index in the group.
     *
     * @return the rank, in [0, worldSize)
     */
    int rank();

    /**
     * The number of processes in the group.
     *
     * @return the world size, at least 1
     */
    int worldSize();

    /**
     * The backend's name.
     *
     * @return {@code mpi} or {@code single}
     */
    String backend();

    /**
     * Starts an in-place all-reduce of a tensor: afterwards every rank holds op over all ranks'
     * values, elementwise (torch.distributed.all_reduce(async_op=True)). The sum's order is the
     * backend's (for MPI on 2 ranks, a0 + a1 on both ranks, so both get the same bits).
     *
     * @param tensor the values, any shape, same shape on every rank; overwritten at {@link Work#await()}
     * @param op how to combine
     * @return the running collective; await it before using the tensor
     * @throws IllegalStateException if the group is closed
     * @throws DistributedException if the group is broken by an earlier failure
     */
    Work allReduceAsync(Tensor tensor, ReduceOp op);

    /**
     * All-reduces a tensor in place and waits (torch.distributed.all_reduce).
     *
     * @param tensor the values, same shape on every rank; overwritten with the result
     * @param op how to combine
     * @throws DistributedException if the collective fails
     */
    default void allReduce(Tensor tensor, ReduceOp op) {
        allReduceAsync(tensor, op).await();
    }

    /**
     * Starts an in-place all-reduce of float32 values in native memory, with no copy (the form
     * {@code DistributedDataParallel} uses for its gradient buckets).
     *
     * @param buffer a native segment of float32 values (byte size a multiple of 4, at most
     *     2^31 - 1 values); must stay alive and untouched until the work completes
     * @param op how to combine
     * @return the running collective
     * @throws IllegalArgumentException if the segment is on the heap or its size is not whole floats
     */
    Work allReduceAsync(MemorySegment buffer, ReduceOp op);

    /**
     * Starts a broadcast: afterwards every rank holds the root's values
     * (torch.distributed.broadcast(async_op=True)).
     *
     * @param tensor the root's values on the root; overwritten at {@link Work#await()} elsewhere;
     *     same shape on every rank
     * @param root the rank whose values are sent
     * @return the running collective
     * @throws IllegalArgumentException if root is not in [0, worldSize)
     */
    Work broadcastAsync(Tensor tensor, int root);

    /**
     * Broadcasts a tensor in place and waits (torch.distributed.broadcast).
     *
     * @param tensor the root's values on the root, overwritten elsewhere
     * @param root the sending rank
     * @throws IllegalArgumentException if root is not in [0, worldSize)
     * @throws DistributedException if the collective fails
     */
    default void broadcast(Tensor tensor, int root) {
        broadcastAsync(tensor, root).await();
    }

    /**
     * Starts a broadcast of float32 values in native memory, in place.
     *
     * @param buffer a native segment of float32 values, same size on every rank
     * @param root the sending rank
     * @return the running collective
     * @throws IllegalArgumentException if root is out of range or the segment unusable
     */
    Work broadcastAsync(MemorySegment buffer, int root);

    /**
     * Gathers every rank's tensor on every rank (torch.distributed.all_gather_into_tensor, with
     * a new rank dimension in front). Shapes are checked first: ranks holding different shapes
     * all fail with a message listing them.
     *
     * @param tensor this rank's values, same shape S on every rank (at most 8 dims)
     * @return a new tensor [worldSize, ...S] on the input's device; row r is rank r's tensor
     * @throws DistributedException if the shapes differ across ranks or the collective fails
     */
    Tensor allGather(Tensor tensor);

    /**
     * Waits until every rank has entered the barrier (torch.distributed.barrier).
     *
     * @throws DistributedException if the collective fails
     */
    void barrier();

    /**
     * Broadcasts bytes of any length from the root (torch.distributed.broadcast_object_list for
     * serialized objects).
     *
     * @param data the bytes on the root; ignored (may be null) elsewhere
     * @param root the sending rank
     * @return the root's bytes, on every rank (a copy on the root)
     * @throws IllegalArgumentException if root is out of range, or data is null on the root
     * @throws DistributedException if the collective fails
     */
    byte[] broadcastBytes(byte[] data, int root);

    /**
     * Gathers every rank's bytes, of any lengths, on every rank (torch.distributed.all_gather_object
     * for serialized objects).
     *
     * @param data this rank's bytes
     * @return worldSize arrays; element r is rank r's bytes
     * @throws DistributedException if the collective fails
     */
    List<byte[]> allGatherBytes(byte[] data);

    /**
     * Finishes the group (for MPI: {@code MPI_Finalize}, which every rank must reach). Idempotent.
     * A group broken by a failure is closed without finalizing, so the process exits as a failed
     * rank and the launcher ends the job.
     */
    @Override
    void close();
}
