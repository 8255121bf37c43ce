package dev.jmae.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Hooks into the backward pass: what {@code DistributedDataParallel} needs to start reducing a
 * gradient the moment it is final, and to wait for the reductions when the pass ends.
 *
 * <ul>
 *   <li>{@link #registerPostAccumulateGradHook}: runs after the pass has accumulated the last
 *       contribution into a leaf's {@link Variable#grad()} (PyTorch's
 *       {@code Tensor.register_post_accumulate_grad_hook}).</li>
 *   <li>{@link #queueCallback}: from inside a hook, runs a callback once the whole pass has
 *       finished (PyTorch's {@code Variable._execution_engine.queue_callback}).</li>
 * </ul>
 *
 * <p>When a hook runs: the engine counts, before the pass, the edges from the graph's nodes to
 * each hooked leaf; after the last of them has been processed (whether it delivered a gradient or
 * not), the hook runs if the leaf received any gradient in this pass. So a leaf used twice
 * (a shared weight) is reported once, with its summed gradient, and a leaf that took no part is
 * not reported. Hooks run on the thread calling backward, in the order their leaves become
 * ready, inside the pass's {@link dev.jmae.tensor.TensorScope} (tensors a hook allocates are
 * released when the pass ends unless detached). Queued callbacks run after the pass's scope has
 * closed, in queue order; a pass that throws runs none of them.
 */
public final class GradHooks {

    /** Removes a registered hook (torch.utils.hooks.RemovableHandle). */
    public interface RemovableHandle {
        /** Unregisters the hook; idempotent. */
        void remove();
    }

    private static final Map<Variable, List<Consumer<Variable>>> HOOKS = new IdentityHashMap<>();
    /** A running pass: its number and its queued callbacks. */
    private record Pass(long id, List<Runnable> callbacks) {
    }

    private static final ThreadLocal<Deque<Pass>> PASSES = ThreadLocal.withInitial(ArrayDeque::new);
    private static final AtomicLong PASS_IDS = new AtomicLong();

    private GradHooks() {
    }

    /**
     * Registers a hook that runs once per backward pass, after the pass has finished accumulating
     * into the leaf's gradient. The registry holds the leaf until the hook is removed.
     *
     * @param leaf a leaf that requires a gradient
     * @param hook receives the leaf; its {@code grad()} is final for this pass
     * @return a handle that removes the hook
     * @throws IllegalArgumentException if leaf is not a leaf or does not require a gradient
     */
    public static RemovableHandle registerPostAccumulateGradHook(Variable leaf, Consumer<Variable> hook) {
        if (!leaf.isLeaf() || !leaf.requiresGrad()) {
            throw new IllegalArgumentException(
                    "registerPostAccumulateGradHook: expected a leaf that requires a gradient, got "
                            + (leaf.isLeaf() ? "a leaf with requiresGrad false"
                                    : "the output of " + leaf.gradFn().name()));
        }
        synchronized (HOOKS) {
            HOOKS.computeIfAbsent(leaf, k -> new ArrayList<>()).add(hook);
        }
        return () -> {
            synchronized (HOOKS) {
                List<Consumer<Variable>> list = HOOKS.get(leaf);
                if (list != null) {
                    list.removeIf(h -> h == hook);
                    if (list.isEmpty()) {
                        HOOKS.remove(leaf);
                    }
                }
            }
        };
    }

    /**
     * Runs a callback after the backward pass now running on this thread has finished (all
     * gradients accumulated, all post-accumulate hooks run).
     *
     * @param callback the callback; may queue further callbacks, which run after it
     * @throws IllegalStateException if no backward pass is running on this thread
     */
    public static void queueCallback(Runnable callback) {
        current("queueCallback").callbacks().add(callback);
    }

    /**
     * The number of the backward pass now running on this thread, unique in the process; lets a
     * hook tell a new pass from the rest of one that failed.
     *
     * @return the pass's number, positive
     * @throws IllegalStateException if no backward pass is running on this thread
     */
    public static long currentPass() {
        return current("currentPass").id();
    }

    private static Pass current(String method) {
        Deque<Pass> passes = PASSES.get();
        if (passes.isEmpty()) {
            throw new IllegalStateException(method + ": no backward pass is running on this thread;"
                    + " hint: call it from a gradient hook");
        }
        return passes.peek();
    }

    /** A copy of the hooks of the given leaves' registry entries, or an empty map when none are registered. */
    static Map<Variable, List<Consumer<Variable>>> snapshot() {
        synchronized (HOOKS) {
            Map<Variable, List<Consumer<Variable>>> copy = new IdentityHashMap<>();
            HOOKS.forEach((k, v) -> copy.put(k, List.copyOf(v)));
            return copy;
        }
    }

    /** Opens the callback queue of a pass on this thread. */
    static void beginPass() {
        PASSES.get().push(new Pass(PASS_IDS.incrementAndGet(), new ArrayList<>()));
    }

    /**
     * Closes the pass's queue; runs its callbacks if the pass succeeded.
     *
     * @param succeeded whether the pass finished without throwing
     */
    static void endPass(boolean succeeded) {
        List<Runnable> callbacks = PASSES.get().peek().callbacks();
        try {
            // a callback may queue more: index loop over a growing list
            for (int i = 0; succeeded && i < callbacks.size(); i++) {
                callbacks.get(i).run();
            }
        } finally {
            PASSES.get().pop();
        }
    }
}
