package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.config.TrainConfig;
import dev.jmae.crossmae.data.ImageDataset;
import dev.jmae.crossmae.model.ModelInfo;
import dev.jmae.tensor.Device;

import java.io.PrintStream;
import java.util.Locale;

/** What a pretraining run prints at its start ({@link Pretrainer}). */
final class PretrainReport {

    private PretrainReport() {
    }

    /**
     * Prints the start of a run: the resolved config, the model, the ranks, the lr and how it is
     * derived, the data, the device and, when resuming, what changed and where it continues.
     */
    static void printStart(PrintStream console, Configs.Config config, RunDirectory run, Device device, Ranks ranks,
                           double peakLr, ImageDataset trainSet, ImageDataset testSet, int batches, String resumeNote) {
        ModelConfig mc = config.model();
        TrainConfig tc = config.train();
        console.println("jmae pretrain: resolved config (also in " + run.config() + "):");
        console.println(config.toPrettyJson());
        ModelInfo info = ModelInfo.of(mc);
        console.printf(Locale.ROOT,
                "model: %s, %,d trainable parameters (encoder %,d, decoder %,d), %.3f GFLOPs/image forward%n",
                mc.model(), info.totalParams(), info.encoderParams(), info.decoderParams(), info.totalFlops() / 1e9);
        int world = ranks.worldSize();
        if (ranks.distributed()) {
            console.printf(Locale.ROOT, "data parallel: %d ranks (%s), batch_size %d per rank, global batch %d%n",
                    world,
                    ranks.group().backend(), tc.batchSize(), tc.batchSize() * world);
        }
        if (!resumeNote.isEmpty()) {
            console.println(resumeNote);
        }
        console.printf(Locale.ROOT, "eff_batch = batch_size * accum_iter * world_size = %d * %d * %d = %d%n",
                tc.batchSize(),
                tc.accumIter(), world, tc.effectiveBatch(world));
        console.printf(Locale.ROOT,
                "lr = (kept_mask_ratio/mask_ratio) * blr * eff_batch / 256 = (%.4g/%.4g) * %.3g * %d / 256"
                        + " = %.4g%s%n",
                mc.keptMaskRatio(), mc.maskRatio(), tc.blr(), tc.effectiveBatch(world), peakLr,
                Double.isNaN(tc.lr()) ? "" : " (lr set explicitly)");
        console.println("train: " + trainSet.description());
        console.println("test:  " + testSet.description());
        console.printf(Locale.ROOT, "device %s, %d batches of %d%s per epoch, accum_iter %d, %d epochs (warmup %.3g)%n",
                device,
                batches, tc.batchSize(), ranks.distributed() ? " per rank" : "", tc.accumIter(), tc.epochs(),
                tc.warmupEpochs());
        console.println("run directory: " + run.root());
    }
}
