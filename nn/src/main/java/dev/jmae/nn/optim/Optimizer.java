package dev.jmae.nn.optim;

import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Base of the optimizers: parameter groups and per-parameter state tensors (moments, momentum
 * buffers, step counts), which checkpoints save under the parameter's key.
 */
public abstract class Optimizer {

    private final List<ParamGroup> groups;
    /** Per parameter: state name to tensor, e.g. exp_avg, exp_avg_sq, step. */
    private final Map<Parameter, Map<String, Tensor>> state = new IdentityHashMap<>();

    /**
     * Creates the optimizer.
     *
     * @param groups the parameter groups; a parameter may appear in one group only
     * @throws IllegalArgumentException if a parameter appears twice
     */
    protected Optimizer(List<ParamGroup> groups) {
        this.groups = List.copyOf(groups);
        Map<Parameter, Boolean> seen = new IdentityHashMap<>();
        for (ParamGroup g : groups) {
            for (Parameter p : g.params()) {
                if (seen.put(p, Boolean.TRUE) != null) {
                    throw new IllegalArgumentException(
                            getClass().getSimpleName() + ": a parameter appears in more than one group");
                }
            }
        }
    }

    /** @return the groups */
    public final List<ParamGroup> groups() {
        return groups;
    }

    /** Applies one update to every parameter that has a gradient. */
    public abstract void step();

    /** Zeroes every parameter's gradient in place. */
    public final void zeroGrad() {
        for (ParamGroup g : groups) {
            for (Parameter p : g.params()) {
                p.zeroGrad();
            }
        }
    }

    /**
     * A parameter's state, created on first use; tensors put here are detached from every scope.
     *
     * @param p the parameter
     * @return its mutable state map
     */
    protected final Map<String, Tensor> state(Parameter p) {
        return state.computeIfAbsent(p, k -> new LinkedHashMap<>());
    }

    /**
     * A state tensor, created as zeros with the parameter's shape on first use.
     *
     * @param p the parameter
     * @param key the state name
     * @return the tensor
     */
    protected final Tensor stateTensor(Parameter p, String key) {
        return state(p).computeIfAbsent(key, k -> TensorScope.detach(p.value().zerosLike()));
    }

    /**
     * Every state tensor keyed {@code <parameter key>.<state name>}, for checkpoints.
     *
     * @param keyOf the parameter's state-dict key
     * @return key to tensor (the live tensors, not copies)
     */
    public final Map<String, Tensor> stateDict(Function<Parameter, String> keyOf) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        for (ParamGroup g : groups) {
            for (Parameter p : g.params()) {
                Map<String, Tensor> s = state.get(p);
                if (s != null) {
                    String key = keyOf.apply(p);
                    s.forEach((k, t) -> out.put(key + "." + k, t));
                }
            }
        }
        return out;
    }

    /**
     * Restores state saved by {@link #stateDict}; parameters without saved state start fresh.
     *
     * @param saved key to tensor, as written by stateDict
     * @param keyOf the parameter's state-dict key
     * @throws IllegalArgumentException if a saved tensor's shape differs from the live state's
     */
    public final void loadStateDict(Map<String, Tensor> saved, Function<Parameter, String> keyOf) {
        state.clear();
        for (ParamGroup g : groups) {
            for (Parameter p : g.params()) {
                String prefix = keyOf.apply(p) + ".";
                for (Map.Entry<String, Tensor> e : saved.entrySet()) {
                    if (e.getKey().startsWith(prefix) && !e.getKey().substring(prefix.length()).contains(".")) {
                        state(p).put(e.getKey().substring(prefix.length()),
                                TensorScope.detach(e.getValue().to(p.device()).copy()));
                    }
                }
            }
        }
        stateLoaded();
    }

    /**
     * Called at the end of {@link #loadStateDict}, once the state tensors are in place: for
     * optimizers that mirror part of their state on the host (AdamW's step counts), so that
     * reading it back from the device happens here and not in {@link #step()}.
     */
    protected void stateLoaded() {
    }
}
