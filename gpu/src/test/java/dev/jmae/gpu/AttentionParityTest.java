package dev.jmae.gpu;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Functional;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.testing.ParityAssert;
import dev.jmae.tensor.testing.TestData;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Parity of fused attention (output, log-sum-exp, dq, dk, dv) on {@code opencl:0} with the
 * reference, for both kernel families: query and key lengths that differ and sit around the
 * block sizes (32 and 64), several heads, head dims from 1 to 64, contiguous [B, H, T, Dh]
 * inputs and strided q/k/v views of packed projections ([B, T, 3, H, Dh] for self-attention,
 * [B, M, H, Dh] and [B, N, 2, H, Dh] for cross-attention), and gradients written straight into
 * a packed [B, T, 3, H, Dh] buffer.
 *
 * <p>Tolerance rtol 1e-4, atol 1e-4·max(1, max|ref|) per output: float32 dot products over Dh,
 * exp of scores up to ~30 and weighted sums over N against double; values carry 100σ outliers.
 */
class AttentionParityTest {

    /** B, H, M, N, Dh. */
    static final int[][] CASES = {
        {1, 1, 1, 1, 1}, {2, 3, 7, 5, 7}, {1, 2, 33, 17, 16}, {2, 2, 31, 33, 33}, {1, 1, 197, 50, 32},
        {3, 4, 49, 50, 32}, {1, 16, 147, 50, 32}, {2, 1, 5, 197, 64}, {1, 2, 65, 63, 8}, {1, 1, 32, 32, 32}
    };

