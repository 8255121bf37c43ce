package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.autograd.Variable;
import dev.jmae.crossmae.config.FinetuneConfig;
import dev.jmae.crossmae.data.Mixup;
import dev.jmae.crossmae.model.PosEmbed;
import dev.jmae.crossmae.model.VisionTransformerClassifier;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.LayerDecay;
import dev.jmae.nn.optim.WarmupCosineSchedule;
import dev.jmae.nn.testing.GoldenFile;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One fine-tuning step against PyTorch (tools/golden/make_finetune_step_fixtures.py: models_vit's
 * classifier with global pooling written from tools/golden/layers.py, the official param_groups_lrd
 * and interpolate_pos_embed verbatim, timm's mixup_target, torch.optim.AdamW), from the same weights
 * and with the mixup draws given as data: the logits, the soft-target loss, every gradient, the total
 * norm clip_grad_norm_ reports, and every weight after the AdamW step over the layer-decay groups, for
 * a Mixup batch and a CutMix batch with gradient clipping. Also the bicubic resize of a positional
 * table against F.interpolate.
 *
 * <p>Tolerances, all inside the 1e-4: logits, loss and every gradient within 1e-5 of the
 * tensor's largest magnitude (GoldenFile.assertMatches; measured at most 1.6e-7 for the logits and
 * 6e-7 for the gradients), the total gradient norm within 1e-5 relative. Weights after the step
 * within 1e-3·lr·scale of their group's step size (measured 3.8e-4 of it for Mixup, 8.4e-5 for
 * CutMix; at most 2.9e-7 absolute): Adam's first step moves every element by
 * lr·scale·g/(|g| + eps) ≈ ±lr·scale, so the weights match where the gradients agree; the key part
 * of each attention bias (qkv.bias rows D..2D) has a zero gradient analytically (softmax ignores a
 * constant added to every score), so both sides step on float32 noise and only need to stay within
 * the step size, 2·lr·scale. The positional tables within 1e-5 (measured 5.6e-7; PyTorch computes
 * the cubic convolution in float32, jmae in double).
 */
class FinetuneStepGoldenTest {

    /** Weights after the step: tolerance in units of the group's step size lr·lr_scale. */
    private static final double TOL_STEPS = 1e-3;

    private static final GoldenFile F = GoldenFile.load("/golden/finetune_step.safetensors", Device.CPU);

    private static FinetuneConfig config() throws Exception {
        ObjectNode json = (ObjectNode) new ObjectMapper().readTree(F.metadata().get("config"));
        json.put("mixup", 0.8);
        json.put("cutmix", 1.0);
        json.put("batch_size", 4);
        return FinetuneConfig.resolve(json, FinetuneConfig.Recipe.FINETUNE);
    }

    @Test
    void aMixupStepMatchesPyTorch() throws Exception {
        check("mixup");
    }

    @Test
    void aClippedCutMixStepMatchesPyTorch() throws Exception {
        check("cutmix_clip");
    }

