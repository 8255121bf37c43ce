package dev.jmae.crossmae.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.OfficialArgs;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.ModelWeights;
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.torch.PickleObject;
import dev.jmae.tensor.io.torch.PickleValues;
import dev.jmae.tensor.io.torch.TorchTensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jmae convert IN OUT}: a model's weights as float32 safetensors, from a PyTorch
 * checkpoint (read without running its pickle; the state dict found where {@link ModelWeights}
 * looks, or under {@code --entry}) or from safetensors of any float dtype (F16, BF16 and F64
 * widened or rounded to float32). From a {@code .pth}, the other top-level entries become string
 * metadata as JSON ({@link PickleValues#toJson}: {@code args}, {@code epoch}, {@code scaler}, ...;
 * dicts holding tensors, such as the optimizer state, are left out), and the official {@code args}
 * become a jmae {@code config} when they name a model jmae has a preset for ({@code --config}
 * gives one otherwise), so the output loads in {@code forward}, {@code reconstruct} and
 * {@code probe} without one. Safetensors keep their metadata as it is.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {
            "Write a model's weights as float32 safetensors, from a PyTorch .pth (read without running its pickle)"
                    + " or from F16/BF16/F64 safetensors.",
            "From a .pth the state dict comes from 'model', 'state_dict' or the top level (or --entry), and args, epoch and"
                    + " the other small entries ride along as JSON metadata; optimizer state is left out."})
final class ConvertCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN",
            description = "A PyTorch checkpoint (.pth, zip format) or a .safetensors file.")
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "The safetensors file to write (replaced atomically).")
    Path out;

    @Option(names = "--entry", paramLabel = "KEY",
            description = "The top-level entry of a .pth that holds the state dict, e.g. model_ema (default: model, state_dict,"
                    + " model_state_dict, else the top level).")
    String entry;

    @Option(names = "--config", paramLabel = "CONFIG",
            description = "A config (preset or JSON file) to store as the output's metadata 'config', for weights that carry"
                    + " none.")
    String config;

    @Override
    public Integer call() throws IOException {
        ModelFiles.requireFile(in, "IN", "a .pth or .safetensors file");
        if (Files.exists(out) && Files.isSameFile(in, out)) {
            throw new IllegalArgumentException(
                    "OUT " + out + " is IN; hint: write the converted file under another name");
        }
        ObjectNode explicit = config == null ? null : Configs.source(config);
        if (explicit != null) {
            Configs.resolve(explicit.deepCopy(), true);
        }
        PrintWriter err = spec.commandLine().getErr();
        ModelWeights.Loaded w = ModelWeights.read(in, Device.CPU, entry);
        Map<String, String> meta = new LinkedHashMap<>();
        List<String> said = new ArrayList<>(w.notes());
        if (w.format() == ModelWeights.Format.SAFETENSORS) {
            w.metadata().forEach((k, v) -> meta.put(k, (String) v));
        } else {
            pytorchMetadata(w, meta, said);
        }
        if (explicit != null) {
            meta.put("config", flat(Configs.resolve(explicit, true)));
            said.add("config from --config " + config);
        }
        Map<String, Tensor> tensors = w.stateDict();
        Safetensors.write(out, tensors, meta);
        long elements = tensors.values().stream().mapToLong(Tensor::numel).sum();
        for (String s : said) {
            err.println(in + ": " + s);
        }
        err.flush();
        spec.commandLine().getOut()
                .printf("wrote %s: %d tensors, %,d float32 values, from %s (%s)%s%n", out, tensors.size(),
                        elements, in,
                        w.format() == ModelWeights.Format.PYTORCH ? "PyTorch checkpoint, state dict under '"
                                + w.location() + "'" : "safetensors",
                        meta.isEmpty() ? "" : "; metadata: " + String.join(", ",
                                meta.keySet()));
        return 0;
    }

    /** A .pth's other entries as JSON metadata, and a jmae config from its args when one maps. */
    private static void pytorchMetadata(ModelWeights.Loaded w, Map<String, String> meta, List<String> said) {
        meta.put("source", w.file().getFileName().toString());
        meta.put("source_location", w.location());
        List<String> left = new ArrayList<>();
        for (Map.Entry<String, Object> e : w.metadata().entrySet()) {
            if (holdsTensors(e.getValue(), 3)) {
                left.add(e.getKey());
            } else {
                meta.put(e.getKey(), PickleValues.toJson(e.getValue()).toString());
            }
        }
        if (!left.isEmpty()) {
            said.add("left out " + String.join(", ", left)
                    + " (entries holding tensors: optimizer state, moving averages)");
        }
        if (w.metadata().get("args") instanceof PickleObject args) {
            try {
                OfficialArgs.Mapped m = OfficialArgs.toConfig(args.attributes(), w.file().toString());
                meta.put("config", flat(Configs.resolve(m.json(), true)));
                said.addAll(m.notes());
            } catch (ConfigException e) {
                said.add("no config stored: " + e.getMessage().replaceFirst("^[a-z_]+: ", ""));
            }
        }
    }

    /** A resolved config as jmae pretrain stores it in checkpoints: one flat JSON object. */
    private static String flat(Configs.Config c) {
        return c.model().toJson().setAll(c.train().toJson()).toString();
    }

    private static boolean holdsTensors(Object o, int depth) {
        if (o instanceof TorchTensor) {
            return true;
        }
        if (depth == 0) {
            return false;
        }
        if (o instanceof Map<?, ?> m) {
            for (Object v : m.values()) {
                if (holdsTensors(v, depth - 1)) {
                    return true;
                }
            }
        } else if (o instanceof List<?> l) {
            for (Object v : l) {
                if (holdsTensors(v, depth - 1)) {
                    return true;
                }
            }
        }
        return false;
    }
}
