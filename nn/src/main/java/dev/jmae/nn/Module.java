package dev.jmae.nn;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Base class of every layer and model (torch.nn.Module): parameters, buffers and child modules
 * registered under explicit string keys, in insertion order, so state-dict keys are the PyTorch
 * ones ({@code blocks.0.attn.qkv.weight}) and never depend on Java field names.
 *
 * <p>Forward methods are defined by each subclass (their arguments differ); single-input layers
 * also implement {@link Layer}.
 */
public abstract class Module {

    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Tensor> buffers = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();
    private boolean training = true;

    /** For subclasses. */
    protected Module() {
    }

    private void checkName(String name) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName() + ": a key must be non-empty and contain no '.', got '" + name + "'");
        }
        if (params.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName() + ": key '" + name + "' is already registered");
        }
    }

    /**
     * Registers a parameter under a key.
     *
     * @param name the key, e.g. {@code weight}
     * @param p the parameter
     * @return p
     * @throws IllegalArgumentException if the key is taken or contains a dot
     */
    protected final Parameter registerParameter(String name, Parameter p) {
        checkName(name);
        params.put(name, p);
        return p;
    }

    /**
     * Registers a non-parameter tensor that belongs in the state dict (running statistics, fixed
     * tables); it is detached from every scope.
     *
     * @param name the key
     * @param t the tensor
     * @return t
     */
    protected final Tensor registerBuffer(String name, Tensor t) {
        checkName(name);
        buffers.put(name, TensorScope.detach(t));
        return t;
    }

    /**
     * Registers a child module under a key.
     *
     * @param name the key, e.g. {@code attn} or {@code 0}
     * @param child the module
     * @param <M> its type
     * @return child
     */
    protected final <M extends Module> M registerModule(String name, M child) {
        checkName(name);
        children.put(name, child);
        return child;
    }

    /**
     * A registered buffer.
     *
     * @param name its key
     * @return the tensor
     */
    protected final Tensor buffer(String name) {
        return buffers.get(name);
    }

    /**
     * Every parameter with its dotted key, depth first in registration order.
     *
     * @return key to parameter
     */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collectParameters("", out);
        return out;
    }

    private void collectParameters(String prefix, Map<String, Parameter> out) {
        params.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, c) -> c.collectParameters(prefix + k + ".", out));
    }

    /**
     * Every parameter (frozen ones included), in {@link #namedParameters()} order.
     *
     * @return the parameters
     */
    public final List<Parameter> parameters() {
        return new ArrayList<>(namedParameters().values());
    }

    /**
     * The number of elements of the trainable parameters.
     *
     * @return sum of numel over parameters that require grad
     */
    public final long trainableParameterCount() {
        long n = 0;
        for (Parameter p : parameters()) {
            if (p.requiresGrad()) {
                n += p.numel();
            }
        }
        return n;
    }

    /**
     * Every submodule with its dotted key ("" for this module), depth first.
     *
     * @return key to module
     */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out) {
        out.put(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), this);
        children.forEach((k, c) -> c.collectModules(prefix + k + ".", out));
    }

    /**
     * The direct children, by key.
     *
     * @return key to child
     */
    public final Map<String, Module> children() {
        return new LinkedHashMap<>(children);
    }

    /**
     * Parameters and buffers by dotted key (the tensors themselves, not copies): what a
     * checkpoint stores.
     *
     * @return key to tensor
     */
    public final Map<String, Tensor> stateDict() {
        Map<String, Tensor> out = new LinkedHashMap<>();
        collectState("", out);
        return out;
    }

    private void collectState(String prefix, Map<String, Tensor> out) {
        params.forEach((k, v) -> out.put(prefix + k, v.value()));
        buffers.forEach((k, v) -> out.put(prefix + k, v));
        children.forEach((k, c) -> c.collectState(prefix + k + ".", out));
    }

    /** What {@link #loadStateDict} found besides the keys it loaded. */
    public record LoadResult(List<String> missing, List<String> unexpected) {
    }

    /**
     * Copies a state dict's tensors into this module's parameters and buffers (across devices
     * if needed). Shape mismatches are always errors; in strict mode missing and unexpected keys
     * are too, and every problem is reported in one {@link CheckpointException}.
     *
     * @param dict key to tensor
     * @param strict whether missing or unexpected keys are errors (torch: strict=True)
     * @return the missing and unexpected keys (empty in strict mode)
     * @throws CheckpointException listing every missing, unexpected and mis-shaped key
     */
    public final LoadResult loadStateDict(Map<String, Tensor> dict, boolean strict) {
        Map<String, Tensor> own = stateDict();
        List<String> missing = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = dict.get(e.getKey());
            if (src == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(src.shape(), e.getValue().shape())) {
                misShaped.add(e.getKey() + ": expected " + Arrays.toString(e.getValue().shape()) + ", got "
                        + Arrays.toString(src.shape()));
            }
        }
        for (String k : dict.keySet()) {
            if (!own.containsKey(k)) {
                unexpected.add(k);
            }
        }
        if (!misShaped.isEmpty() || (strict && (!missing.isEmpty() || !unexpected.isEmpty()))) {
            throw new CheckpointException(getClass().getSimpleName(), missing, unexpected, misShaped);
        }
        for (Map.Entry<String, Tensor> e : own.entrySet()) {
            Tensor src = dict.get(e.getKey());
            if (src != null) {
                e.getValue().copyInPlace(src);
            }
        }
        return new LoadResult(List.copyOf(missing), List.copyOf(unexpected));
    }

    /**
     * Moves every parameter and buffer to a device (replacing their values; gradients are dropped).
     *
     * @param device the destination
     * @return this
     */
    public Module to(Device device) {
        for (Module m : namedModules().values()) {
            for (Parameter p : m.params.values()) {
                if (!p.device().equals(device)) {
                    p.set(p.value().to(device));
                }
            }
            m.buffers.replaceAll((k, t) -> TensorScope.detach(t.to(device)));
        }
        return this;
    }

    /**
     * Training mode (dropout, drop path active) for this module and all children.
     *
     * @return this
     */
    public Module train() {
        return setTraining(true);
    }

    /**
     * Evaluation mode for this module and all children.
     *
     * @return this
     */
    public Module eval() {
        return setTraining(false);
    }

    private Module setTraining(boolean on) {
        for (Module m : namedModules().values()) {
            m.training = on;
        }
        return this;
    }

    /** @return whether this module is in training mode */
    public final boolean isTraining() {
        return training;
    }

    /** Zeroes every parameter's gradient in place (keeping the buffers). */
    public final void zeroGrad() {
        for (Parameter p : parameters()) {
            p.zeroGrad();
        }
    }
}
