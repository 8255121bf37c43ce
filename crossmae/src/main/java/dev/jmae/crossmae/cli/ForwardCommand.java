package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code jmae forward}: runs a model once on a batch and writes loss, pred, mask and optionally
 * every trainable parameter's gradient, so results can be compared with PyTorch run for run.
 */
@Command(name = "forward", mixinStandardHelpOptions = true,
        description = "Run one forward (and optionally backward) pass on a batch and write the results.")
final class ForwardCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "CONFIG",
            description = "A JSON config file or a preset name (default: the config the weights carry: a jmae checkpoint's,"
                    + " or the preset an official .pth's args name; needed for weights-only files).")
    String config;

    @Option(names = "--weights", required = true, paramLabel = "FILE",
            description = "Weights with official keys, loaded strictly: a .safetensors file (any float dtype) or a PyTorch"
                    + " .pth checkpoint (read without running its pickle).")
    Path weights;

    @Option(names = "--batch", required = true, paramLabel = "FILE",
            description = "A safetensors file with images [N, C, H, W] and noise [N, L].")
    Path batch;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Where to write loss [1], pred, mask [N, L] and (with --grads) grad.<key>.")
    Path out;

    @Option(names = "--grads", description = "Also run backward and write grad.<key> for every trainable parameter.")
    boolean grads;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "cpu (default), reference, or a provider's device such as opencl:0.")
    String device;

    @picocli.CommandLine.Mixin
    MatmulPrecisionOption matmulPrecision = new MatmulPrecisionOption();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
    Map<String, String> overrides = Map.of();

    @Override
    public Integer call() throws IOException {
        if (config != null) {
            Configs.resolve(Configs.override(Configs.source(config), overrides), false);
        }
        ModelFiles.requireFile(batch, "--batch", "a safetensors file with images [N, C, H, W] and noise [N, L]");
        Device d = Device.parse(device);
        matmulPrecision.apply(d, System.err);
        ModelFiles.Read r = ModelFiles.read(weights, "--weights", d);
        ModelConfig c = Configs.resolve(Configs.override(ModelFiles.config(r, config), overrides), false).model();
        MaskedAutoencoder model = MaskedAutoencoder.create(c, new Generator(0), d);
        ModelFiles.load(model, r, spec.commandLine().getErr());
        BatchFile b = BatchFile.read(batch, d);
        MaskedAutoencoder.Output o = model.forward(b.images(), b.noise());
        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put("loss", o.loss().value().reshape(1));
        result.put("pred", o.pred().value());
        result.put("mask", o.mask());
        if (grads) {
            o.loss().backward();
            for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
                // a trainable parameter the loss does not reach has no gradient (None in PyTorch): skip it
                if (e.getValue().requiresGrad() && e.getValue().grad() != null) {
                    result.put("grad." + e.getKey(), e.getValue().grad());
                }
            }
        }
        Safetensors.write(out, result, Map.of("config", c.toJson().toString(), "device", d.toString()));
        spec.commandLine().getOut().printf(Locale.ROOT, "loss %.7f  pred %s  wrote %s%n", o.loss().item(),
                java.util.Arrays.toString(o.pred().shape()), out);
        return 0;
    }
}
