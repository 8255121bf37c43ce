package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.data.Batch;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.data.Split;
import dev.jmae.crossmae.data.Transforms;
import dev.jmae.crossmae.eval.ImageGrid;
import dev.jmae.crossmae.eval.Reconstruction;
import dev.jmae.crossmae.train.Evaluator;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code jmae reconstruct}: the paper's Figure 2 view for the first test images: rows of originals,
 * masked inputs, reconstructions and reconstructions with the visible patches pasted. With several
 * checkpoints (the same image size, patch size, mask ratio and normalization), the same images with
 * the same masks: the original and masked rows once, then one pasted-reconstruction row per model,
 * side by side for comparison. A norm-pix model's predictions are de-normalized with each target
 * patch's true mean and variance, as the official demo does; the printed PSNR stands next to the
 * baseline with the same oracle statistics (and the normalized-space MSE), a raw-pixel model's next
 * to the visible-mean baseline.
 */
@Command(name = "reconstruct", mixinStandardHelpOptions = true,
        description = {"Write a reconstruction grid (original, masked, reconstruction, pasted) for test images.",
            "With several --checkpoint options: original and masked once, then each model's pasted reconstruction of the same"
                    + " images and masks."})
final class ReconstructCommand implements Callable<Integer> {

    enum Predict { all, trained }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE",
            description = "A checkpoint of jmae pretrain or an official MAE/CrossMAE .pth (repeat to compare models).")
    List<Path> checkpoints;

    @Option(names = "--config", paramLabel = "CONFIG",
            description = "The model's config (a preset or JSON file) for weights that carry none; default: each file's own.")
    String config;

    @Option(names = "--data", paramLabel = "PATH", description = "Dataset directory (default: the one the run used).")
    String data;

    @Option(names = "--predict", defaultValue = "all", paramLabel = "all|trained",
            description = "all: decode every masked patch (gamma = p) even for a model trained with gamma < p;"
                    + " trained: only the model's own prediction ratio. Default: ${DEFAULT-VALUE}.")
    Predict predict;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The PNG to write.")
    Path out;

    @Option(names = "--count", defaultValue = "8", paramLabel = "N",
            description = "Test images to show (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N",
            description = "Masking noise seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE",
            description = "cpu, reference or opencl:N.")
    String device;

    @Override
    public Integer call() throws IOException {
        if (count < 1) {
            throw new IllegalArgumentException("--count must be >= 1 (test images to show), got " + count);
        }
        Device d = Device.parse(device);
        List<CheckpointModel.Loaded> models = new ArrayList<>();
        for (Path c : checkpoints) {
            models.add(CheckpointModel.load(c, config, data, d, spec.commandLine().getErr()));
        }
        CheckpointModel.Loaded first = models.get(0);
        for (int i = 1; i < models.size(); i++) {
            requireSameView(first, models.get(i), checkpoints.get(i));
        }
        TrainConfig tc = first.config().train();
        ModelConfig view = first.config().model();
        try (DataLoader loader = new DataLoader(first.split(Split.TEST), Transforms.eval(view.imgSize()), first.mean(),
                first.std(), count, false, false, 0, 0, 1, d)) {
            Batch b = loader.epoch(0, 0).next();
            Tensor noise = Tensor.rand(d, new Generator(seed), b.images().size(0), view.numPatches());
            int scale = Math.max(1, 112 / b.images().size(2));
            List<Tensor> rows = new ArrayList<>();
            for (int i = 0; i < models.size(); i++) {
                ModelConfig mc = models.get(i).config().model();
                Reconstruction r = Reconstruction.of(models.get(i).model(), b.images(), noise, predict == Predict.all);
                if (models.size() == 1) {
                    rows.addAll(List.of(r.original(), r.masked(), r.reconstruction(), r.pasted()));
                    System.out.printf(Locale.ROOT,
                            "wrote %s: rows original, masked (%.0f%% of patches), reconstruction, pasted%n",
                            out, 100 * mc.maskRatio());
                } else {
                    if (i == 0) {
                        rows.addAll(List.of(r.original(), r.masked()));
                    }
                    rows.add(r.pasted());
                }
                double[] scores = Evaluator.batchScores(r, mc, tc);
                System.out.printf(Locale.ROOT,
                        "%s%s: masked-patch PSNR of these %d images %.2f dB vs %.2f dB for the %s: %+.2f dB%s%n",
                        models.size() == 1 ? "" : "row " + (i + 3) + ", ", checkpoints.get(i), b.images().size(0),
                        scores[0], scores[1],
                        Evaluator.describe(Evaluator.baselineOf(mc)), scores[0] - scores[1],
                        Double.isNaN(scores[2]) ? ""
                                : String.format(Locale.ROOT, "; normalized MSE on masked patches %.4f vs %.4f",
                                        scores[2], scores[3]));
            }
            ImageGrid.write(out, rows, tc.mean(), tc.std(), scale);
            if (models.size() > 1) {
                System.out.printf(Locale.ROOT, "wrote %s: rows original, masked (%.0f%% of patches), then each model's"
                        + " reconstruction with the visible patches pasted, in --checkpoint order%n", out,
                        100 * view.maskRatio());
            }
            boolean normPix = models.stream().anyMatch(m -> m.config().model().normPixLoss());
            System.out.println(normPix
                    ? "norm-pix predictions are shown de-normalized with each target patch's true mean and variance (the official"
                            + " demo's view), so they carry those oracle statistics; patches without a prediction show their true mean"
                    : "the reconstruction rows show the raw-pixel predictions as they are");
        }
        return 0;
    }

    /** The models of one grid must see the same images with the same masks. */
    private static void requireSameView(CheckpointModel.Loaded a, CheckpointModel.Loaded b, Path file) {
        ModelConfig x = a.config().model();
        ModelConfig y = b.config().model();
        if (x.imgSize() != y.imgSize() || x.patchSize() != y.patchSize() || x.maskRatio() != y.maskRatio()
                || x.inChans() != y.inChans() || !a.config().train().mean().equals(b.config().train().mean())
                || !a.config().train().std().equals(b.config().train().std())) {
            throw new ConfigException("checkpoint",
                    file + " has img_size " + y.imgSize() + ", patch_size " + y.patchSize()
                            + ", mask_ratio " + y.maskRatio() + ", in_chans " + y.inChans() + ", mean "
                            + b.config().train().mean()
                            + ", std " + b.config().train().std() + ", but the first checkpoint has " + x.imgSize()
                            + ", " + x.patchSize()
                            + ", " + x.maskRatio() + ", " + x.inChans() + ", " + a.config().train().mean() + ", "
                            + a.config().train().std()
                            + "; models compared in one grid must see the same images and masks");
        }
    }
}
