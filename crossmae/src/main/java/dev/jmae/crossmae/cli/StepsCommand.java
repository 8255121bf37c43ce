package dev.jmae.crossmae.cli;

import dev.jmae.autograd.GradMode;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.crossmae.train.TrainStep;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.ParamGroups;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;
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
 * {@code jmae steps}: N AdamW steps of the shared training step ({@link TrainStep}, accum_iter 1)
 * on one batch with its fixed masking noise, at a constant lr, with main_pretrain.py's optimizer
 * (timm's no-decay groups: biases and 1-d parameters get no weight decay; betas and eps from the
 * config's opt_betas and opt_eps, (0.9, 0.95) and 1e-8 by default). Writes {@code losses} [N] (the
 * loss before each step), {@code loss_after} [1] and {@code weights.<key>} for every parameter
 * after the last step, so optimization can be compared with PyTorch run for run
 * (tools/golden/make_steps_fixtures.py).
 */
@Command(name = "steps", mixinStandardHelpOptions = true,
        description = "Run N AdamW training steps on one batch and write the losses and the final weights.")
final class StepsCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--config", paramLabel = "CONFIG",
            description = "A JSON config file or a preset name (default: the config the weights carry; needed for"
                    + " weights-only files).")
    String config;

    @Option(names = "--weights", required = true, paramLabel = "FILE",
            description = "Weights with official keys, loaded strictly: a .safetensors file or a PyTorch .pth checkpoint.")
    Path weights;

    @Option(names = "--batch", required = true, paramLabel = "FILE",
            description = "A safetensors file with images [N, C, H, W] and noise [N, L], used for every step.")
    Path batch;

    @Option(names = "--steps", required = true, paramLabel = "N", description = "Optimizer steps, at least 1.")
    int steps;

    @Option(names = "--lr", required = true, paramLabel = "LR",
            description = "Constant learning rate per optimizer step.")
    double lr;

    @Option(names = "--weight-decay", defaultValue = "0.05", paramLabel = "WD",
            description = "AdamW weight decay of the decayed group (default ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(names = "--out", required = true, paramLabel = "FILE",
            description = "Where to write losses [N], loss_after [1] and weights.<key>.")
    Path out;

    @Option(names = "--device", paramLabel = "DEVICE", defaultValue = "cpu",
            description = "cpu (default), reference, or a provider's device such as opencl:0.")
    String device;

    @picocli.CommandLine.Mixin
    MatmulPrecisionOption matmulPrecision = new MatmulPrecisionOption();

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a config key (repeatable).")
    Map<String, String> overrides = Map.of();

    @Override
    public Integer call() throws IOException {
        if (steps < 1 || !(lr >= 0) || !(weightDecay >= 0)) {
            throw new IllegalArgumentException(
                    "steps: expected --steps >= 1, --lr >= 0 and --weight-decay >= 0, got " + steps
                            + ", " + lr + ", " + weightDecay);
        }
        if (config != null) {
            Configs.resolve(Configs.override(Configs.source(config), overrides), true);
        }
        ModelFiles.requireFile(batch, "--batch", "a safetensors file with images [N, C, H, W] and noise [N, L]");
        Device d = Device.parse(device);
        matmulPrecision.apply(d, System.err);
        ModelFiles.Read r = ModelFiles.read(weights, "--weights", d);
        Configs.Config c = Configs.resolve(Configs.override(ModelFiles.config(r, config), overrides), true);
        TrainConfig tc = c.train();
        MaskedAutoencoder model = MaskedAutoencoder.create(c.model(), new dev.jmae.tensor.Generator(0), d);
        ModelFiles.load(model, r, spec.commandLine().getErr());
        BatchFile b = BatchFile.read(batch, d);
        AdamW opt = new AdamW(ParamGroups.weightDecaySplit(model, lr, weightDecay), tc.optBetas().get(0),
                tc.optBetas().get(1),
                tc.optEps());
        TrainStep step = new TrainStep(opt, null, 1, 0);
        TrainStep.Loss loss = () -> model.forward(b.images(), b.noise()).loss();
        model.train();
        step.beginEpoch();
        float[] losses = new float[steps];
        for (int s = 0; s < steps; s++) {
            losses[s] = (float) step.run(0, s, steps, loss).loss();
        }
        float after;
        try (GradMode.Scope g = GradMode.noGrad(); TensorScope scope = TensorScope.open()) {
            after = loss.compute().item();
        }
        Map<String, Tensor> result = new LinkedHashMap<>();
        result.put("losses", Tensor.of(losses, steps));
        result.put("loss_after", Tensor.of(new float[] {after}, 1));
        for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
            result.put("weights." + e.getKey(), e.getValue().value());
        }
        Safetensors.write(out, result, Map.of("config", c.model().toJson().toString(), "device", d.toString(),
                "steps", Integer.toString(steps), "lr", Double.toString(lr), "weight_decay",
                Double.toString(weightDecay)));
        spec.commandLine().getOut().printf(Locale.ROOT,
                "%d AdamW steps at lr %.3g: loss %.6f -> %.6f (after)  wrote %s%n",
                steps, lr, losses[0], after, out);
        return 0;
    }
}
