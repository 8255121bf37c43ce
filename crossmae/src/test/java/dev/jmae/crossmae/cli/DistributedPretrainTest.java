package dev.jmae.crossmae.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.train.MetricsLog;
import dev.jmae.crossmae.train.RunDirectory;
import dev.jmae.crossmae.train.TinyRuns;
import dev.jmae.distributed.testing.MpiLauncher;
import dev.jmae.nn.Checkpoint;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code mpirun -np 2 jmae pretrain --distributed} on the tiny preset (96 train and 32 test
 * images of 16×16) trains like one process with the same global batch, and its checkpoint
 * resumes in one process. Every JVM computes on one thread ({@link MpiLauncher#javaCommand}), so
 * the kernels' own summation order is the same in every run and the runs differ only where data
 * parallelism changes it.
 *
 * <p>The runs: 2 ranks × batch_size 6 against 1 process × batch_size 12, accum_iter 2 (so
 * noSync is exercised), 5 epochs of 8 micro-batches: 20 optimizer steps, the same effective
 * batch 24 and lr. The ranks see rows r, r + 2, ... of the same global batches, augmented and
 * masked identically (DistributedSampler, noise drawn for the global batch).
 *
 * <p>Tolerance, from summation order. What differs: each rank reduces its 6 images (the loss mean,
 * every weight gradient's sum over the rows of its batch), then DDP adds the two halves and halves
 * them, where one process reduces 12 at once; float32 addition is not associative, so the first
 * step's gradients differ by a few units in the last place (u = 2^-24, relative to the sum of the
 * terms' magnitudes). Everything downstream is the same arithmetic on slightly different inputs:
 * AdamW divides m by √v, which carries a relative gradient difference into about the same relative
 * update difference, and 20 steps carry it forward. So: step and epoch losses within
 * {@link #LOSS_BOUND} relative (16 ulps; measured 7e-8, about one), parameters within
 * {@link #PARAMETER_BOUND} of their tensor's largest magnitude (168 ulps; measured 4.8e-7), the
 * test PSNR within 0.01 dB (measured equal to 1e-6 dB; a one-level change in one truncated pixel
 * would move it by less). A real error (a row taken twice, a missing all-reduce, noise that does
 * not match) changes the first step's loss in the second or third digit.
 *
 * <p>The exception is the attention key biases (the k third of qkv.bias, the k half of kv.bias):
 * their exact gradient is zero (they add q·b_k to every logit of a query, which softmax ignores),
 * so what they receive is rounding residue, and AdamW's m/√v scales that residue up to steps of
 * about lr. They are noise in both runs, so they are checked against what AdamW can do: two runs
 * from the same start differ by at most 2 · {@link #ADAM_STEP_BOUND} · Σ lr_t (measured 3e-4
 * against 0.015). Any change of summation order can show this.
 *
 * <p>Tagged slow: three JVMs on one thread each take 40-60 s on the project's 2-vCPU VM.
 */
@Tag("slow")
class DistributedPretrainTest {

    @TempDir
    Path dir;

    private static final Duration LIMIT = Duration.ofSeconds(240);
    /** Step and epoch losses: relative difference (measured: at most 7e-8, about one float32 ulp). */
    static final double LOSS_BOUND = 1e-6;
    /** Parameters: difference over the tensor's largest magnitude (measured: at most 5e-7). */
    static final double PARAMETER_BOUND = 1e-5;
    /**
     * How far one AdamW step can move a parameter with no weight decay, in units of lr:
     * |m̂/(√v̂ + eps)| ≤ 1.165 for betas (0.9, 0.95): Cauchy-Schwarz on the moments' sums gives
     * (1 − β1)/√(1 − β2) · √((1 − ρ^t)/(1 − ρ)) · √(1 − β2^t)/(1 − β1^t) with ρ = β1²/β2, whose
     * largest value over t is 1.165; 1.2 for slack.
     */
    static final double ADAM_STEP_BOUND = 1.2;

    private Path writeConfig(String name, Path data, String extra) throws IOException {
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, TinyRuns.config(data, extra).toPrettyJson());
        return file;
    }

    private static List<ObjectNode> records(Path run, String type) throws IOException {
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode r : MetricsLog.read(new RunDirectory(run).metrics())) {
            if (r.path("type").asText().equals(type)) {
                out.add(r);
            }
        }
        return out;
    }

    @Test
    void twoRanksTrainLikeOneProcessWithTheSameGlobalBatchAndTheirCheckpointResumesInOne() throws IOException {
        Path data = TinyRuns.dataset(dir);
        String common = "\"accum_iter\": 2, \"epochs\": 5, \"warmup_epochs\": 1, \"keep_every\": 1, \"num_workers\": 1";
        Path perRank = writeConfig("per-rank", data, "\"batch_size\": 6, " + common);
        Path whole = writeConfig("whole", data, "\"batch_size\": 12, " + common);
        Path ddpRun = dir.resolve("ddp");
        Path refRun = dir.resolve("ref");

        MpiLauncher.Result two = MpiLauncher.run(2, Main.class, LIMIT, "pretrain", "--distributed", "--config",
                perRank.toString(), "--out", ddpRun.toString(), "--no-progress");
        assertEquals(0, two.exitCode(), two.output());
        System.out.println("2 ranks: " + two.elapsed());
        assertTrue(two.output().contains("eff_batch = batch_size * accum_iter * world_size = 6 * 2 * 2 = 24"),
                two.output());
        assertEquals(1, count(two.output(), "jmae pretrain: resolved config"), "rank 0 alone prints: " + two.output());
        MpiLauncher.Result one = MpiLauncher.runAlone(Main.class, LIMIT, "pretrain", "--config", whole.toString(),
                "--out",
                refRun.toString(), "--no-progress");
        assertEquals(0, one.exitCode(), one.output());
        System.out.println("1 process: " + one.elapsed());
        assertTrue(one.output().contains("eff_batch = batch_size * accum_iter * world_size = 12 * 2 * 1 = 24"),
                one.output());

        List<ObjectNode> ddpSteps = records(ddpRun, "step");
        List<ObjectNode> refSteps = records(refRun, "step");
        assertEquals(20, refSteps.size(), "96 images / (12 x 2) = 4 steps per epoch, 5 epochs");
        assertEquals(20, ddpSteps.size(), "rank 0 alone writes one record per step: " + ddpSteps);
        for (int i = 0; i < 20; i++) {
            assertEquals(refSteps.get(i).get("step").asLong(), ddpSteps.get(i).get("step").asLong());
            assertEquals(refSteps.get(i).get("lr").asDouble(), ddpSteps.get(i).get("lr").asDouble(), 0.0,
                    "the same lr");
            assertClose("step " + (i + 1) + " loss", refSteps.get(i).get("loss").asDouble(),
                    ddpSteps.get(i).get("loss").asDouble());
        }
        List<ObjectNode> ddpEpochs = records(ddpRun, "epoch");
        List<ObjectNode> refEpochs = records(refRun, "epoch");
        assertEquals(5, ddpEpochs.size());
        for (int e = 0; e < 5; e++) {
            assertClose("epoch " + (e + 1) + " loss", refEpochs.get(e).get("loss").asDouble(),
                    ddpEpochs.get(e).get("loss").asDouble());
            // all 32 test images counted once (16 per rank, no padding), PSNR reduced exactly
            assertEquals(32, ddpEpochs.get(e).get("test_images").asInt());
            System.out.printf("epoch %d test PSNR %.6f vs %.6f%n", e + 1, refEpochs.get(e).get("test_psnr").asDouble(),
                    ddpEpochs.get(e).get("test_psnr").asDouble());
            assertEquals(refEpochs.get(e).get("test_psnr").asDouble(), ddpEpochs.get(e).get("test_psnr").asDouble(),
                    0.01,
                    "test PSNR, epoch " + (e + 1));
        }
        RunDirectory ddpDir = new RunDirectory(ddpRun);
        assertTrue(Files.size(ddpDir.lossPlot()) > 0 && Files.size(ddpDir.reconstruction(5)) > 0);
        Map<String, String> meta = Checkpoint.read(ddpDir.lastCheckpoint()).metadata();
        assertEquals("2", meta.get("world_size"));
        assertEquals("12", meta.get("global_batch_size"));
        double lrSum = refSteps.stream().mapToDouble(r -> r.get("lr").asDouble()).sum();
        assertSameParameters(refRun, ddpRun, lrSum);

        // the 2-rank run's checkpoint after epoch 3 continues in one process (batch_size 12)
        Path resumed = dir.resolve("resumed");
        Files.createDirectories(resumed);
        Files.copy(ddpDir.config(), resumed.resolve("config.json"));
        Files.copy(ddpDir.checkpoint(3), new RunDirectory(resumed).lastCheckpoint(),
                StandardCopyOption.REPLACE_EXISTING);
        MpiLauncher.Result cont = MpiLauncher.runAlone(Main.class, LIMIT, "pretrain", "--resume", resumed.toString(),
                "--no-progress");
        assertEquals(0, cont.exitCode(), cont.output());
        assertTrue(
                cont.output().contains("resuming a run of 2 rank(s) on 1: batch_size 12 per rank keeps its global batch"
                        + " of 12"),
                cont.output());
        List<ObjectNode> contSteps = records(resumed, "step");
        assertEquals(8, contSteps.size(), "epochs 4 and 5: " + contSteps);
        for (int i = 0; i < 8; i++) {
            ObjectNode ref = refSteps.get(12 + i);
            assertEquals(ref.get("step").asLong(), contSteps.get(i).get("step").asLong());
            assertClose("resumed step " + ref.get("step").asLong() + " loss", ref.get("loss").asDouble(),
                    contSteps.get(i).get("loss").asDouble());
        }
        assertSameParameters(refRun, resumed, lrSum);
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
            n++;
        }
        return n;
    }

    private static void assertClose(String what, double expected, double actual) {
        double rel = Math.abs(actual - expected) / Math.abs(expected);
        System.out.printf("%s: %.9g vs %.9g, relative %.3g%n", what, expected, actual, rel);
        assertTrue(rel <= LOSS_BOUND,
                what + ": " + actual + " differs from the single-process " + expected + " by " + rel
                        + " relative (bound " + LOSS_BOUND + ")");
    }

    /**
     * Every model tensor of the final checkpoints within {@link #PARAMETER_BOUND} of the tensor's
     * largest magnitude, except the key biases, which are within the AdamW bound of the lrs.
     *
     * @param lrSum Σ lr_t over the steps both runs took from a common state
     */
    private static void assertSameParameters(Path reference, Path run, double lrSum) throws IOException {
        Map<String, Tensor> a = Checkpoint.read(new RunDirectory(reference).lastCheckpoint()).model();
        Map<String, Tensor> b = Checkpoint.read(new RunDirectory(run).lastCheckpoint()).model();
        assertEquals(a.keySet(), b.keySet());
        double worst = 0;
        String worstKey = "";
        double worstKeyBias = 0;
        int keyBiases = 0;
        for (String k : a.keySet()) {
            float[] x = a.get(k).toArray();
            float[] y = b.get(k).toArray();
            boolean[] keyBias = keyBiasElements(k, x.length);
            double scale = 0;
            double diff = 0;
            for (int i = 0; i < x.length; i++) {
                if (keyBias[i]) {
                    worstKeyBias = Math.max(worstKeyBias, Math.abs(x[i] - y[i]));
                    keyBiases++;
                } else {
                    scale = Math.max(scale, Math.abs(x[i]));
                    diff = Math.max(diff, Math.abs(x[i] - y[i]));
                }
            }
            double rel = scale == 0 ? diff : diff / scale;
            if (rel > worst) {
                worst = rel;
                worstKey = k;
            }
        }
        System.out.printf(
                "parameters of %s against %s: worst %s, %.3g of its largest magnitude; %d key-bias elements differ"
                        + " by at most %.3g (Adam bound %.3g)%n",
                run.getFileName(), reference.getFileName(), worstKey, worst, keyBiases,
                worstKeyBias, 2 * ADAM_STEP_BOUND * lrSum);
        assertTrue(worst <= PARAMETER_BOUND, "parameter " + worstKey + " differs by " + worst
                + " of its largest magnitude (bound " + PARAMETER_BOUND + ")");
        assertEquals(2 * 32 + 2 * 16, keyBiases, "2 encoder blocks (qkv: 32 key biases each) and 2 decoder blocks"
                + " (cross-attention kv: 16 key biases each)");
        assertTrue(worstKeyBias <= 2 * ADAM_STEP_BOUND * lrSum, "a key bias differs by " + worstKeyBias
                + ", more than two runs of AdamW steps can move it apart (" + 2 * ADAM_STEP_BOUND * lrSum + ")");
    }

    /**
     * The key-bias elements of a tensor: the middle third of a self-attention qkv bias (rows q,
     * k, v) and the first half of a cross-attention kv bias (rows k, v).
     */
    private static boolean[] keyBiasElements(String key, int n) {
        boolean[] out = new boolean[n];
        if (key.endsWith("cross_attn.kv.bias")) {
            java.util.Arrays.fill(out, 0, n / 2, true);
        } else if (key.endsWith("attn.qkv.bias")) {
            java.util.Arrays.fill(out, n / 3, 2 * n / 3, true);
        }
        return out;
    }
}
