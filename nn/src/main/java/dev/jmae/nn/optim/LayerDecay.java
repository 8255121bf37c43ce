package dev.jmae.nn.optim;

import dev.jmae.nn.Module;
import dev.jmae.nn.Parameter;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Layer-wise learning-rate decay for ViT fine-tuning: the official {@code util/lr_decay.py}
 * {@code param_groups_lrd} and {@code get_layer_id_for_vit} (MAE and CrossMAE share the file,
 * after BEiT's {@code optim_factory.py}).
 *
 * <p>With depth blocks, num_layers = depth + 1 and each parameter gets a layer id:
 * <ul>
 *   <li>0 for {@code cls_token}, {@code pos_embed} (exact names) and every name starting with
 *       {@code patch_embed};</li>
 *   <li>i + 1 for names starting with {@code blocks} ({@code blocks.i.…});</li>
 *   <li>num_layers for everything else ({@code fc_norm}, {@code head}, {@code norm}).</li>
 * </ul>
 * Its lr scale is layer_decay^(num_layers − layer_id): 1 for the head, layer_decay^(depth + 1)
 * for the embeddings. Parameters with exactly one dimension or whose name is in the no-weight-decay
 * list get weight decay 0; all others get the given decay. Frozen parameters are skipped. Groups
 * are named {@code layer_<id>_decay} / {@code layer_<id>_no_decay} and ordered by the first
 * parameter that falls into each, as the official dict is. The schedule multiplies its lr by each
 * group's {@link ParamGroup#lrScale()} ({@link WarmupCosineSchedule#apply}, the official
 * {@code adjust_learning_rate}).
 */
public final class LayerDecay {

    /**
     * timm's {@code VisionTransformer.no_weight_decay()} as of timm 0.9.7 (the version CrossMAE
     * pins), which {@code main_finetune.py} passes as {@code no_weight_decay_list}.
     */
    public static final Set<String> VIT_NO_WEIGHT_DECAY = Set.of("pos_embed", "cls_token", "dist_token");

    private LayerDecay() {
    }

    /**
     * The layer id of a parameter ({@code get_layer_id_for_vit}).
     *
     * @param name the parameter's state-dict key, e.g. {@code blocks.3.attn.qkv.weight}
     * @param numLayers depth + 1
     * @return 0 for the embeddings, i + 1 for block i, numLayers otherwise
     * @throws IllegalArgumentException if a {@code blocks} name has no integer index after the first dot
     */
    public static int layerIdForVit(String name, int numLayers) {
        if (name.equals("cls_token") || name.equals("pos_embed")) {
            return 0;
        }
        if (name.startsWith("patch_embed")) {
            return 0;
        }
        if (name.startsWith("blocks")) {
            String[] parts = name.split("\\.");
            try {
                return Integer.parseInt(parts[1]) + 1;
            } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
                throw new IllegalArgumentException("layerIdForVit: expected 'blocks.<index>.…', got '" + name + "'");
            }
        }
        return numLayers;
    }

    /**
     * The lr scale of each layer id: layer_decay^(num_layers − id) for id = 0 … num_layers.
     *
     * @param depth the number of transformer blocks
     * @param layerDecay the decay per layer, in (0, 1] (0.75 official default, 0.65 for ViT-S/B)
     * @return depth + 2 scales, the last 1
     */
    public static double[] layerScales(int depth, double layerDecay) {
        int numLayers = depth + 1;
        double[] scales = new double[numLayers + 1];
        for (int i = 0; i <= numLayers; i++) {
            scales[i] = Math.pow(layerDecay, numLayers - i);
        }
        return scales;
    }

    /**
     * Builds the groups of a ViT classifier ({@code param_groups_lrd}).
     *
     * @param model the model, with official key names
     * @param depth its number of blocks ({@code len(model.blocks)})
     * @param lr the initial lr of every group (the schedule overwrites it with lr(t)·lr_scale each
     *     iteration, like {@code torch.optim.AdamW(param_groups, lr=args.lr)})
     * @param weightDecay the decay of the decayed groups (0.05 in fine-tuning)
     * @param noWeightDecay exact names that get no decay ({@link #VIT_NO_WEIGHT_DECAY})
     * @param layerDecay the decay per layer
     * @return the groups, in order of first appearance
     * @throws IllegalArgumentException if depth is negative, layerDecay is outside (0, 1], or a
     *     {@code blocks.i} name has i ≥ depth
     */
    public static List<ParamGroup> paramGroupsLrd(Module model, int depth, double lr, double weightDecay,
                                                  Set<String> noWeightDecay, double layerDecay) {
        return paramGroupsLrd(model.namedParameters(), depth, lr, weightDecay, noWeightDecay, layerDecay);
    }

    /**
     * Builds the groups from named parameters ({@code param_groups_lrd}); see the class comment.
     *
     * @param named key to parameter, in {@code named_parameters()} order
     * @param depth the number of blocks
     * @param lr the initial lr of every group
     * @param weightDecay the decay of the decayed groups
     * @param noWeightDecay exact names that get no decay
     * @param layerDecay the decay per layer
     * @return the groups, in order of first appearance
     * @throws IllegalArgumentException if depth is negative, layerDecay is outside (0, 1], or a
     *     {@code blocks.i} name has i ≥ depth
     */
    public static List<ParamGroup> paramGroupsLrd(Map<String, Parameter> named, int depth, double lr,
                                                  double weightDecay,
                                                  Set<String> noWeightDecay, double layerDecay) {
        if (depth < 0 || !(layerDecay > 0 && layerDecay <= 1)) {
            throw new IllegalArgumentException("paramGroupsLrd: expected depth >= 0 and layer_decay in (0, 1], got "
                    + depth + " and " + layerDecay);
        }
        int numLayers = depth + 1;
        double[] scales = layerScales(depth, layerDecay);
        Map<String, List<Parameter>> members = new LinkedHashMap<>();
        Map<String, double[]> settings = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : named.entrySet()) {
            String n = e.getKey();
            Parameter p = e.getValue();
            if (!p.requiresGrad()) {
                continue;
            }
            boolean noDecay = p.ndim() == 1 || noWeightDecay.contains(n);
            int layerId = layerIdForVit(n, numLayers);
            if (layerId > numLayers) {
                throw new IllegalArgumentException("paramGroupsLrd: parameter '" + n + "' belongs to block "
                        + (layerId - 1) + " but the model has " + depth + " blocks; hint: pass the encoder's depth");
            }
            String group = "layer_" + layerId + (noDecay ? "_no_decay" : "_decay");
            members.computeIfAbsent(group, k -> new ArrayList<>()).add(p);
            settings.computeIfAbsent(group, k -> new double[] {scales[layerId], noDecay ? 0.0 : weightDecay});
        }
        List<ParamGroup> groups = new ArrayList<>();
        members.forEach((g, ps) -> groups.add(new ParamGroup(g, ps, lr, settings.get(g)[1], settings.get(g)[0])));
        return groups;
    }
}
