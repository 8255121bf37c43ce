package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.data.ImageDataset;
import dev.jmae.crossmae.data.Split;
import dev.jmae.crossmae.data.Transforms;
import dev.jmae.crossmae.eval.Probe;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Device;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code jmae probe}: frozen-encoder features (global average pooling of the patch tokens) on the
 * train and test splits, scored by a linear probe and k-NN (k = 20, cosine), next to the same
 * classifiers on raw pixels and on the features of the same encoder randomly initialized (the
 * model's own init with {@code --seed}): the two controls a pretrained encoder must beat, each
 * given the same images and the same classifier.
 */
@Command(name = "probe", mixinStandardHelpOptions = true,
        description = "Linear-probe and k-NN accuracy of frozen encoder features, with raw-pixel baselines.")
final class ProbeCommand implements Callable<Integer> {

    enum Method { linear, knn, both }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE",
            description = "A checkpoint of jmae pretrain or an official MAE/CrossMAE .pth.")
    Path checkpoint;

    @Option(names = "--config", paramLabel = "CONFIG",
            description = "The model's config (a preset or JSON file) for weights that carry none; default: the file's own.")
    String config;

    @Option(names = "--method", defaultValue = "both", paramLabel = "linear|knn|both",
            description = "Default: ${DEFAULT-VALUE}.")
    Method method;

    @Option(names = "--data", paramLabel = "PATH", description = "Dataset directory (default: the one the run used).")
    String data;

    @Option(names = "--epochs", defaultValue = "30", paramLabel = "N",
            description = "Linear-probe epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
            description = "Seed of the randomly initialized encoder shown as a control (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, reference or opencl:N.")
    String device;

    @Override
    public Integer call() throws IOException {
        if (epochs < 1) {
            throw new IllegalArgumentException("--epochs must be >= 1 (linear-probe epochs), got " + epochs);
        }
        Device d = Device.parse(device);
        CheckpointModel.Loaded m = CheckpointModel.load(checkpoint, config, data, d, spec.commandLine().getErr());
        TrainConfig tc = m.config().train();
        ImageDataset train = m.split(Split.TRAIN);
        ImageDataset test = m.split(Split.TEST);
        double[] mean = m.mean();
        double[] std = m.std();
        int size = m.config().model().imgSize();
        Probe.Features[] enc = new Probe.Features[2];
        Probe.Features[] pix = new Probe.Features[2];
        Probe.Features[] rnd = new Probe.Features[2];
        MaskedAutoencoder random = MaskedAutoencoder.create(m.config().model(), new Generator(seed), d);
        ImageDataset[] splits = {train, test};
        for (int s = 0; s < 2; s++) {
            long t0 = System.nanoTime();
            System.err.printf(Locale.ROOT, "encoding the %s split (%d images) ...%n", s == 0 ? "train" : "test",
                    splits[s].size());
            try (DataLoader l = new DataLoader(splits[s], Transforms.eval(size), mean, std, 256, false, false, 0,
                    tc.numWorkers(),
                    tc.prefetchBatches(), d)) {
                enc[s] = Probe.encoderFeatures(m.model(), l, splits[s].numClasses());
                pix[s] = Probe.pixelFeatures(l, splits[s].numClasses());
            }
            try (DataLoader l = new DataLoader(splits[s], Transforms.eval(size), mean, std, 256, false, false, 0,
                    tc.numWorkers(),
                    tc.prefetchBatches(), d)) {
                rnd[s] = Probe.encoderFeatures(random, l, splits[s].numClasses());
            }
            System.err.printf(Locale.ROOT, "  done in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        }
        if (method != Method.knn) {
            System.err.printf(Locale.ROOT,
                    "linear probes: %d epochs on %d x %d encoder features and %d x %d pixels ...%n",
                    epochs, enc[0].labels().length, enc[0].x().size(1), pix[0].labels().length, pix[0].x().size(1));
        }
        System.out.printf(Locale.ROOT, "probe of %s on %s (train %d, test %d images)%n", checkpoint,
                train.description(),
                enc[0].labels().length, enc[1].labels().length);
        System.out.printf(Locale.ROOT, "%-28s %10s %10s %12s%n", "method", "encoder", "raw pixels", "random init");
        if (method != Method.knn) {
            System.out.printf(Locale.ROOT, "%-28s %9.2f%% %9.2f%% %11.2f%%%n", "linear probe (" + epochs + " epochs)",
                    100 * Probe.linearProbeAccuracy(enc[0], enc[1], epochs, 256, 0),
                    100 * Probe.linearProbeAccuracy(pix[0], pix[1], epochs, 256, 0),
                    100 * Probe.linearProbeAccuracy(rnd[0], rnd[1], epochs, 256, 0));
        }
        if (method != Method.linear) {
            System.out.printf(Locale.ROOT, "%-28s %9.2f%% %9.2f%% %11.2f%%%n", "k-NN (k=20, cosine)",
                    100 * Probe.knnAccuracy(enc[0], enc[1], 20, 0.07),
                    100 * Probe.knnAccuracy(pix[0], pix[1], 20, 0.07),
                    100 * Probe.knnAccuracy(rnd[0], rnd[1], 20, 0.07));
        }
        return 0;
    }
}
