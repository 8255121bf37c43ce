package dev.jmae.autograd;

import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The backward pass: walks the graph from a root in reverse topological order and applies each
 * {@link Function}'s local chain rule.
 *
 * <p>Determinism: the order is a depth-first post-order over each node's ordered inputs, and a
 * node's incoming gradients are summed in the order they arrive, so the same graph always gives
 * bit-identical gradients.
 *
 * <p>Memory: every tensor allocated during backward belongs to a {@link TensorScope} of the pass.
 * The engine counts, per storage, the pending gradients that still refer to it and releases a
 * gradient as soon as its last use is consumed; temporaries of a node's backward are released
 * right after that node. Leaf gradients are detached from every scope (they outlive the pass).
 * Unless the graph is retained, each node's saved tensors and input links are dropped once it has
 * run.
 *
 * <p>Hooks ({@link GradHooks}): a leaf's post-accumulate hooks run right after the last node with
 * an edge into it has been processed, and callbacks queued during the pass run after it.
 */
final class Engine {

    private final TensorScope scope;
    private final Map<Storage, int[]> refs = new IdentityHashMap<>();
    private final Map<Variable, List<Consumer<Variable>>> hooks;
    /** Per hooked leaf, the edges into it from nodes not yet processed (GradHooks). */
    private final Map<Variable, int[]> pendingEdges = new IdentityHashMap<>();
    /** Hooked leaves that received a gradient in this pass and whose hooks have not run yet. */
    private final Set<Variable> accumulated = Collections.newSetFromMap(new IdentityHashMap<>());

    private Engine(TensorScope scope, Map<Variable, List<Consumer<Variable>>> hooks) {
        this.scope = scope;
        this.hooks = hooks;
    }

    static void backward(Variable root, Tensor upstream, boolean retainGraph) {
        if (!root.requiresGrad()) {
            throw new IllegalStateException("backward: this variable does not require a gradient and has no gradFn;"
                    + " hint: create leaves with Variable.of(tensor, true) and run the forward pass with grad mode on");
        }
        if (!Arrays.equals(upstream.shape(), root.shape())) {
            throw new IllegalArgumentException("backward: expected an upstream gradient of shape "
                    + Arrays.toString(root.shape()) + ", got " + Arrays.toString(upstream.shape()));
        }
        Map<Variable, List<Consumer<Variable>>> hooks = GradHooks.snapshot();
        GradHooks.beginPass();
        boolean succeeded = false;
        try {
            if (root.isLeaf()) {
                accumulateLeaf(root, upstream.copy(), null);
                List<Consumer<Variable>> rootHooks = hooks.get(root);
                if (rootHooks != null) {
                    rootHooks.forEach(h -> h.accept(root));
                }
            } else {
                List<Function> order = topologicalOrder(root.gradFn());
                try (TensorScope scope = TensorScope.open()) {
                    new Engine(scope, hooks).run(order, root.gradFn(), upstream, retainGraph);
                }
            }
            succeeded = true;
        } finally {
            GradHooks.endPass(succeeded);
        }
    }

    /** Reverse post-order of the nodes reachable from root through inputs that require grad. */
    static List<Function> topologicalOrder(Function root) {
        List<Function> post = new ArrayList<>();
        Set<Function> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Function> stack = new ArrayDeque<>();
        Deque<int[]> next = new ArrayDeque<>();
        seen.add(root);
        stack.push(root);
        next.push(new int[] {0});
        while (!stack.isEmpty()) {
            Function fn = stack.peek();
            int[] i = next.peek();
            List<Variable> inputs = fn.inputs();
            if (i[0] < inputs.size()) {
                Variable in = inputs.get(i[0]++);
                Function child = in.gradFn();
                if (child != null && in.requiresGrad() && seen.add(child)) {
                    stack.push(child);
                    next.push(new int[] {0});
                }
            } else {
                stack.pop();
                next.pop();
                post.add(fn);
            }
        }
        Collections.reverse(post);
        return post;
    }

