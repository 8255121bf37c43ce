package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.crossmae.testing.OpenCl;
import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.ParamGroups;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.MemoryStats;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One training step on {@code opencl:0} (PoCL in CI) moves only its batch and masking noise to the
 * device and only the loss back (issue 15): masking runs on the device (argsort of the noise),
 * AdamW keeps its step count on the host, labels stay on the host, and index errors are reported
 * at the next read instead of by a blocking read per gather and scatter. The counters are the
 * backend's {@link MemoryStats} transfer counters, which {@code Tensor} updates on every host write
 * and read. Measured on PoCL: exactly these 3 copies and 1 control read (the deferred index flags,
 * read with the loss) per step, for CrossMAE and for MAE.
 */
class TrainingStepTransfersTest {

    @ParameterizedTest
    @ValueSource(strings = {"crossmae", "mae"})
    void aStepMovesTheBatchAndNoiseInAndTheLossOut(String model) {
        Device cl = OpenCl.device();
        String extra = model.equals(
                "mae") ? "\"model\": \"mae\", \"weight_fm\": false, \"use_fm\": [], \"use_input\": false, "
                        + "\"kept_mask_ratio\": 0.75" : "";
        Configs.Config config = TinyRuns.config(Path.of("unused"), extra);
        ModelConfig mc = config.model();
        MaskedAutoencoder net = MaskedAutoencoder.create(mc, new Generator(3), cl);
        AdamW opt = new AdamW(ParamGroups.weightDecaySplit(net, 1e-3, 0.05), 0.9, 0.95, 1e-8);
        TrainStep step = new TrainStep(opt, null, 1, 0);
        int b = 8;
        int l = mc.numPatches();
        float[] host = Tensor.randn(new Generator(4), b, mc.inChans(), mc.imgSize(), mc.imgSize()).toArray();
        step.beginEpoch();
        // two steps first: the optimizer state exists and every kernel is compiled
        for (int i = 0; i < 2; i++) {
            Tensor images = Tensor.of(cl, host, b, mc.inChans(), mc.imgSize(), mc.imgSize());
            Generator noise = PretrainEpoch.noiseGenerator(1, 0, i);
            step.run(0, i, 10, () -> net.forward(images, Tensor.rand(cl, noise, b, l)).loss());
        }
        cl.backend().synchronize();
        MemoryStats stats = cl.backend().memory();
        stats.resetTransfers();
        Tensor images = Tensor.of(cl, host, b, mc.inChans(), mc.imgSize(), mc.imgSize());
        Generator noise = PretrainEpoch.noiseGenerator(1, 0, 2);
        TrainStep.Result r = step.run(0, 2, 10, () -> net.forward(images, Tensor.rand(cl, noise, b, l)).loss());
        // no synchronize here: the backward's index checks are read with the next step's loss, so in a
        // run every step makes one control read
        assertTrue(r.stepped() && Double.isFinite(r.loss()));
        assertEquals(2, stats.hostToDeviceCopies(), model + ": host-to-device copies in one step (batch, noise)");
        assertEquals(4L * b * mc.inChans() * mc.imgSize() * mc.imgSize() + 4L * b * l, stats.hostToDeviceBytes(),
                model + ": bytes in: the batch and its noise");
        assertEquals(1, stats.deviceToHostCopies(), model + ": device-to-host copies in one step (the loss)");
        assertEquals(4, stats.deviceToHostBytes(), model + ": bytes out: one float");
        assertEquals(1, stats.controlReads(), model + ": control reads (the deferred index flags, with the loss)");
    }
}
