package dev.jmae.nn.parallel;

import dev.jmae.autograd.GradHooks;
import dev.jmae.autograd.Variable;
import dev.jmae.distributed.HostBuffers;
import dev.jmae.distributed.ProcessGroup;
import dev.jmae.distributed.ReduceOp;
import dev.jmae.distributed.Work;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gradient side of {@link DistributedDataParallel} (PyTorch's {@code Reducer}): buckets,
 * the post-accumulate hooks that fill them, and the end-of-pass step that waits for the
 * all-reduces and writes the averaged gradients back.
 *
 * <p>All of it runs on the thread calling backward, except the all-reduces themselves, which run
 * on the process group's communication thread while backward goes on.
 */
final class Reducer {

    /** One parameter's place in a bucket. */
    private static final class Slot {
        final Parameter param;
        final String name;
        final Bucket bucket;
        final long offset;
        boolean ready;

        Slot(Parameter param, String name, Bucket bucket, long offset) {
            this.param = param;
            this.name = name;
            this.bucket = bucket;
            this.offset = offset;
        }
    }

    /** Gradients all-reduced together: one native float32 buffer. */
    private static final class Bucket {
        final List<Slot> slots = new ArrayList<>();
        MemorySegment buffer;
        long floats;
        int pending;
        Work work;
        long launchNanos;
    }

    private final ProcessGroup group;
    private final boolean findUnusedParameters;
    private final Arena arena = Arena.ofShared();
    private final List<Bucket> buckets = new ArrayList<>();
    private final List<Slot> slots = new ArrayList<>();
    private final Map<Variable, Slot> slotOf = new IdentityHashMap<>();
    private final List<GradHooks.RemovableHandle> handles = new ArrayList<>();
    private final MemorySegment usedMap;

    private boolean sync = true;
    /** The backward pass being reduced (GradHooks.currentPass), or 0 when none is unfinished. */
    private long pass;
    private int nextBucket;
    private long copyNanos;
    private StepStats last;
    private long syncedSteps;

    /**
     * Lays out the buckets and registers one hook per parameter.
     *
     * @param group the process group
     * @param assignment bucket i's parameter indices into params, in bucket order
     * @param params the trainable parameters in bucket order (reverse registration order), unique
     * @param names their keys, same order
     * @param findUnusedParameters whether a parameter may receive no gradient in a pass
     */
    Reducer(ProcessGroup group, List<List<Integer>> assignment, List<Parameter> params, List<String> names,
            boolean findUnusedParameters) {
        this.group = group;
        this.findUnusedParameters = findUnusedParameters;
        for (List<Integer> indices : assignment) {
            Bucket b = new Bucket();
            for (int i : indices) {
                Slot s = new Slot(params.get(i), names.get(i), b, b.floats);
                b.slots.add(s);
                b.floats += params.get(i).numel();
                slots.add(s);
                slotOf.put(s.param, s);
            }
            b.buffer = arena.allocate(4L * Math.max(1, b.floats), 64).asSlice(0, 4L * b.floats);
            buckets.add(b);
        }
        usedMap = findUnusedParameters ? arena.allocate(ValueLayout.JAVA_FLOAT, Math.max(1, slots.size()))
                .asSlice(0, 4L * slots.size()) : null;
        for (Slot s : slots) {
            handles.add(GradHooks.registerPostAccumulateGradHook(s.param, this::onGradReady));
        }
    }

    List<List<String>> bucketNames() {
        List<List<String>> out = new ArrayList<>();
        for (Bucket b : buckets) {
            out.add(b.slots.stream().map(s -> s.name).toList());
        }
        return out;
    }

    boolean sync() {
        return sync;
    }

    void setSync(boolean sync) {
        this.sync = sync;
    }

    StepStats lastStats() {
        return last;
    }

    long syncedSteps() {
        return syncedSteps;
    }

    // ============================================================================ during backward

    /** A parameter's gradient is final for this pass: copy it into its bucket; launch ready buckets in order. */
    private void onGradReady(Variable v) {
        if (!sync) {
            return;
        }
        long now = GradHooks.currentPass();
        if (pass != now) {
            if (pass != 0) {
                throw new IllegalStateException("DistributedDataParallel: an earlier backward pass failed before its"
                        + " gradients were all-reduced, so this rank is out of step with the others; hint: a failed"
                        + " distributed step cannot be retried, restart the run from its last checkpoint");
            }
            startPass(now);
        }
        Slot s = slotOf.get(v);
        long t0 = System.nanoTime();
        HostBuffers.copyIn(s.param.grad(), s.bucket.buffer, s.offset);
        copyNanos += System.nanoTime() - t0;
        s.ready = true;
        s.bucket.pending--;
        launchReadyBuckets();
    }

    private void startPass(long id) {
        pass = id;
        nextBucket = 0;
        copyNanos = 0;
        for (Bucket b : buckets) {
            b.pending = b.slots.size();
            b.work = null;
            b.launchNanos = -1;
        }
        for (Slot s : slots) {
            s.ready = false;
        }
        GradHooks.queueCallback(this::finishPass);
    }

    /**
     * Launches buckets strictly in index order, so every rank issues its all-reduces in the same
     * order whatever order its gradients became ready in (MPI matches collectives by order).
     */
    private void launchReadyBuckets() {
        while (nextBucket < buckets.size() && buckets.get(nextBucket).pending == 0) {
            Bucket b = buckets.get(nextBucket++);
            b.launchNanos = System.nanoTime();
            b.work = group.allReduceAsync(b.buffer, ReduceOp.AVG);
        }
    }

    // ============================================================================ end of the pass

    /** Runs after the engine's last node: reduce what is left, wait, write the averages into the gradients. */
    private void finishPass() {
        long computeEnd = System.nanoTime();
        int launchedDuringBackward = nextBucket;
        for (Slot s : slots) {
            if (s.ready) {
                continue;
            }
            if (!findUnusedParameters) {
                throw new IllegalStateException("DistributedDataParallel: parameter '" + s.name
                        + "' received no gradient"
                        + " in this backward pass, so its bucket cannot be all-reduced (the other ranks are waiting for it);"
                        + " hint: construct DDP with findUnusedParameters, or freeze the parameter (requiresGrad false)");
            }
            // an unused parameter contributes its accumulated gradient (no_sync steps) or zeros
            long t0 = System.nanoTime();
            Tensor g = s.param.grad();
            if (g != null) {
                HostBuffers.copyIn(g, s.bucket.buffer, s.offset);
            } else {
                s.bucket.buffer.asSlice(4 * s.offset, 4L * s.param.numel()).fill((byte) 0);
            }
            copyNanos += System.nanoTime() - t0;
            s.ready = true;
            s.bucket.pending--;
        }
        launchReadyBuckets();
        Work used = null;
        if (findUnusedParameters) {
            for (int i = 0; i < slots.size(); i++) {
                usedMap.setAtIndex(ValueLayout.JAVA_FLOAT, i, slots.get(i).param.grad() != null ? 1f : 0f);
            }
            used = group.allReduceAsync(usedMap, ReduceOp.SUM);
        }
        long waitStart = System.nanoTime();
        for (Bucket b : buckets) {
            b.work.await();
        }
        if (used != null) {
            used.await();
        }
        long waitNanos = System.nanoTime() - waitStart;
        long t0 = System.nanoTime();
        for (int i = 0; i < slots.size(); i++) {
            Slot s = slots.get(i);
            if (used != null && usedMap.getAtIndex(ValueLayout.JAVA_FLOAT, i) == 0f) {
                continue; // no rank has a gradient for it: leave it without one, as PyTorch does
            }
            Tensor g = s.param.grad();
            if (g == null) {
                g = Tensor.zeros(s.param.device(), s.param.shape());
                s.param.setGrad(g);
            }
            HostBuffers.copyOut(s.bucket.buffer, s.offset, g);
        }
        copyNanos += System.nanoTime() - t0;
        last = stats(launchedDuringBackward, computeEnd, waitNanos);
        syncedSteps++;
        pass = 0;
    }

    private StepStats stats(int launchedDuringBackward, long computeEnd, long waitNanos) {
        long total = 0;
        long hidden = 0;
        long bytes = 0;
        long[] launches = new long[buckets.size()];
        for (int i = 0; i < buckets.size(); i++) {
            Bucket b = buckets.get(i);
            long start = b.work.startNanos();
            long end = b.work.endNanos();
            total += end - start;
            hidden += Math.max(0, Math.min(end, computeEnd) - start);
            bytes += 4 * b.floats;
            launches[i] = b.launchNanos;
        }
        return new StepStats(buckets.size(), bytes, launchedDuringBackward, total, hidden, total - hidden, waitNanos,
                copyNanos, launches, computeEnd);
    }

    /** Removes the hooks and frees the buckets. */
    void close() {
        handles.forEach(GradHooks.RemovableHandle::remove);
        handles.clear();
        arena.close();
    }

    /**
     * PyTorch's {@code compute_bucket_assignment_by_size}: walks the tensors in the given order,
     * adding each to the current bucket and closing the bucket once it holds at least its limit;
     * the first bucket's limit is firstCap, every later one's is cap.
     *
     * @param bytes each tensor's size in bytes, in bucket order (reverse registration order)
     * @param firstCap the first bucket's limit in bytes
     * @param cap the other buckets' limit in bytes
     * @return bucket i's tensor positions (indices into bytes)
     */
    static List<List<Integer>> assign(long[] bytes, long firstCap, long cap) {
        List<List<Integer>> out = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        long size = 0;
        long limit = firstCap;
        for (int i = 0; i < bytes.length; i++) {
            current.add(i);
            size += bytes[i];
            if (size >= limit) {
                out.add(current);
                current = new ArrayList<>();
                size = 0;
                limit = cap;
            }
        }
        if (!current.isEmpty()) {
            out.add(current);
        }
        return out;
    }
}
