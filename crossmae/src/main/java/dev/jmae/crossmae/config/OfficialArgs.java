package dev.jmae.crossmae.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A jmae config from the {@code args} that the official pretraining scripts save in their
 * checkpoints (an {@code argparse.Namespace} of CrossMAE's or MAE's {@code main_pretrain.py},
 * read as its attributes): the model name ({@code mae_vit_base_patch16}, with or without MAE's
 * {@code _dec512d8b} suffix) and {@code cross_mae} pick one of the presets
 * ({@code crossmae_vit_base_patch16}, {@code mae_vit_small_patch16}, ...), then the flags that
 * change the model override it: {@code input_size} (img_size), {@code mask_ratio},
 * {@code norm_pix_loss}, {@code decoder_depth} and, for CrossMAE, {@code kept_mask_ratio},
 * {@code weight_fm}, {@code use_fm}, {@code use_input}, {@code self_attn}; and the recipe's
 * {@code batch_size}, {@code accum_iter}, {@code epochs}, {@code warmup_epochs}, {@code blr},
 * {@code min_lr}, {@code weight_decay}, {@code seed}, {@code data_path}. {@code lr} is left out: the
 * script overwrites it with the absolute lr of its own effective batch before saving.
 * Source: CrossMAE {@code main_pretrain.py} {@code get_args_parser}, {@code models_cross.py} and
 * {@code models_mae.py} model functions.
 */
public final class OfficialArgs {

    private static final Pattern MODEL = Pattern.compile("mae_vit_(small|base|large|huge)_patch(\\d+)(_dec512d8b)?");

    /** Flags copied under the same name. */
    private static final List<String> SAME_NAME = List.of("mask_ratio", "norm_pix_loss", "decoder_depth", "batch_size",
            "accum_iter", "epochs", "warmup_epochs", "blr", "min_lr", "weight_decay", "seed", "data_path");
    /** CrossMAE-only flags, copied for a CrossMAE model. */
    private static final List<String> CROSS_ONLY = List.of("kept_mask_ratio", "weight_fm", "use_fm", "use_input",
            "self_attn");

    private OfficialArgs() {
    }

    /**
     * A config and what it was built from.
     *
     * @param preset the preset it starts from
     * @param json the preset with the official flags applied
     * @param notes what was mapped or left out, one line each
     */
    public record Mapped(String preset, ObjectNode json, List<String> notes) {
    }

    /**
     * Maps the attributes of an official {@code args} to a config.
     *
     * @param args attribute name to value as the pickle built them (str, int as Long or
     *     BigInteger, float as Double, bool, None as null, lists)
     * @param what the file the args come from, for messages
     * @return the config object (resolve it with {@link Configs#resolve})
     * @throws ConfigException (key {@code model}) if the model name is not an official pretraining
     *     model, with the hint to pass --config
     */
    public static Mapped toConfig(Map<String, Object> args, String what) {
        Object name = args.get("model");
        Matcher m = name instanceof String s ? MODEL.matcher(s) : null;
        if (m == null || !m.matches()) {
            throw new ConfigException("model", what + " was saved with args.model = "
                    + (name instanceof String s ? "'" + s + "'"
                            : String.valueOf(name))
                    + ", which is not an official pretraining model (mae_vit_small_patch16,"
                    + " mae_vit_base_patch16, mae_vit_large_patch16, mae_vit_huge_patch14); hint: pass --config with the"
                    + " model's preset or JSON");
        }
        boolean cross = Boolean.TRUE.equals(args.get("cross_mae"));
        String preset = (cross ? "crossmae" : "mae") + "_vit_" + m.group(1) + "_patch" + m.group(2);
        ObjectNode json;
        try {
            json = Configs.source(preset);
        } catch (ConfigException e) {
            throw new ConfigException("model",
                    what + " was saved with args.model = '" + name + "', for which jmae has no"
                            + " preset " + preset + "; hint: pass --config");
        }
        List<String> notes = new ArrayList<>();
        notes.add("config from the checkpoint's args: preset " + preset + " (args.model '" + name + "', cross_mae "
                + cross
                + ")");
        List<String> ignored = new ArrayList<>();
        put(json, "img_size", args.get("input_size"), ignored);
        for (String k : SAME_NAME) {
            put(json, k, args.get(k), ignored);
        }
        if (cross) {
            for (String k : CROSS_ONLY) {
                put(json, k, args.get(k), ignored);
            }
        } else if (json.has("mask_ratio")) {
            // MAE predicts every masked patch; CrossMAE's script passes kept_mask_ratio to MAE, which ignores it
            json.set("kept_mask_ratio", json.get("mask_ratio"));
        }
        if (Boolean.TRUE.equals(args.get("no_lr_scale")) || Boolean.TRUE.equals(args.get("inverse_lr"))) {
            notes.add(
                    "args.no_lr_scale / args.inverse_lr changed the official lr rule; jmae's blr keeps (kept_mask_ratio /"
                            + " mask_ratio) · blr · eff_batch / 256");
        }
        if (!ignored.isEmpty()) {
            notes.add("args left out (not a number, bool, string or list of ints): " + String.join(", ", ignored));
        }
        return new Mapped(preset, json, List.copyOf(notes));
    }

    private static void put(ObjectNode json, String key, Object v, List<String> ignored) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        JsonNode n;
        if (v == null) {
            return;
        } else if (v instanceof Boolean b) {
            n = f.booleanNode(b);
        } else if (v instanceof Long l) {
            n = f.numberNode(l);
        } else if (v instanceof BigInteger b) {
            n = f.numberNode(b);
        } else if (v instanceof Double d) {
            n = f.numberNode(d);
        } else if (v instanceof String s) {
            n = f.textNode(s);
        } else if (v instanceof List<?> list && list.stream().allMatch(x -> x instanceof Long)) {
            ArrayNode a = f.arrayNode();
            list.forEach(x -> a.add((Long) x));
            n = a;
        } else {
            ignored.add(key);
            return;
        }
        json.set(key, n);
    }
}
