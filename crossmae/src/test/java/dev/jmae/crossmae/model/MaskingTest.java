package dev.jmae.crossmae.model;

import dev.jmae.crossmae.testing.OpenCl;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Masking computed with tensor ops on the noise's device gives the bits of the host algorithm it
 * replaced (kept here as {@link #host}: a boxed, stable sort of the patch indices by noise, then
 * index bookkeeping), for every field, on random noise with and without ties, NaN and infinities,
 * awkward sizes (L 1, 2, 7, 16, 33, 49, 196, 197) and mask ratios that keep, skip or predict
 * nothing. The one input where the two differ by design is -0.0 next to +0.0 (the host sort's
 * Double.compare orders them, the SPI's argsort and torch.argsort do not); uniform noise from a
 * generator never produces -0.0, so it is left out.
 */
class MaskingTest {

    /** The host masking of the previous implementation, verbatim in its arithmetic. */
    static float[][] host(float[] v, int n, int l, double maskRatio, double keptMaskRatio) {
        int keep = (int) (l * (1.0 - maskRatio));
        int skip = (int) (l * (maskRatio - keptMaskRatio));
        int pred = l - keep - skip;
        float[] idsKeep = new float[n * keep];
        float[] idsRestore = new float[n * l];
        float[] idsPred = new float[n * pred];
        float[] maskFull = new float[n * l];
        float[] maskPred = new float[n * l];
        Integer[] order = new Integer[l];
        for (int s = 0; s < n; s++) {
            int base = s * l;
            for (int i = 0; i < l; i++) {
                order[i] = i;
            }
            Arrays.sort(order, Comparator.comparingDouble(i -> v[base + i]));
            for (int k = 0; k < l; k++) {
                idsRestore[base + order[k]] = k;
                maskFull[base + order[k]] = k < keep ? 0f : 1f;
            }
            for (int k = 0; k < keep; k++) {
                idsKeep[s * keep + k] = order[k];
            }
            int[] predicted = new int[pred];
            for (int k = 0; k < pred; k++) {
                predicted[k] = order[keep + skip + k];
                maskPred[base + predicted[k]] = 1f;
            }
            Arrays.sort(predicted);
            for (int k = 0; k < pred; k++) {
                idsPred[s * pred + k] = predicted[k];
            }
        }
        return new float[][] {idsKeep, idsRestore, idsPred, maskFull, maskPred};
    }

    /** Noise of one kind: 0 uniform, 1 four distinct values (many ties), 2 all equal, 3 specials. */
    static float[] noise(int kind, int n, int l, long seed) {
        Generator g = new Generator(seed);
        float[] v = Tensor.rand(g, n * l).toArray();
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (kind) {
                case 0 -> v[i];
                case 1 -> (float) Math.floor(v[i] * 4) / 4;
                case 2 -> 0.5f;
                default -> i % 5 == 0 ? Float.NaN : i % 7 == 0 ? Float.POSITIVE_INFINITY : i % 11 == 0
                        ? Float.NEGATIVE_INFINITY : (float) Math.floor(v[i] * 3) / 3;
            };
        }
        return v;
    }

    private static void checkOn(Device device) {
        double[][] ratios = {{0.75, 0.25}, {0.75, 0.75}, {0.5, 0.0}, {0.9, 0.1}, {0.0, 0.0}, {0.6, 0.6}};
        int cases = 0;
        for (int l : new int[] {1, 2, 7, 16, 33, 49, 196, 197}) {
            for (int n : new int[] {1, 3}) {
                for (int kind = 0; kind < 4; kind++) {
                    for (double[] r : ratios) {
                        float[] v = noise(kind, n, l, 1000L * l + 10L * n + kind);
                        float[][] want = host(v, n, l, r[0], r[1]);
                        Masking m = Masking.fromNoise(Tensor.of(device, v, n, l), r[0], r[1]);
                        List<Tensor> got = List.of(m.idsKeep(), m.idsRestore(), m.idsPred(), m.maskFull(),
                                m.maskPred());
                        String[] names = {"idsKeep", "idsRestore", "idsPred", "maskFull", "maskPred"};
                        String what = device + " L " + l + " N " + n + " noise kind " + kind + " p " + r[0] + " gamma "
                                + r[1];
                        for (int f = 0; f < 5; f++) {
                            assertEquals(device, got.get(f).device(), what + " " + names[f]);
                            assertArrayEquals(want[f], got.get(f).toArray(), what + " " + names[f]);
                        }
                        cases++;
                    }
                }
            }
        }
        assertEquals(8 * 2 * 4 * ratios.length, cases);
    }

    @Test
    void matchesTheHostAlgorithmBitForBitOnCpuAndReference() {
        checkOn(Device.CPU);
        checkOn(Device.REFERENCE);
    }

    @Test
    void matchesTheHostAlgorithmBitForBitOnOpenCl() {
        checkOn(OpenCl.device());
    }

    @Test
    void theNoiseOfATrainingStepGivesTheSameMaskingAsBeforeForEverySeed() {
        // the pretraining shape of the Fashion-MNIST preset at patch 4 (L 49, p 0.75, gamma 0.75) and of CrossMAE's
        // gamma 0.25, with the uniform noise a training step draws
        List<String> failures = new ArrayList<>();
        for (long seed = 0; seed < 50; seed++) {
            for (double gamma : new double[] {0.75, 0.25}) {
                float[] v = Tensor.rand(new Generator(seed), 8 * 49).toArray();
                float[][] want = host(v, 8, 49, 0.75, gamma);
                Masking m = Masking.fromNoise(Tensor.of(Device.CPU, v, 8, 49), 0.75, gamma);
                if (!Arrays.equals(want[0], m.idsKeep().toArray()) || !Arrays.equals(want[2], m.idsPred().toArray())
                        || !Arrays.equals(want[1], m.idsRestore().toArray())
                        || !Arrays.equals(want[3], m.maskFull().toArray())
                        || !Arrays.equals(want[4], m.maskPred().toArray())) {
                    failures.add("seed " + seed + " gamma " + gamma);
                }
            }
        }
        assertEquals(List.of(), failures);
    }
}
