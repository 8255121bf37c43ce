package dev.jmae.nn;

import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.ParamGroup;
import dev.jmae.nn.testing.GoldenFile;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

/**
 * Five AdamW steps with two parameter groups against torch.optim.AdamW (betas 0.9/0.95, eps 1e-8,
 * group lrs 1e-2 and 5e-3 scaled by s/5 at step s, weight decay 0.05 and 0): every parameter
 * after every step, and the moments after the last, within 1e-4 of each tensor's scale.
 */
class AdamWGoldenTest {

    @Test
    void fiveStepsWithTwoGroupsMatchPyTorch() {
        for (Device device : List.of(Device.CPU, Device.REFERENCE)) {
            GoldenFile f = GoldenFile.load("/golden/adamw.safetensors", device);
            Parameter w1 = new Parameter(f.get("init.w1").copy());
            Parameter w2 = new Parameter(f.get("init.w2").copy());
            Parameter b1 = new Parameter(f.get("init.b1").copy());
            ParamGroup g0 = new ParamGroup("group0", List.of(w1, w2), 1e-2, 0.05, 1.0);
            ParamGroup g1 = new ParamGroup("group1", List.of(b1), 5e-3, 0.0, 1.0);
            AdamW opt = new AdamW(List.of(g0, g1), 0.9, 0.95, 1e-8);
            Map<String, Parameter> params = Map.of("w1", w1, "w2", w2, "b1", b1);
            for (int s = 1; s <= 5; s++) {
                g0.setLr(1e-2 * s / 5);
                g1.setLr(5e-3 * s / 5);
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    e.getValue().setGrad(f.get("grad." + s + "." + e.getKey()).copy());
                }
                opt.step();
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    f.assertMatches("param." + s + "." + e.getKey(), e.getValue().value(), 1e-4);
                }
            }
            Map<String, dev.jmae.tensor.Tensor> state = opt.stateDict(p -> p == w1 ? "w1" : p == w2 ? "w2" : "b1");
            for (String n : List.of("w1", "w2", "b1")) {
                f.assertMatches("exp_avg.5." + n, state.get(n + ".exp_avg"), 1e-4);
                f.assertMatches("exp_avg_sq.5." + n, state.get(n + ".exp_avg_sq"), 1e-4);
            }
        }
    }
}
