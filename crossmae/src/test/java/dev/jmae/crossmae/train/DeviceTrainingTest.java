package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.testing.TestDevices;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tiny pretraining on the device under test ({@code opencl:0}, PoCL in CI; or the device named by
 * {@code -Djmae.test.device}, e.g. cuda:0 in the device check): every tensor a run creates (model, batches,
 * masking noise and masks, optimizer state, evaluation) must be on the training device, since an
 * op mixing a CPU tensor with an OpenCL one fails naming both devices. The run matches the same
 * run on the cpu backend: step losses within 1e-4 relative and test PSNR within 0.01 dB (the two
 * backends round differently; measured with PoCL: the losses of the 3 steps differ by at most one
 * float32 ulp, 6e-8 relative, and the PSNRs agree to 1e-12 dB). And 20 AdamW steps of the tiny
 * preset on one fixed batch track the cpu's losses step by step within {@value #TRACK_REL} relative.
 */
class DeviceTrainingTest {

    /** Relative tolerance of the 20-step losses (measured on PoCL: at most 1.8e-7; a GPU sums in other orders). */
    static final double TRACK_REL = 1e-3;

    @TempDir
    Path dir;

    private static List<Double> stepLosses(Path runDir) throws IOException {
        List<Double> out = new ArrayList<>();
        for (ObjectNode r : MetricsLog.read(new RunDirectory(runDir).metrics())) {
            if (r.path("type").asText().equals("step")) {
                out.add(r.path("loss").asDouble());
            }
        }
        return out;
    }

    @Test
    void aTinyRunTrainsOnTheDeviceLikeOnTheCpu() throws IOException {
        Device cl = TestDevices.underTest();
        Path data = TinyRuns.dataset(dir);
        Pretrainer.Summary onCl = Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"), dir.resolve("cl"), cl, dir,
                TinyRuns.QUIET, false).run();
        Pretrainer.Summary onCpu = Pretrainer
                .create(TinyRuns.config(data, "\"epochs\": 1"), dir.resolve("cpu"), Device.CPU, dir,
                        TinyRuns.QUIET, false)
                .run();
        List<Double> a = stepLosses(dir.resolve("cl"));
        List<Double> b = stepLosses(dir.resolve("cpu"));
        assertEquals(3, a.size(), "96 images / (16 x 2): 3 optimizer steps");
        for (int i = 0; i < a.size(); i++) {
            assertEquals(b.get(i), a.get(i), 1e-4 * b.get(i), "step " + (i + 1) + " loss, " + cl + " vs cpu");
        }
        assertEquals(onCpu.lastEval().psnr(), onCl.lastEval().psnr(), 0.01, "test PSNR, " + cl + " vs cpu");
        assertTrue(Files.size(new RunDirectory(dir.resolve("cl")).lastCheckpoint()) > 0);
    }

    @Test
    void twentyStepsOnOneBatchTrackTheCpuLosses() throws IOException {
        Device d = TestDevices.underTest();
        double[] cpu = OverfitOneBatchTest.losses(dir, Device.CPU, 20);
        double[] dev = OverfitOneBatchTest.losses(dir, d, 20);
        double worst = 0;
        for (int s = 0; s < cpu.length; s++) {
            worst = Math.max(worst, Math.abs(dev[s] - cpu[s]) / Math.abs(cpu[s]));
            assertEquals(cpu[s], dev[s], TRACK_REL * Math.abs(cpu[s]), "step " + (s + 1) + " loss, " + d + " vs cpu");
        }
        assertTrue(dev[19] < dev[0], "the loss falls on " + d + ": " + java.util.Arrays.toString(dev));
        System.out.printf(java.util.Locale.ROOT, "20 steps on %s vs cpu: largest relative loss difference %.3g%n", d,
                worst);
    }
}
