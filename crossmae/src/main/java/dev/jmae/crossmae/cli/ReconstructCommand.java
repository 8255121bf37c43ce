package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.data.Batch;
import dev.jmae.crossmae.data.DataLoader;
import dev.jmae.crossmae.data.ImageDataset;
import dev.jmae.crossmae.data.Split;
import dev.jmae.crossmae.data.Transforms;
import dev.jmae.crossmae.eval.ImageGrid;
import dev.jmae.crossmae.eval.Psnr;
import dev.jmae.crossmae.eval.Reconstruction;
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
 * masked inputs, reconstructions and reconstructions with the visible patches pasted.
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
            System.out.printf(Locale.ROOT, "wrote %s: rows original, masked (%.0f%% of patches), reconstruction, pasted;"
                            + " masked-patch PSNR of these %d images %.2f dB (visible-mean baseline %.2f dB)%n", out,
                    100 * m.config().model().maskRatio(), b.images().size(0),
                    Psnr.maskedPsnr(r.original(), r.pasted(), r.pixelMask(), tc.mean(), tc.std()),
                    Psnr.visibleMeanBaseline(r.original(), r.pixelMask(), tc.mean(), tc.std()));
        }
        return 0;
    }
}