    private static void check(String name) throws Exception {
        FinetuneConfig c = config();
        JsonNode meta = new ObjectMapper().readTree(F.metadata().get("cases")).get(name);
        double lr = Double.parseDouble(F.metadata().get("lr"));
        double smoothing = Double.parseDouble(F.metadata().get("smoothing"));
        VisionTransformerClassifier model = new VisionTransformerClassifier(c, new Generator(0), Device.CPU);
        model.loadStateDict(F.withPrefix("param."), true);
        Mixup mixup = new Mixup(0.8, 1.0, 1.0, 0.5, smoothing, c.nbClasses());
        Tensor images = F.get("images");
        Tensor labels = F.get("labels");
        boolean cutmix = meta.get("cutmix").asBoolean();
        Mixup.Box box = null;
        if (cutmix) {
            box = Mixup.cutmixBox(16, 16, meta.get("lam").asDouble(), meta.get("cy").asInt(), meta.get("cx").asInt());
            JsonNode want = meta.get("box");
            assertEquals(
                    java.util.List.of(want.get(0).asInt(), want.get(1).asInt(), want.get(2).asInt(),
                            want.get(3).asInt()),
                    java.util.List.of(box.top(), box.bottom(), box.left(), box.right()), "timm's rand_bbox");
        }
        Mixup.Mixed mixed = mixup.mix(images, labels, meta.get("lam").asDouble(), cutmix, box);
        assertEquals(meta.get("lam_used").asDouble(), mixed.lam(), 1e-12, "lam after the box correction");
        ClassifierLoss loss = new ClassifierLoss(model, mixup, smoothing, 0, false);

        F.assertMatches(name + ".logits", model.forward(mixed.images()).value(), 1e-5);
        Variable l = loss.mixed(mixed);
        F.assertMatches(name + ".loss", l.value().reshape(1), 1e-5);
        l.backward();
        Map<String, Parameter> params = model.namedParameters();
        for (Map.Entry<String, Tensor> e : F.withPrefix(name + ".grad.").entrySet()) {
            F.assertMatches(name + ".grad." + e.getKey(), params.get(e.getKey()).grad(), 1e-5);
        }
        model.zeroGrad();

        AdamW opt = new AdamW(
                LayerDecay.paramGroupsLrd(model, c.depth(), lr, Double.parseDouble(F.metadata().get("weight_decay")),
                        LayerDecay.VIT_NO_WEIGHT_DECAY, Double.parseDouble(F.metadata().get("layer_decay"))),
                0.9, 0.999, 1e-8);
        double clip = meta.get("clip_grad").isNull() ? 0 : meta.get("clip_grad").asDouble();
        TrainStep step = new TrainStep(opt, new WarmupCosineSchedule(lr, 0, 0, 1), 1, clip);
        step.beginEpoch();
        TrainStep.Result r = step.run(0, 0, 1, () -> loss.mixed(mixed));
        assertTrue(r.stepped());
        assertEquals(lr, r.lr(), 1e-15, "lr(t) at the end of warmup is the peak lr");
        assertEquals(F.get(name + ".loss").item(), r.loss(), 1e-5 * Math.abs(r.loss()));
        if (clip > 0) {
            float want = F.get(name + ".grad_norm").item();
            assertTrue(want > clip,
                    "the fixture's gradient norm " + want + " exceeds clip_grad " + clip + ", so clipping acts");
            assertEquals(want, r.gradNorm(), 1e-5 * want, "total gradient norm before clipping");
        }
        assertEquals(params.keySet(), F.withPrefix(name + ".after.").keySet(), "every parameter is compared");
        Map<String, Double> scales = new java.util.HashMap<>();
        opt.groups().forEach(g -> g.params().forEach(p -> scales.put(key(params, p), g.lrScale())));
        for (Map.Entry<String, Tensor> e : F.withPrefix(name + ".after.").entrySet()) {
            float[] want = e.getValue().toArray();
            float[] got = params.get(e.getKey()).value().toArray();
            double stepSize = lr * scales.get(e.getKey());
            boolean keyBias = e.getKey().endsWith("attn.qkv.bias");
            for (int i = 0; i < want.length; i++) {
                boolean noise = keyBias && i >= want.length / 3 && i < 2 * want.length / 3;
                double tol = noise ? 2 * stepSize : TOL_STEPS * stepSize;
                if (!(Math.abs(want[i] - got[i]) <= tol)) {
                    throw new AssertionError(
                            String.format("%s after.%s[%d]: PyTorch %.9g, jmae %.9g, |diff| %.3g > %.3g", name,
                                    e.getKey(), i, want[i], got[i], Math.abs(want[i] - got[i]), tol));
                }
            }
        }
    }

    private static String key(Map<String, Parameter> params, Parameter p) {
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (e.getValue() == p) {
                return e.getKey();
            }
        }
        throw new AssertionError("parameter not in the model");
    }

    @Test
    void thePositionalTableIsResizedAsFInterpolateBicubic() {
        float[] in = F.get("pos.in").toArray();
        for (int grid : new int[] {6, 3}) {
            Tensor got = Tensor.of(PosEmbed.resize(in, 8, 4, grid), 1, grid * grid + 1, 8);
            F.assertMatches("pos.grid" + grid, got, 1e-5);
        }
        assertEquals(java.util.Arrays.toString(in), java.util.Arrays.toString(PosEmbed.resize(in, 8, 4, 4)),
                "the same grid is a copy");
    }
}