    @TestFactory
    List<DynamicTest> attentionMatchesReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Variant variant : GpuTesting.variants()) {
            for (int[] c : CASES) {
                for (boolean packed : new boolean[] {false, true}) {
                    String name = variant + " attention B" + c[0] + " H" + c[1] + " M" + c[2] + " N" + c[3] + " Dh"
                            + c[4]
                            + (packed ? " packed views" : "");
                    tests.add(dynamicTest(name, () -> check(name, variant, c, packed)));
                }
            }
        }
        return tests;
    }

    /** Inputs as [B, H, T, Dh] views: contiguous, or slices of packed projection buffers. */
    private static Tensor[] inputs(Device d, float[] q, float[] k, float[] v, int[] c, boolean packed) {
        int b = c[0];
        int h = c[1];
        int m = c[2];
        int n = c[3];
        int dh = c[4];
        if (!packed) {
            return new Tensor[] {Tensor.of(d, q, b, h, m, dh), Tensor.of(d, k, b, h, n, dh),
                Tensor.of(d, v, b, h, n, dh)};
        }
        Tensor qt = Tensor.of(d, q, b, h, m, dh);
        Tensor kt = Tensor.of(d, k, b, h, n, dh);
        Tensor vt = Tensor.of(d, v, b, h, n, dh);
        if (m == n) {
            // self-attention: one [B, T, 3, H, Dh] qkv buffer
            Tensor qkv = Tensor.stack(List.of(qt.permute(0, 2, 1, 3), kt.permute(0, 2, 1, 3), vt.permute(0, 2, 1, 3)),
                    2);
            return new Tensor[] {qkv.select(2, 0).permute(0, 2, 1, 3), qkv.select(2, 1).permute(0, 2, 1, 3),
                qkv.select(2, 2).permute(0, 2, 1, 3)};
        }
        // cross-attention: q from [B, M, H, Dh], k and v from one [B, N, 2, H, Dh] buffer
        Tensor qs = qt.permute(0, 2, 1, 3).contiguous().permute(0, 2, 1, 3);
        Tensor kv = Tensor.stack(List.of(kt.permute(0, 2, 1, 3), vt.permute(0, 2, 1, 3)), 2);
        return new Tensor[] {qs, kv.select(2, 0).permute(0, 2, 1, 3), kv.select(2, 1).permute(0, 2, 1, 3)};
    }

    /** Forward and backward through the SPI, outputs allocated like Functional does. */
    private static Tensor[] run(Backend be, Tensor q, Tensor k, Tensor v, Tensor dout, float scale) {
        Device d = q.device();
        int b = q.size(0);
        int h = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        Tensor out = Tensor.empty(d, b, m, h, dh).permute(0, 2, 1, 3);
        Tensor lse = Tensor.empty(d, b, h, m);
        be.attention().attentionForward(out, lse, q, k, v, scale);
        Tensor dq = Tensor.empty(d, b, m, h, dh).permute(0, 2, 1, 3);
        Tensor dk = Tensor.empty(d, b, n, h, dh).permute(0, 2, 1, 3);
        Tensor dv = Tensor.empty(d, b, n, h, dh).permute(0, 2, 1, 3);
        be.attention().attentionBackward(dq, dk, dv, out, lse, dout, q, k, v, scale);
        return new Tensor[] {out, lse, dq, dk, dv};
    }

    private static void check(String name, Variant variant, int[] c, boolean packed) {
        Device d = GpuTesting.device();
        int b = c[0];
        int h = c[1];
        int m = c[2];
        int n = c[3];
        int dh = c[4];
        Generator g = new Generator(b * 1000L + m * 10L + n + dh);
        float[] q = TestData.normal(g, b * h * m * dh, 0, 1);
        float[] k = TestData.normal(g, b * h * n * dh, 0, 1);
        float[] v = TestData.withOutliers(g, b * h * n * dh);
        float[] dout = TestData.normal(g, b * h * m * dh, 0, 1);
        float scale = (float) (1 / Math.sqrt(dh));
        Tensor[] ri = inputs(Device.REFERENCE, q, k, v, c, packed);
        Tensor[] di = inputs(d, q, k, v, c, packed);
        Tensor[] r = run(GpuTesting.reference(), ri[0], ri[1], ri[2], Tensor.of(Device.REFERENCE, dout, b, h, m, dh),
                scale);
        Tensor[] o = run(GpuTesting.backend(variant), di[0], di[1], di[2], Tensor.of(d, dout, b, h, m, dh), scale);
        String[] parts = {"output", "lse", "dq", "dk", "dv"};
        for (int p = 0; p < parts.length; p++) {
            double s = Math.max(1, ParityAssert.maxAbs(r[p].toArray()));
            ParityAssert.assertClose(name + " " + parts[p], r[p], o[p], 1e-4, 1e-4 * s);
        }
    }

    @TestFactory
    List<DynamicTest> gradientsWriteIntoPackedBuffers() {
        return List.of(dynamicTest("attentionBackwardInto a packed [B, T, 3, H, Dh] gradient", () -> {
            Device d = GpuTesting.device();
            int b = 2;
            int t = 33;
            int h = 3;
            int dh = 16;
            Generator g = new Generator(11);
            float[] qkv = TestData.normal(g, b * t * 3 * h * dh, 0, 1);
            float[] dout = TestData.normal(g, b * h * t * dh, 0, 1);
            float scale = 0.25f;
            Tensor[] grads = new Tensor[2];
            int i = 0;
            for (Device dev : new Device[] {Device.REFERENCE, d}) {
                Tensor packed = Tensor.of(dev, qkv, b, t, 3, h, dh);
                Tensor q = packed.select(2, 0).permute(0, 2, 1, 3);
                Tensor k = packed.select(2, 1).permute(0, 2, 1, 3);
                Tensor v = packed.select(2, 2).permute(0, 2, 1, 3);
                Functional.AttentionOutput f = Functional.scaledDotProductAttention(q, k, v, scale);
                Tensor grad = Tensor.full(dev, Float.NaN, b, t, 3, h, dh);
                Functional.attentionBackwardInto(Tensor.of(dev, dout, b, h, t, dh), q, k, v, f.output(), f.lse(), scale,
                        grad.select(2, 0).permute(0, 2, 1, 3), grad.select(2, 1).permute(0, 2, 1, 3),
                        grad.select(2, 2).permute(0, 2, 1, 3));
                grads[i++] = grad;
            }
            double s = Math.max(1, ParityAssert.maxAbs(grads[0].toArray()));
            ParityAssert.assertClose("packed gradient", grads[0], grads[1], 1e-4, 1e-4 * s);
        }));
    }
}
