package dev.jmae.nn.parallel;

import dev.jmae.distributed.DistributedException;
import dev.jmae.distributed.HostBuffers;
import dev.jmae.distributed.ProcessGroup;
import dev.jmae.distributed.Work;
import dev.jmae.nn.Module;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Data-parallel training of one module across the ranks of a process group
 * (torch.nn.parallel.DistributedDataParallel): every rank holds a replica, runs forward and
 * backward on its own share of the batch, and after backward every replica's gradients are the
 * average over ranks, so an optimizer step keeps the replicas identical.
 *
 * <p>How (PyTorch's design):
 * <ul>
 *   <li>Construction checks that every rank has the same parameter names and shapes, then
 *       broadcasts every parameter and buffer from rank 0, so replicas start equal whatever
 *       each rank's initialization was.</li>
 *   <li>The trainable parameters are grouped into buckets in reverse registration order (roughly
 *       the order backward produces their gradients): the first bucket closes at
 *       {@code firstBucketCapBytes} (1 MiB, so communication starts early), the others at
 *       {@code bucketCapBytes} (25 MiB). Each bucket owns a native float32 buffer.</li>
 *   <li>A post-accumulate gradient hook ({@link dev.jmae.autograd.GradHooks}) copies each
 *       gradient into its bucket the moment backward has finished it; a full bucket is
 *       all-reduced (average) on the process group's communication thread while backward
 *       continues. Buckets are launched in index order on every rank.</li>
 *   <li>When backward's last node has run, an end-of-pass callback waits for the buckets and
 *       copies the averages into each parameter's {@code grad()}, so {@code loss.backward()}
 *       returns with synchronized gradients.</li>
 *   <li>{@link #noSync()}: backward passes inside the scope do not communicate; gradients
 *       accumulate locally, and the next synchronized backward reduces the accumulated sums.</li>
 * </ul>
 *
 * <p>Loss scaling: each rank's loss is the mean over its local batch, and the gradients are
 * averaged over ranks, so with equal local batches the result is the gradient of the mean over
 * the global batch (local batch × world size), as in a single process.
 *
 * <p>Usage: {@code ddp.module()} runs forward as usual; frozen parameters are not reduced; one
 * backward per forward. {@link #lastStepStats()} reports the step's communication and overlap.
 *
 * @param <M> the module's type
 */
public final class DistributedDataParallel<M extends Module> implements AutoCloseable {

    /**
     * Settings (PyTorch's constructor arguments).
     *
     * @param bucketCapBytes the size at which a bucket closes ({@code bucket_cap_mb}, 25 MiB)
     * @param firstBucketCapBytes the first bucket's ({@code _DEFAULT_FIRST_BUCKET_BYTES}, 1 MiB)
     * @param findUnusedParameters allow parameters that receive no gradient in a pass (they
     *     contribute zeros; one extra small all-reduce per step tells which no rank used)
     * @param broadcastState broadcast parameters and buffers from rank 0 at construction
     */
    public record Options(long bucketCapBytes, long firstBucketCapBytes, boolean findUnusedParameters,
                          boolean broadcastState) {

        /**
         * Validates.
         *
         * @throws IllegalArgumentException if a cap is not positive
         */
        public Options {
            if (bucketCapBytes <= 0 || firstBucketCapBytes <= 0) {
                throw new IllegalArgumentException("DistributedDataParallel.Options: bucket caps must be positive, got "
                        + bucketCapBytes + " and " + firstBucketCapBytes);
            }
        }

        /** @return 25 MiB buckets, a 1 MiB first bucket, every parameter used, state broadcast */
        public static Options defaults() {
            return new Options(25L << 20, 1L << 20, false, true);
        }

        /** @param bytes the bucket cap @return a copy with it (and the first bucket's cap no larger) */
        public Options withBucketCap(long bytes) {
            return new Options(bytes, Math.min(firstBucketCapBytes, bytes), findUnusedParameters, broadcastState);
        }

        /** @param bytes the first bucket's cap @return a copy with it */
        public Options withFirstBucketCap(long bytes) {
            return new Options(bucketCapBytes, bytes, findUnusedParameters, broadcastState);
        }

        /** @param find whether unused parameters are allowed @return a copy with it */
        public Options withFindUnusedParameters(boolean find) {
            return new Options(bucketCapBytes, firstBucketCapBytes, find, broadcastState);
        }
    }

    /** A try-with-resources scope without gradient synchronization ({@link #noSync()}). */
    public interface NoSync extends AutoCloseable {
        /** Restores the synchronization setting from before the scope. */
        @Override
        void close();
    }

    /** Parameters and buffers are broadcast at construction in chunks of this size (PyTorch's 250 MiB). */
    private static final long BROADCAST_CHUNK_BYTES = 250L << 20;

    private final M module;
    private final ProcessGroup group;
    private final Reducer reducer;

    /**
     * Wraps a module with default options.
     *
     * @param module the replica on this rank
     * @param group the process group; every rank constructs DDP at the same point
     * @throws DistributedException if the ranks' parameter names or shapes differ
     */
    public DistributedDataParallel(M module, ProcessGroup group) {
        this(module, group, Options.defaults());
    }

    /**
     * Wraps a module. Collective: checks the ranks' parameters agree and (by default) broadcasts
     * rank 0's parameters and buffers into every replica.
     *
     * @param module the replica on this rank
     * @param group the process group
     * @param options bucket sizes and behaviour
     * @throws DistributedException if the ranks' parameter names or shapes differ
     * @throws IllegalArgumentException if the module has no trainable parameter
     */
    public DistributedDataParallel(M module, ProcessGroup group, Options options) {
        this.module = module;
        this.group = group;
        Map<String, Parameter> named = uniqueParameters(module);
        verifyShapesAcrossRanks(group, module.namedParameters());
        if (options.broadcastState()) {
            broadcastState(group, module);
        }
        List<Parameter> params = new ArrayList<>();
        List<String> names = new ArrayList<>();
        named.forEach((k, p) -> {
            if (p.requiresGrad()) {
                params.add(p);
                names.add(k);
            }
        });
        if (params.isEmpty()) {
            throw new IllegalArgumentException(
                    "DistributedDataParallel: the module has no parameter that requires a gradient");
        }
        Collections.reverse(params);
        Collections.reverse(names);
        long[] bytes = new long[params.size()];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = 4L * params.get(i).numel();
        }
        List<List<Integer>> assignment = Reducer.assign(bytes, options.firstBucketCapBytes(), options.bucketCapBytes());
        this.reducer = new Reducer(group, assignment, params, names, options.findUnusedParameters());
    }

    /** Parameters by first key, each object once (a child registered under two parents shares them). */
    private static Map<String, Parameter> uniqueParameters(Module module) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        module.namedParameters().forEach((k, p) -> {
            if (seen.add(p)) {
                out.put(k, p);
            }
        });
        return out;
    }

    /** PyTorch's _verify_param_shape_across_processes: all ranks must hold the same parameter names and shapes. */
    private static void verifyShapesAcrossRanks(ProcessGroup group, Map<String, Parameter> params) {
        if (group.worldSize() == 1) {
            return;
        }
        StringBuilder sb = new StringBuilder();
        params.forEach((k, p) -> sb.append(k).append(' ').append(Arrays.toString(p.shape())).append('\n'));
        List<byte[]> all = group.allGatherBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
        List<String> reference = Arrays.asList(new String(all.get(0), StandardCharsets.UTF_8).split("\n"));
        for (int r = 1; r < all.size(); r++) {
            List<String> other = Arrays.asList(new String(all.get(r), StandardCharsets.UTF_8).split("\n"));
            for (int i = 0; i < Math.max(reference.size(), other.size()); i++) {
                String a = i < reference.size() ? reference.get(i) : "nothing";
                String b = i < other.size() ? other.get(i) : "nothing";
                if (!a.equals(b)) {
                    throw new DistributedException(
                            "DistributedDataParallel: the ranks' models differ: parameter " + (i + 1)
                                    + " is " + a + " on rank 0 but " + b + " on rank " + r
                                    + "; hint: every rank must build the model from the same config");
                }
            }
        }
    }

    /** PyTorch's _sync_module_states: rank 0's parameters and buffers into every replica, coalesced. */
    private static void broadcastState(ProcessGroup group, Module module) {
        if (group.worldSize() == 1) {
            return;
        }
        List<Tensor> tensors = new ArrayList<>();
        Set<Tensor> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Tensor t : module.stateDict().values()) {
            if (seen.add(t)) {
                tensors.add(t);
            }
        }
        int i = 0;
        while (i < tensors.size()) {
            int j = i;
            long floats = 0;
            while (j < tensors.size() && (j == i || 4 * (floats + tensors.get(j).numel()) <= BROADCAST_CHUNK_BYTES)) {
                floats += tensors.get(j++).numel();
            }
            try (Arena arena = Arena.ofShared()) {
                MemorySegment chunk = arena.allocate(4 * Math.max(1, floats), 64).asSlice(0, 4 * floats);
                long offset = 0;
                if (group.rank() == 0) {
                    for (int k = i; k < j; k++) {
                        HostBuffers.copyIn(tensors.get(k), chunk, offset);
                        offset += tensors.get(k).numel();
                    }
                }
                Work w = group.broadcastAsync(chunk, 0);
                w.await();
                if (group.rank() != 0) {
                    offset = 0;
                    for (int k = i; k < j; k++) {
                        HostBuffers.copyOut(chunk, offset, tensors.get(k));
                        offset += tensors.get(k).numel();
                    }
                }
            }
            i = j;
        }
    }

    /**
     * The wrapped module (run forward on it).
     *
     * @return the replica on this rank
     */
    public M module() {
        return module;
    }

    /**
     * The process group gradients are averaged over.
     *
     * @return the group
     */
    public ProcessGroup processGroup() {
        return group;
    }

    /**
     * A scope in which backward passes do not synchronize: gradients accumulate in each replica,
     * and the first synchronized backward after it all-reduces the accumulated sums (PyTorch's
     * {@code no_sync}, for gradient accumulation: {@code accum_iter - 1} micro-batches inside it,
     * the last outside). Scopes nest; closing restores the previous setting.
     *
     * @return the scope
     */
    public NoSync noSync() {
        boolean previous = reducer.sync();
        reducer.setSync(false);
        return () -> reducer.setSync(previous);
    }

    /**
     * Whether the next backward pass synchronizes (false inside {@link #noSync()}).
     *
     * @return true outside noSync scopes
     */
    public boolean requiresGradSync() {
        return reducer.sync();
    }

    /**
     * The buckets: bucket i's parameter keys, in the order they sit in its buffer (reverse
     * registration order overall). Bucket 0 is all-reduced first.
     *
     * @return one list of keys per bucket
     */
    public List<List<String>> bucketParameterNames() {
        return reducer.bucketNames();
    }

    /**
     * The communication of the last synchronized backward pass.
     *
     * @return its statistics, or null before the first
     */
    public StepStats lastStepStats() {
        return reducer.lastStats();
    }

    /**
     * How many backward passes were synchronized so far.
     *
     * @return the count
     */
    public long syncedSteps() {
        return reducer.syncedSteps();
    }

    /** Removes DDP's gradient hooks and frees its buckets; the module keeps working undistributed. */
    @Override
    public void close() {
        reducer.close();
    }
}
