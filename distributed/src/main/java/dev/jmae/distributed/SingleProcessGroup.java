package dev.jmae.distributed;

import dev.jmae.tensor.Tensor;

import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * The process group of a run that is not distributed: world size 1, rank 0, every collective an
 * identity that completes at once (all-reduce of any op returns the input bits, AVG divides by 1).
 * Arguments are checked as {@link MpiProcessGroup} checks them, so code tested with one process
 * fails the same way with more.
 */
public final class SingleProcessGroup implements ProcessGroup {

    private volatile boolean closed;

    /** Creates the group. */
    public SingleProcessGroup() {
    }

    @Override
    public int rank() {
        return 0;
    }

    @Override
    public int worldSize() {
        return 1;
    }

    @Override
    public String backend() {
        return "single";
    }

    @Override
    public Work allReduceAsync(Tensor tensor, ReduceOp op) {
        checkOpen("allReduce");
        tensor.storage().checkLive();
        return CompletedWork.now();
    }

    @Override
    public Work allReduceAsync(MemorySegment buffer, ReduceOp op) {
        checkOpen("allReduce");
        HostBuffers.floatCount("allReduce", buffer);
        return CompletedWork.now();
    }

    @Override
    public Work broadcastAsync(Tensor tensor, int root) {
        checkOpen("broadcast");
        Collectives.checkRoot("broadcast", root, 1);
        return CompletedWork.now();
    }

    @Override
    public Work broadcastAsync(MemorySegment buffer, int root) {
        checkOpen("broadcast");
        Collectives.checkRoot("broadcast", root, 1);
        HostBuffers.floatCount("broadcast", buffer);
        return CompletedWork.now();
    }

    @Override
    public Tensor allGather(Tensor tensor) {
        checkOpen("allGather");
        Collectives.checkGatherShape(tensor);
        return tensor.copy().unsqueeze(0);
    }

    @Override
    public void barrier() {
        checkOpen("barrier");
    }

    @Override
    public byte[] broadcastBytes(byte[] data, int root) {
        checkOpen("broadcastBytes");
        Collectives.checkRoot("broadcastBytes", root, 1);
        if (data == null) {
            throw new IllegalArgumentException("broadcastBytes: the root (rank 0) must pass data, got null");
        }
        return data.clone();
    }

    @Override
    public List<byte[]> allGatherBytes(byte[] data) {
        checkOpen("allGatherBytes");
        return List.of(data.clone());
    }

    @Override
    public void close() {
        closed = true;
    }

    private void checkOpen(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": the process group was closed");
        }
    }

    @Override
    public String toString() {
        return "SingleProcessGroup(rank 0 of 1)";
    }
}
