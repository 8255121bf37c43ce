package dev.jmae.tensor.io;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.torch.PickleValues;
import dev.jmae.tensor.io.torch.TorchCheckpoint;
import dev.jmae.tensor.io.torch.TorchCheckpointException;
import dev.jmae.tensor.io.torch.TorchTensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A model's state dict from a weights file of either format, found where the official
 * checkpoints keep it, with the key variants of DDP, {@code torch.compile} and timm mapped.
 *
 * <ul>
 *   <li>safetensors: every tensor except jmae's optimizer state ({@code optimizer.*}); the string
 *       metadata (jmae's resolved {@code config}, {@code epoch}, ...).</li>
 *   <li>PyTorch zip checkpoints ({@link TorchCheckpoint}, read without running anything): the
 *       dict under {@code model} (MAE/CrossMAE {@code main_pretrain.py}, DeiT), {@code state_dict}
 *       (timm's train script), or {@code model_state_dict}, else a top level whose values are
 *       tensors (a bare {@code torch.save(model.state_dict())}), else {@code model_ema} /
 *       {@code state_dict_ema}; or the entry the caller names. The other top-level entries
 *       ({@code optimizer}, {@code epoch}, {@code scaler}, {@code args}, ...) are the metadata, as
 *       the pickle built them ({@link PickleValues#toJson} renders them).</li>
 *   <li>A {@code module.} prefix on every key (saved from {@code DistributedDataParallel}) and
 *       {@code _orig_mod.} ({@code torch.compile}) are removed, each with a note.</li>
 * </ul>
 *
 * <p>{@link #match} then lines the tensors up with a model's keys: fine-tuning heads
 * ({@code head}, {@code fc_norm}), the encoder's {@code norm} that CrossMAE lacks, and a decoder an
 * encoder-only model lacks are set aside with the reason instead of being "unexpected"; timm's
 * 2-D patch-embedding weight is reshaped to the convolution's 4-D shape.
 */
public final class ModelWeights {

    /** File formats. */
    public enum Format {
        /** huggingface safetensors. */
        SAFETENSORS,
        /** PyTorch's zip checkpoint ({@code torch.save}, PyTorch 1.6 and newer). */
        PYTORCH
    }

    /** Where the state dict is looked for in a PyTorch checkpoint, in this order (before the top level). */
    public static final List<String> STATE_DICT_KEYS = List.of("model", "state_dict", "model_state_dict");
    /** Where an exponential moving average of the weights is kept; used when nothing else is found. */
    public static final List<String> EMA_KEYS = List.of("model_ema", "state_dict_ema");
    /** Key prefixes removed when every key has them: DDP's module wrapper, torch.compile's. */
    public static final List<String> WRAPPER_PREFIXES = List.of("module.", "_orig_mod.");

    private ModelWeights() {
    }

    /**
     * A state dict read from a file.
     *
     * @param file the file
     * @param format its format
     * @param location where in the file the state dict was: {@code model}, {@code state_dict},
     *     {@code (top level)}, ... ({@code (file)} for safetensors)
     * @param stateDict key to float32 tensor, in the file's order, keys normalized
     * @param metadata the rest: safetensors string metadata, or a checkpoint's other top-level
     *     entries as the pickle built them
     * @param notes what was done to get there, one line each (prefixes removed, entries skipped)
     */
    public record Loaded(Path file, Format format, String location, Map<String, Tensor> stateDict,
                         Map<String, Object> metadata, List<String> notes) {
    }

    /**
     * Which format a file is in, from its first bytes.
     *
     * @param file the file
     * @return SAFETENSORS or PYTORCH
     * @throws TorchCheckpointException if it is neither, naming what it looks like (the legacy
     *     PyTorch format, with how to convert it)
     * @throws IOException if it cannot be read
     */
    public static Format detect(Path file) throws IOException {
        byte[] head = new byte[16];
        int n;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.wrap(head);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // fill
            }
            n = b.position();
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return Format.PYTORCH;
        }
        if (n >= 9 && head[8] == '{') {
            long len = ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (len > 0) {
                return Format.SAFETENSORS;
            }
        }
        // let the PyTorch reader name what it is (legacy pickle, tar, something else)
        TorchCheckpoint.open(file).close();
        throw new IllegalStateException("unreachable: " + file);
    }

    /**
     * Reads the model state dict of a file (see the class comment for where it is looked for).
     *
     * @param file a {@code .safetensors} or PyTorch checkpoint
     * @param device where the tensors go
     * @return the state dict, metadata and notes
     * @throws SafetensorsException if a safetensors file is malformed
     * @throws TorchCheckpointException if a PyTorch checkpoint is malformed, unsafe, of an
     *     unsupported format, or holds no state dict (the message lists its top-level keys)
     * @throws IOException if the file cannot be read
     */
    public static Loaded read(Path file, Device device) throws IOException {
        return read(file, device, null);
    }

    /**
     * Reads the state dict kept under a given top-level key of a PyTorch checkpoint (for
     * instance {@code model_ema}); for safetensors the key must be null.
     *
     * @param file the file
     * @param device where the tensors go
     * @param key the top-level entry holding the state dict, or null to look in the usual places
     * @return the state dict, metadata and notes
     * @throws TorchCheckpointException if the entry is missing or not a dict of tensors
     * @throws IOException if the file cannot be read or is malformed
     */
    public static Loaded read(Path file, Device device, String key) throws IOException {
        Format format = detect(file);
        if (format == Format.SAFETENSORS) {
            if (key != null) {
                throw new IllegalArgumentException(file + ": a safetensors file has no entry '" + key
                        + "'; its tensors are the state dict");
            }
            return readSafetensors(file, device);
        }
        try (TorchCheckpoint c = TorchCheckpoint.open(file)) {
            return readTorch(c, device, key);
        }
    }

    private static Loaded readSafetensors(Path file, Device device) throws IOException {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        int optimizer = 0;
        try (SafetensorsFile f = Safetensors.open(file)) {
            for (String name : f.names()) {
                if (name.startsWith("optimizer.")) {
                    optimizer++;
                } else {
                    sd.put(name, f.tensor(name, device));
                }
            }
            if (optimizer > 0) {
                notes.add(
                        "left out " + optimizer + " optimizer-state tensors (optimizer.*): the file is a jmae training"
                                + " checkpoint, not only a state dict");
            }
            Map<String, Object> meta = new LinkedHashMap<>(f.metadata());
            return new Loaded(file, Format.SAFETENSORS, "(file)", normalize(sd, notes),
                    Collections.unmodifiableMap(meta),
                    List.copyOf(notes));
        }
    }

    private static Loaded readTorch(TorchCheckpoint c, Device device, String key) throws IOException {
        Path file = c.file();
        List<String> notes = new ArrayList<>();
        if (!(c.root() instanceof Map<?, ?> root)) {
            if (c.root() instanceof TorchTensor) {
                throw new TorchCheckpointException(file + ": holds a single tensor, not a state dict");
            }
            throw new TorchCheckpointException(file + ": holds a " + PickleValues.kind(c.root()) + ", not a dict; a"
                    + " checkpoint is a state dict or a dict holding one (e.g. under 'model')");
        }
        String location = null;
        Map<?, ?> dict = null;
        if (key != null) {
            if (!(root.get(key) instanceof Map<?, ?> m)) {
                throw new TorchCheckpointException(file + ": has no dict under '" + key + "'" + topLevel(root));
            }
            location = key;
            dict = m;
        } else {
            for (String k : STATE_DICT_KEYS) {
                if (root.get(k) instanceof Map<?, ?> m && hasTensor(m)) {
                    location = k;
                    dict = m;
                    break;
                }
            }
            if (dict == null && hasTensor(root)) {
                location = "(top level)";
                dict = root;
            }
            if (dict == null) {
                for (String k : EMA_KEYS) {
                    if (root.get(k) instanceof Map<?, ?> m && hasTensor(m)) {
                        location = k;
                        dict = m;
                        notes.add("read the weights' moving average under '" + k + "': the checkpoint has no other"
                                + " state dict");
                        break;
                    }
                }
            }
            if (dict == null) {
                throw new TorchCheckpointException(file + ": no state dict found under " + STATE_DICT_KEYS + ", "
                        + EMA_KEYS + " or at the top level" + topLevel(root)
                        + "; hint: name the entry that holds the weights");
            }
            for (String k : EMA_KEYS) {
                if (!k.equals(location) && root.get(k) instanceof Map<?, ?> m && hasTensor(m)) {
                    notes.add("the checkpoint also holds '" + k + "' (a moving average of the weights), not read;"
                            + " ask for it by name to use it");
                }
            }
        }
        Map<String, Tensor> sd = new LinkedHashMap<>();
        List<String> skipped = new ArrayList<>();
        // a tensor the pickle references under several keys (tied weights) is read once and shared
        Map<TorchTensor, Tensor> read = new IdentityHashMap<>();
        for (Map.Entry<?, ?> e : dict.entrySet()) {
            if (e.getKey() instanceof String name && e.getValue() instanceof TorchTensor t) {
                try {
                    Tensor value = read.get(t);
                    if (value == null) {
                        value = t.tensor(device);
                        read.put(t, value);
                    }
                    sd.put(name, value);
                } catch (TorchCheckpointException ex) {
                    throw new TorchCheckpointException(ex.getMessage() + " (state-dict key '" + name + "')", ex);
                }
            } else {
                skipped.add(PickleValues.describe(e.getKey(), 0) + " (" + PickleValues.kind(e.getValue()) + ")");
            }
        }
        if (!skipped.isEmpty()) {
            notes.add("skipped " + skipped.size() + " entries of '" + location + "' that are not tensors: "
                    + String.join(", ", skipped.subList(0, Math.min(10, skipped.size())))
                    + (skipped.size() > 10 ? ", ..." : ""));
        }
        Map<String, Object> meta = new LinkedHashMap<>();
        if (dict != root) {
            for (Map.Entry<?, ?> e : root.entrySet()) {
                if (!(e.getKey() instanceof String k && k.equals(location))) {
                    meta.put(e.getKey() instanceof String k ? k : PickleValues.describe(e.getKey(), 1), e.getValue());
                }
            }
        }
        return new Loaded(file, Format.PYTORCH, location, normalize(sd, notes), Collections.unmodifiableMap(meta),
                List.copyOf(notes));
    }

    private static boolean hasTensor(Map<?, ?> m) {
        for (Object v : m.values()) {
            if (v instanceof TorchTensor) {
                return true;
            }
        }
        return false;
    }

    private static String topLevel(Map<?, ?> root) {
        List<String> keys = new ArrayList<>();
        for (Object k : root.keySet()) {
            if (keys.size() == 20) {
                keys.add("...");
                break;
            }
            keys.add(PickleValues.describe(k, 0) + ": " + PickleValues.kind(root.get(k)));
        }
        return "; its top level holds " + (keys.isEmpty() ? "nothing" : String.join(", ", keys));
    }

    /** Removes wrapper prefixes that every key carries. */
    private static Map<String, Tensor> normalize(Map<String, Tensor> sd, List<String> notes) {
        Map<String, Tensor> out = sd;
        boolean again = true;
        while (again && !out.isEmpty()) {
            again = false;
            for (String prefix : WRAPPER_PREFIXES) {
                if (out.keySet().stream().allMatch(k -> k.startsWith(prefix) && k.length() > prefix.length())) {
                    Map<String, Tensor> stripped = new LinkedHashMap<>();
                    out.forEach((k, v) -> stripped.put(k.substring(prefix.length()), v));
                    notes.add("removed the prefix '" + prefix + "' from all " + out.size() + " keys ("
                            + (prefix.equals("module.") ? "saved from DistributedDataParallel"
                                    : "saved from torch.compile")
                            + ")");
                    out = stripped;
                    again = true;
                }
            }
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * A state dict lined up with a model's parameters.
     *
     * @param tensors the entries to load: keys the model has, shapes it expects
     * @param missing model keys the state dict lacks
     * @param unexpected state-dict keys the model does not have and no rule explains
     * @param misShaped {@code key: checkpoint [..], model [..]} for keys whose shapes differ
     * @param setAside state-dict keys left out on purpose, with the reason
     * @param notes what was mapped, and what the missing keys suggest, one line each
     */
    public record Match(Map<String, Tensor> tensors, List<String> missing, List<String> unexpected,
                        List<String> misShaped,
                        Map<String, String> setAside, List<String> notes) {

        /**
         * Whether the model gets every key, each with its shape, and nothing is unexplained.
         *
         * @return true if missing, unexpected and misShaped are empty
         */
        public boolean complete() {
            return missing.isEmpty() && unexpected.isEmpty() && misShaped.isEmpty();
        }
    }

    /**
     * Lines a state dict up with a model's keys and shapes (official / timm names).
     *
     * <ul>
     *   <li>{@code head.*}, {@code fc_norm.*}, {@code pre_logits.*}, {@code head_dist.*} that the
     *       model lacks: set aside as a fine-tuned classifier's head (timm, MAE
     *       {@code main_finetune.py}).</li>
     *   <li>{@code norm.*} that the model lacks: set aside as the encoder's final norm, which
     *       CrossMAE does not have (the MAE baseline does).</li>
     *   <li>decoder keys ({@code decoder_*}, {@code mask_token}, {@code dec_norms.*},
     *       {@code wfm.*}) when the model has no decoder: set aside.</li>
     *   <li>{@code patch_embed.proj.weight} stored 2-D [D, C·P·P] where the model has the 4-D
     *       convolution [D, C, P, P]: reshaped (timm's {@code checkpoint_filter_fn} does the same).</li>
     * </ul>
     *
     * @param stateDict key to tensor (e.g. {@link Loaded#stateDict()})
     * @param modelShapes the model's keys and shapes, in its order
     * @return what to load, and what is missing, unexpected, mis-shaped or set aside
     */
    public static Match match(Map<String, Tensor> stateDict, Map<String, int[]> modelShapes) {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        List<String> unexpected = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        Map<String, String> setAside = new LinkedHashMap<>();
        List<String> notes = new ArrayList<>();
        boolean modelHasNorm = modelShapes.keySet().stream().anyMatch(k -> k.startsWith("norm."));
        boolean modelHasDecoder = modelShapes.keySet().stream().anyMatch(ModelWeights::isDecoderKey);
        for (Map.Entry<String, Tensor> e : stateDict.entrySet()) {
            String k = e.getKey();
            Tensor t = e.getValue();
            int[] want = modelShapes.get(k);
            if (want != null) {
                if (Arrays.equals(want, t.shape())) {
                    tensors.put(k, t);
                } else if (k.equals("patch_embed.proj.weight") && want.length == 4 && t.ndim() == 2
                        && t.numel() == Shape.numel(want) && t.size(0) == want[0]) {
                    tensors.put(k, t.reshape(want));
                    notes.add("reshaped patch_embed.proj.weight from " + Shape.format(t.shape()) + " (a linear patch"
                            + " embedding, as old timm stored it) to the convolution's " + Shape.format(want));
                } else {
                    misShaped.add(k + ": checkpoint " + Shape.format(t.shape()) + ", model " + Shape.format(want));
                }
            } else if (k.startsWith("head.") || k.startsWith("fc_norm.") || k.startsWith("pre_logits.")
                    || k.startsWith("head_dist.")) {
                setAside.put(k, "a fine-tuned classifier's head, which a pretraining model does not have");
            } else if (k.startsWith("norm.") && !modelHasNorm) {
                setAside.put(k, "the encoder's final norm, which this model does not have (CrossMAE has none;"
                        + " the MAE baseline does)");
            } else if (isDecoderKey(k) && !modelHasDecoder) {
                setAside.put(k, "the pretraining decoder, which this model does not have");
            } else {
                unexpected.add(k);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String k : modelShapes.keySet()) {
            if (!stateDict.containsKey(k)) {
                missing.add(k);
            }
        }
        boolean noDecoder = stateDict.keySet().stream().noneMatch(ModelWeights::isDecoderKey);
        if (modelHasDecoder && noDecoder && missing.stream().anyMatch(ModelWeights::isDecoderKey)) {
            notes.add("the checkpoint has no decoder: it holds an encoder only (like the official"
                    + " mae_pretrain_vit_*.pth, or a fine-tuned model); hint: forward and reconstruct need a full"
                    + " pretraining checkpoint (e.g. MAE's mae_visualize_vit_*.pth or a CrossMAE release)");
        }
        if (setAside.keySet().stream().anyMatch(k -> k.startsWith("head.") || k.startsWith("fc_norm."))) {
            notes.add("set aside the classification head (head, fc_norm): the checkpoint is a fine-tuned model");
        }
        return new Match(Collections.unmodifiableMap(tensors), List.copyOf(missing), List.copyOf(unexpected),
                List.copyOf(misShaped), Collections.unmodifiableMap(setAside), List.copyOf(notes));
    }

    private static boolean isDecoderKey(String k) {
        return k.startsWith("decoder_") || k.equals("mask_token") || k.startsWith("dec_norms.") || k.startsWith("wfm.");
    }
}
