package dev.jmae.crossmae.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.FinetuneConfig;
import dev.jmae.crossmae.config.OfficialArgs;
import dev.jmae.nn.CheckpointException;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.ModelWeights;
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.SafetensorsFile;
import dev.jmae.tensor.io.torch.PickleObject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * Loads the encoder of a pretraining checkpoint (CrossMAE or MAE: jmae's safetensors, an official
 * PyTorch .pth read without running its pickle, or any file with the official keys) into a
 * {@link VisionTransformerClassifier}, as main_finetune.py and main_linprobe.py do with
 * {@code load_state_dict(strict=False)}, but checked instead of trusted:
 * <ul>
 *   <li>the encoder's size is read from the tensors (embed_dim from {@code cls_token}, in_chans
 *       and patch_size from {@code patch_embed.proj.weight}, depth from the {@code blocks.i}
 *       indices, the MLP width from {@code blocks.0.mlp.fc1.weight}; num_heads from the
 *       checkpoint's config metadata when it has one) and must equal the config's, else a
 *       {@link ConfigException} names both sizes;</li>
 *   <li>{@code pos_embed} is resized bicubically when the grid differs (util/pos_embed.py
 *       {@code interpolate_pos_embed}, {@link PosEmbed#resize});</li>
 *   <li>loaded: {@code cls_token}, {@code pos_embed}, {@code patch_embed.*}, {@code blocks.*} and,
 *       with cls-token pooling, the encoder's {@code norm.*}; ignored: the decoder, the mask token,
 *       inter-block attention and, with global pooling, {@code norm.*}. New: {@code head.*} and, with
 *       global pooling, {@code fc_norm.*} (the official missing-key assertion). A CrossMAE checkpoint
 *       has no {@code norm.*} (docs/model.md §7), so cls-token pooling is refused for it with a
 *       hint, where the official linear probe fails its assertion (docs/model.md §15.4).</li>
 * </ul>
 * Fine-tuning then re-draws the head weight with std 2e-5 ({@code trunc_normal_(model.head.weight,
 * std=2e-5)}); the linear probe keeps its std 0.01 head.
 */
public final class PretrainedEncoder {

    private PretrainedEncoder() {
    }

    /** The tensors of a checkpoint as this class reads them: names and shapes first, data on demand. */
    private interface View extends AutoCloseable {
        List<String> names();

        boolean contains(String name);

        int[] shape(String name);

        Tensor tensor(String name) throws IOException;

        /** The pretraining config the file carries (jmae's metadata.config, an official .pth's args), or null. */
        JsonNode pretraining();

        @Override
        void close() throws IOException;
    }

    /**
     * Opens a checkpoint of either format: safetensors by its header (tensors read on demand), a
     * PyTorch .pth through {@link ModelWeights} (read whole, without running its pickle).
     */
    private static View open(Path file) throws IOException {
        if (!java.nio.file.Files.isRegularFile(file)) {
            throw new ConfigException("finetune",
                    file + (java.nio.file.Files.isDirectory(file) ? " is a directory" : ": no such"
                            + " file") + " (expected a pretraining checkpoint: .safetensors or .pth)");
        }
        if (ModelWeights.detect(file) == ModelWeights.Format.SAFETENSORS) {
            SafetensorsFile f = Safetensors.open(file);
            JsonNode meta = pretrainingConfig(f.metadata().get("config"));
            return new View() {
                @Override
                public List<String> names() {
                    return f.names();
                }

                @Override
                public boolean contains(String name) {
                    return f.contains(name) && !name.startsWith("optimizer.");
                }

                @Override
                public int[] shape(String name) {
                    return f.shape(name);
                }

                @Override
                public Tensor tensor(String name) throws IOException {
                    return f.tensor(name);
                }

                @Override
                public JsonNode pretraining() {
                    return meta;
                }

                @Override
                public void close() throws IOException {
                    f.close();
                }
            };
        }
        ModelWeights.Loaded w = ModelWeights.read(file, dev.jmae.tensor.Device.CPU);
        JsonNode meta = null;
        if (w.metadata().get("args") instanceof PickleObject args) {
            try {
                meta = OfficialArgs.toConfig(args.attributes(), file.toString()).json();
            } catch (ConfigException unknownModel) {
                // the encoder's size still comes from the tensors; only num_heads stays unknown
            }
        }
        JsonNode pretraining = meta;
        Map<String, Tensor> sd = w.stateDict();
        return new View() {
            @Override
            public List<String> names() {
                return List.copyOf(sd.keySet());
            }

            @Override
            public boolean contains(String name) {
                return sd.containsKey(name);
            }

            @Override
            public int[] shape(String name) {
                return sd.get(name).shape();
            }

            @Override
            public Tensor tensor(String name) {
                return sd.get(name);
            }

            @Override
            public JsonNode pretraining() {
                return pretraining;
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * What was loaded.
     *
     * @param file the checkpoint
     * @param pretraining the checkpoint's config metadata (the pretraining keys), or null
     * @param loaded the classifier keys filled from the checkpoint
     * @param ignored checkpoint keys not used (decoder, ...)
     * @param fresh classifier keys left at their initialization (head, fc_norm)
     * @param fromGrid the checkpoint's patch grid side
     * @param toGrid the classifier's grid side (pos_embed was resized when they differ)
     */
    public record Loaded(Path file, JsonNode pretraining, List<String> loaded, List<String> ignored, List<String> fresh,
                         int fromGrid, int toGrid) {

        /** @return "crossmae", "mae", or "unknown" when the checkpoint has no config metadata */
        public String pretrainingModel() {
            return pretraining == null ? "unknown" : pretraining.path("model").asText("unknown");
        }
    }

    /**
     * The encoder's size as a checkpoint's tensors give it.
     *
     * @param embedDim D
     * @param inChans C
     * @param patchSize p
     * @param depth blocks
     * @param mlpHidden the MLP width
     * @param numHeads heads, or 0 when the checkpoint does not say
     */
    record Size(int embedDim, int inChans, int patchSize, int depth, int mlpHidden, int numHeads) {

        String describe() {
            return "embed_dim " + embedDim + ", depth " + depth + ", num_heads " + (numHeads > 0 ? numHeads : "?")
                    + ", patch_size "
                    + patchSize + ", in_chans " + inChans + ", mlp width " + mlpHidden;
        }
    }

    /**
     * Checks from the file's header alone (no tensor is read) that a checkpoint's encoder fits a
     * config: its size equals the config's, its positional table is square, and cls-token pooling
     * finds the encoder's norm.
     *
     * @param file the checkpoint
     * @param c the fine-tuning or linear-probe config
     * @throws IOException if the file cannot be read
     * @throws ConfigException if the size differs or cls-token pooling needs a norm the checkpoint lacks
     * @throws CheckpointException if the file holds no ViT encoder
     */
    public static void checkFits(Path file, FinetuneConfig c) throws IOException {
        try (View f = open(file)) {
            check(file, f, f.pretraining(), c);
        }
    }

    /** The checks of {@link #checkFits}; returns the checkpoint's grid side. */
    private static int check(Path file, View f, JsonNode meta, FinetuneConfig c) {
        Size size = size(file, f, meta);
        Size wanted = new Size(c.embedDim(), c.inChans(), c.patchSize(), c.depth(), c.mlpHidden(), c.numHeads());
        if (size.embedDim() != wanted.embedDim() || size.inChans() != wanted.inChans()
                || size.patchSize() != wanted.patchSize()
                || size.depth() != wanted.depth() || size.mlpHidden() != wanted.mlpHidden()
                || size.numHeads() > 0 && size.numHeads() != wanted.numHeads()) {
            throw new ConfigException("model", file + " holds a ViT encoder of " + size.describe() + ", but the "
                    + c.recipe().command() + " config describes " + c.model() + " with " + wanted.describe()
                    + "; hint: use the config that matches the pretraining (e.g. --set model=vit --set embed_dim="
                    + size.embedDim() + " --set depth=" + size.depth()
                    + (size.numHeads() > 0 ? " --set num_heads=" + size.numHeads() : "")
                    + " --set patch_size=" + size.patchSize() + "), or the checkpoint of the size you meant");
        }
        int[] pos = f.shape("pos_embed");
        int tokens = pos.length == 3 ? pos[1] - 1 : -1;
        int fromGrid = (int) Math.round(Math.sqrt(Math.max(0, tokens)));
        if (pos.length != 3 || pos[0] != 1 || pos[2] != size.embedDim() || tokens < 1
                || fromGrid * fromGrid != tokens) {
            throw new CheckpointException(file.toString(), List.of(), List.of(),
                    List.of("pos_embed: expected [1, g*g + 1, "
                            + size.embedDim() + "] for a square patch grid, got " + java.util.Arrays.toString(pos)));
        }
        if (!c.globalPool() && !f.contains("norm.weight")) {
            throw new ConfigException("global_pool", "is false (the cls token after the encoder's final norm), but "
                    + file
                    + " has no norm.* (a " + (meta == null ? "checkpoint" : meta.path("model").asText() + " checkpoint")
                    + " without a final encoder norm: CrossMAE's encoder ends without one, docs/model.md §7; the official "
                    + c.recipe().script() + " fails its missing-key assertion here, docs/model.md §15.4);"
                    + " hint: --set global_pool=true");
        }
        return fromGrid;
    }

    /**
     * Loads a checkpoint's encoder into a classifier.
     *
     * @param file a checkpoint of jmae pretrain, an official .pth, or any state dict with the official encoder keys
     * @param model the classifier, freshly initialized
     * @param g randomness of the head's re-initialization (fine-tuning)
     * @return what was loaded, ignored and left new
     * @throws IOException if the file cannot be read
     * @throws ConfigException if the checkpoint's encoder differs in size from the config's, or
     *     cls-token pooling needs a norm the checkpoint lacks
     * @throws CheckpointException if encoder keys are missing or mis-shaped
     */
    public static Loaded load(Path file, VisionTransformerClassifier model, Generator g) throws IOException {
        FinetuneConfig c = model.config();
        try (View f = open(file)) {
            JsonNode meta = f.pretraining();
            int fromGrid = check(file, f, meta, c);
            int toGrid = c.gridSize();
            int dim = c.embedDim();
            Map<String, Tensor> dict = new LinkedHashMap<>();
            List<String> loaded = new ArrayList<>();
            List<String> fresh = new ArrayList<>();
            List<String> missing = new ArrayList<>();
            for (String k : model.stateDict().keySet()) {
                if (k.startsWith("head.") || k.startsWith("fc_norm.")) {
                    fresh.add(k);
                } else if (!f.contains(k)) {
                    missing.add(k);
                } else if (k.equals("pos_embed")) {
                    float[] table = f.tensor(k).contiguous().toArray();
                    dict.put(k, Tensor.of(PosEmbed.resize(table, dim, fromGrid, toGrid), 1, toGrid * toGrid + 1, dim));
                    loaded.add(k);
                } else {
                    dict.put(k, f.tensor(k));
                    loaded.add(k);
                }
            }
            if (!missing.isEmpty()) {
                throw new CheckpointException(file + " (as the encoder of a " + c.model() + " classifier)", missing,
                        List.of(),
                        List.of());
            }
            List<String> ignored = new ArrayList<>();
            for (String k : f.names()) {
                if (!dict.containsKey(k) && f.contains(k)) {
                    ignored.add(k);
                }
            }
            try {
                model.loadStateDict(dict, false);
            } catch (CheckpointException e) {
                throw new CheckpointException(file.toString(), e.missing(), e.unexpected(), e.misShaped());
            }
            if (c.recipe() == FinetuneConfig.Recipe.FINETUNE) {
                model.initHead(2e-5, g);
            }
            return new Loaded(file, meta, loaded, ignored, fresh, fromGrid, toGrid);
        }
    }

    private static JsonNode pretrainingConfig(String config) {
        if (config == null) {
            return null;
        }
        try {
            JsonNode n = new ObjectMapper().readTree(config);
            return n != null && n.isObject() ? n : null;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return null;
        }
    }

    private static Size size(Path file, View f, JsonNode meta) {
        List<String> absent = new ArrayList<>();
        for (String k : List.of("cls_token", "pos_embed", "patch_embed.proj.weight", "blocks.0.mlp.fc1.weight")) {
            if (!f.contains(k)) {
                absent.add(k);
            }
        }
        if (!absent.isEmpty()) {
            throw new CheckpointException(
                    file + " (no ViT encoder found; hint: pass a checkpoint written by jmae pretrain)",
                    absent, List.of(), List.of());
        }
        int[] cls = f.shape("cls_token");
        int[] proj = f.shape("patch_embed.proj.weight");
        int[] fc1 = f.shape("blocks.0.mlp.fc1.weight");
        if (cls.length != 3 || proj.length != 4 || fc1.length != 2) {
            throw new CheckpointException(file.toString(), List.of(), List.of(), List.of("expected cls_token [1, 1, D],"
                    + " patch_embed.proj.weight [D, C, p, p] and blocks.0.mlp.fc1.weight [hidden, D], got "
                    + java.util.Arrays.toString(cls) + ", " + java.util.Arrays.toString(proj) + ", "
                    + java.util.Arrays.toString(fc1)));
        }
        TreeSet<Integer> blockIds = new TreeSet<>();
        for (String k : f.names()) {
            String[] parts = k.split("\\.");
            if (parts[0].equals("blocks") && parts.length > 1 && parts[1].matches("\\d+")) {
                blockIds.add(Integer.parseInt(parts[1]));
            }
        }
        int heads = meta == null ? 0 : meta.path("num_heads").asInt(0);
        return new Size(cls[2], proj[1], proj[2], blockIds.last() + 1, fc1[0], heads);
    }
}