    private void run(List<Function> order, Function root, Tensor upstream, boolean retainGraph) {
        Map<Function, Tensor> pending = new IdentityHashMap<>();
        addRef(upstream);
        pending.put(root, upstream);
        if (!hooks.isEmpty()) {
            for (Function fn : order) {
                for (Variable in : fn.inputs()) {
                    if (hooks.containsKey(in)) {
                        pendingEdges.computeIfAbsent(in, k -> new int[1])[0]++;
                    }
                }
            }
        }
        for (Function fn : order) {
            Tensor g = pending.remove(fn);
            if (g == null) {
                edgesDone(fn.inputs());
                if (!retainGraph) {
                    fn.release();
                }
                continue;
            }
            List<Variable> inputs = new ArrayList<>(fn.inputs());
            Tensor[] grads;
            try (TensorScope node = TensorScope.open()) {
                grads = fn.runBackward(g);
                check(fn, inputs, grads);
                for (Tensor gi : grads) {
                    if (gi != null && node.owns(gi)) {
                        TensorScope.keep(gi);
                    }
                }
            }
            for (Tensor gi : grads) {
                if (gi != null) {
                    addRef(gi);
                }
            }
            dropRef(g);
            for (int i = 0; i < grads.length; i++) {
                Tensor gi = grads[i];
                if (gi == null) {
                    continue;
                }
                Variable in = inputs.get(i);
                if (!in.requiresGrad()) {
                    dropRef(gi);
                } else if (in.isLeaf()) {
                    accumulateLeaf(in, gi, this);
                    if (pendingEdges.containsKey(in)) {
                        accumulated.add(in);
                    }
                } else {
                    Function producer = in.gradFn();
                    Tensor existing = pending.get(producer);
                    if (existing == null) {
                        pending.put(producer, gi);
                    } else if (exclusive(existing) && gi.storage() != existing.storage()) {
                        // the pending sum is ours alone: accumulate in place (residual fan-in, IBA slices)
                        existing.addInPlace(gi);
                        dropRef(gi);
                    } else {
                        Tensor sum = existing.add(gi);
                        addRef(sum);
                        dropRef(existing);
                        dropRef(gi);
                        pending.put(producer, sum);
                    }
                }
            }
            edgesDone(inputs);
            if (!retainGraph) {
                fn.release();
            }
        }
    }

    /** Counts down the edges of a processed node into hooked leaves; runs a leaf's hooks after its last edge. */
    private void edgesDone(List<Variable> inputs) {
        if (pendingEdges.isEmpty()) {
            return;
        }
        for (Variable in : inputs) {
            int[] count = pendingEdges.get(in);
            if (count != null && --count[0] == 0) {
                pendingEdges.remove(in);
                if (accumulated.remove(in)) {
                    for (Consumer<Variable> hook : hooks.get(in)) {
                        hook.accept(in);
                    }
                }
            }
        }
    }

    private static void check(Function fn, List<Variable> inputs, Tensor[] grads) {
        if (grads.length != inputs.size()) {
            throw new IllegalStateException(fn.name() + ".backward returned " + grads.length + " gradients for "
                    + inputs.size() + " inputs");
        }
        for (int i = 0; i < grads.length; i++) {
            if (grads[i] != null && !Arrays.equals(grads[i].shape(), inputs.get(i).shape())) {
                throw new IllegalStateException(fn.name() + ".backward returned a gradient of shape "
                        + Arrays.toString(grads[i].shape()) + " for input " + i + " of shape "
                        + Arrays.toString(inputs.get(i).shape()));
            }
        }
    }

    /** Adds g into leaf.grad (+=), adopting g's storage as the new gradient when nothing else uses it. */
    private static void accumulateLeaf(Variable leaf, Tensor g, Engine engine) {
        Tensor current = leaf.grad();
        if (current != null) {
            current.addInPlace(g);
            if (engine != null) {
                engine.dropRef(g);
            }
            return;
        }
        boolean whole = g.isContiguous() && g.offset() == 0 && g.numel() == g.storage().numel();
        if (engine != null && whole && engine.scope.owns(g) && engine.refs.get(g.storage())[0] == 1) {
            engine.refs.remove(g.storage());
            leaf.setGrad(g);
        } else {
            leaf.setGrad(g.copy());
            if (engine != null) {
                engine.dropRef(g);
            }
        }
    }

    /** Whether t is a dense tensor allocated by this pass that nothing but one pending entry refers to. */
    private boolean exclusive(Tensor t) {
        int[] count = refs.get(t.storage());
        return count != null && count[0] == 1 && scope.owns(t) && t.isContiguous() && t.offset() == 0
                && t.numel() == t.storage().numel();
    }

    private void addRef(Tensor t) {
        refs.computeIfAbsent(t.storage(), s -> new int[1])[0]++;
    }

    private void dropRef(Tensor t) {
        int[] count = refs.get(t.storage());
        if (count != null && --count[0] == 0) {
            refs.remove(t.storage());
            if (scope.owns(t)) {
                t.release();
            }
        }
    }
}
