package dev.jmae.nn;

import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.GradNorm;
import dev.jmae.nn.optim.LARS;
import dev.jmae.nn.optim.ParamGroup;
import dev.jmae.nn.optim.ParamGroups;
import dev.jmae.nn.optim.SGD;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SGD, LARS, the timm no-decay split and gradient clipping, against values computed by hand; AdamW
 * resumed from its state dict.
 */
class OptimizerTest {

    @Test
    void sgdWithMomentumAndWeightDecayFollowsPyTorch() {
        Parameter p = new Parameter(Tensor.of(new float[] {1, -2}, 2));
        SGD opt = new SGD(List.of(new ParamGroup("all", List.of(p), 0.1, 0.5, 1)), 0.9, false);
        p.setGrad(Tensor.of(new float[] {1, 1}, 2));
        opt.step();
        // d = g + 0.5 p = [1.5, 0]; buf = d; p = p - 0.1 d = [0.85, -2]
        assertArrayEquals(new float[] {0.85f, -2f}, p.value().toArray(), 1e-6f);
        p.setGrad(Tensor.of(new float[] {0, 2}, 2));
        opt.step();
        // d = [0.425, 1]; buf = 0.9·[1.5, 0] + d = [1.775, 1]; p = [0.85 - 0.1775, -2.1]
        assertArrayEquals(new float[] {0.6725f, -2.1f}, p.value().toArray(), 1e-6f);
    }

    @Test
    void larsScalesMatricesByTheTrustRatioOnly() {
        Parameter w = new Parameter(Tensor.of(new float[] {3, 4}, 1, 2));
        Parameter b = new Parameter(Tensor.of(new float[] {1}, 1));
        LARS opt = new LARS(List.of(new ParamGroup("all", List.of(w, b), 1.0, 0, 1)), 0.9, 0.001);
        w.setGrad(Tensor.of(new float[] {0, 10}, 1, 2));
        b.setGrad(Tensor.of(new float[] {2}, 1));
        opt.step();
        // |w| = 5, |g| = 10: q = 0.001·5/10 = 5e-4; w -= [0, 0.005]; b -= 2 (1-d: unscaled)
        assertArrayEquals(new float[] {3f, 3.995f}, w.value().toArray(), 1e-6f);
        assertArrayEquals(new float[] {-1f}, b.value().toArray(), 1e-6f);
    }

    @Test
    void timmSplitDecaysMatricesAndTokensButNotBiasesNormsOrFrozen() {
        Module m = new Module() {
            {
                registerParameter("cls_token", new Parameter(Tensor.zeros(1, 1, 4)));
                registerParameter("pos_embed", new Parameter(Tensor.zeros(1, 5, 4), false));
                registerModule("fc", new Linear(4, 4, true, new Generator(0), Device.CPU));
                registerModule("norm", new LayerNorm(4, 1e-6f, Device.CPU));
            }
        };
        List<ParamGroup> groups = ParamGroups.weightDecaySplit(m, 1e-3, 0.05);
        assertEquals("no_decay", groups.get(0).name());
        assertEquals(0.0, groups.get(0).weightDecay());
        assertEquals(3, groups.get(0).params().size());
        assertEquals(2, groups.get(1).params().size());
        assertTrue(groups.get(1).params().contains(m.namedParameters().get("cls_token")));
        assertFalse(groups.get(0).params().contains(m.namedParameters().get("pos_embed")));
        assertFalse(groups.get(1).params().contains(m.namedParameters().get("pos_embed")));
    }

    @Test
    void gradNormAndClipping() {
        Parameter a = new Parameter(Tensor.zeros(2));
        Parameter b = new Parameter(Tensor.zeros(1));
        a.setGrad(Tensor.of(new float[] {3, 0}, 2));
        b.setGrad(Tensor.of(new float[] {4}, 1));
        assertEquals(5.0, GradNorm.total(List.of(a, b)), 1e-6);
        assertEquals(5.0, GradNorm.clip(List.of(a, b), 1.0), 1e-6);
        assertEquals(1.0, GradNorm.total(List.of(a, b)), 1e-5);
        assertEquals(1.0, GradNorm.clip(List.of(a, b), 10.0), 1e-5);
        assertEquals(1.0, GradNorm.total(List.of(a, b)), 1e-5);
    }

    @Test
    void adamwResumedFromItsStateDictContinuesBitForBit() {
        // five steps straight, against two steps, a state dict copied out, a fresh optimizer loaded
        // from it, and three more steps: the step count (kept on the host) must continue at 3
        Generator g = new Generator(12);
        float[] init = Tensor.randn(g, 6).toArray();
        float[][] grads = new float[5][];
        for (int s = 0; s < 5; s++) {
            grads[s] = Tensor.randn(g, 6).toArray();
        }
        Parameter straight = new Parameter(Tensor.of(init, 2, 3));
        AdamW a = new AdamW(List.of(new ParamGroup("all", List.of(straight), 1e-2, 0.05, 1)), 0.9, 0.95, 1e-8);
        for (int s = 0; s < 5; s++) {
            straight.setGrad(Tensor.of(grads[s], 2, 3));
            a.step();
        }
        Parameter resumed = new Parameter(Tensor.of(init, 2, 3));
        AdamW b = new AdamW(List.of(new ParamGroup("all", List.of(resumed), 1e-2, 0.05, 1)), 0.9, 0.95, 1e-8);
        for (int s = 0; s < 2; s++) {
            resumed.setGrad(Tensor.of(grads[s], 2, 3));
            b.step();
        }
        Map<String, Tensor> saved = new LinkedHashMap<>();
        b.stateDict(p -> "w").forEach((k, t) -> saved.put(k, t.copy()));
        assertEquals(List.of("w.exp_avg", "w.exp_avg_sq", "w.step"), List.copyOf(saved.keySet()));
        assertEquals(2f, saved.get("w.step").item());
        AdamW c = new AdamW(List.of(new ParamGroup("all", List.of(resumed), 1e-2, 0.05, 1)), 0.9, 0.95, 1e-8);
        c.loadStateDict(saved, p -> "w");
        for (int s = 2; s < 5; s++) {
            resumed.setGrad(Tensor.of(grads[s], 2, 3));
            c.step();
        }
        assertArrayEquals(straight.value().toArray(), resumed.value().toArray());
        assertEquals(5f, c.stateDict(p -> "w").get("w.step").item());
        assertEquals(5f, a.stateDict(p -> "w").get("w.step").item());
    }
}
