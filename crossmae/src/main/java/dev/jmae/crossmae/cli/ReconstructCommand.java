package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.data.Batch;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.data.ImageDataset;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code jmae reconstruct}: the paper's Figure 2 view for the first test images: rows of originals,
 * masked inputs, reconstructions and reconstructions with the visible patches pasted. A norm-pix
 * model's predictions are de-normalized with each target patch's true mean and variance, as the
 * official demo does; the printed PSNR stands next to the baseline with the same oracle
 * statistics (and the normalized-space MSE), a raw-pixel model's next to the visible-mean baseline.
 */
@Command(name = "reconstruct", mixinStandardHelpOptions = true,
        description = "Write a reconstruction grid (original, masked, reconstruction, pasted) for test images.")
final class ReconstructCommand implements Callable<Integer> {

    enum Predict { all, trained }

    @Option(names = "--checkpoint", required = true, paramLabel = "FILE", description = "A checkpoint written by jmae pretrain.")
    Path checkpoint;

    @Option(names = "--data", paramLabel = "PATH", description = "Dataset directory (default: the one the run used).")
    String data;

    @Option(names = "--predict", defaultValue = "all", paramLabel = "all|trained",
            description = "all: decode every masked patch (gamma = p) even for a model trained with gamma < p;"
                    + " trained: only the model's own prediction ratio. Default: ${DEFAULT-VALUE}.")
    Predict predict;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The PNG to write.")
    Path out;

    @Option(names = "--count", defaultValue = "8", paramLabel = "N", description = "Test images to show (default ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "N", description = "Masking noise seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--device", defaultValue = "cpu", paramLabel = "DEVICE", description = "cpu, reference or opencl:N.")
    String device;

    @Override
    public Integer call() throws IOException {
        Device d = Device.parse(device);
        CheckpointModel.Loaded m = CheckpointModel.load(checkpoint, data, d);
        TrainConfig tc = m.config().train();
        ImageDataset test = m.split(Split.TEST);
        double[] mean = m.mean();
        double[] std = m.std();
        try (DataLoader loader = new DataLoader(test, Transforms.eval(m.config().model().imgSize()), mean, std, count, false,
                false, 0, 0, 1, d)) {
            Batch b = loader.epoch(0, 0).next();
            Tensor noise = Tensor.rand(d, new Generator(seed), b.images().size(0), m.config().model().numPatches());
            Reconstruction r = Reconstruction.of(m.model(), b.images(), noise, predict == Predict.all);
            int scale = Math.max(1, 112 / b.images().size(2));
            ImageGrid.write(out, List.of(r.original(), r.masked(), r.reconstruction(), r.pasted()), tc.mean(), tc.std(), scale);
            ModelConfig mc = m.config().model();
            double[] scores = Evaluator.batchScores(r, mc, tc);
            System.out.printf(Locale.ROOT, "wrote %s: rows original, masked (%.0f%% of patches), reconstruction, pasted%n", out,
                    100 * mc.maskRatio());
            System.out.println(mc.normPixLoss()
                    ? "the reconstruction rows show the norm-pix predictions de-normalized with each target patch's true mean"
                    + " and variance (the official demo's view), so they carry those oracle statistics; patches without a"
                    + " prediction show their true mean"
                    : "the reconstruction rows show the raw-pixel predictions as they are");
            System.out.printf(Locale.ROOT, "these %d images: masked-patch PSNR %.2f dB vs %.2f dB for the %s: %+.2f dB%s%n",
                    b.images().size(0), scores[0], scores[1], Evaluator.describe(Evaluator.baselineOf(mc)), scores[0] - scores[1],
                    Double.isNaN(scores[2]) ? "" : String.format(Locale.ROOT, "; normalized MSE on masked patches %.4f vs %.4f",
                            scores[2], scores[3]));
        }
        return 0;
    }
}
