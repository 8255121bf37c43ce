package dev.jmae.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.LayerDecay;
import dev.jmae.nn.optim.ParamGroup;
import dev.jmae.nn.optim.WarmupCosineSchedule;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Layer-wise lr decay against the official assignment: the table in
 * {@code golden/lr_decay_vit_b.json} was written by {@code tools/golden/lr_decay_table.py}, which
 * runs the official {@code param_groups_lrd} (copied verbatim) on a PyTorch module with the
 * parameter names, order and dimensionality of a ViT-B fine-tuning model (timm 0.9.7 with global
 * pooling). Lr scales are compared to 1e-15 relative (Python's {@code **} and {@link Math#pow}
 * may differ in the last bit).
 */
class LayerDecayTest {

    private static JsonNode tables() throws IOException {
        try (InputStream in = LayerDecayTest.class.getResourceAsStream("/golden/lr_decay_vit_b.json")) {
            assertNotNull(in, "missing golden/lr_decay_vit_b.json (written by tools/golden/lr_decay_table.py)");
            return new ObjectMapper().readTree(in).get("tables");
        }
    }

    /** Parameters with the fixture's names and dimensionality (every size 1: the rule reads names and ndim only). */
    private static Map<String, Parameter> parameters(JsonNode table) {
        Map<String, Parameter> named = new LinkedHashMap<>();
        for (JsonNode p : table.get("params")) {
            int[] shape = new int[p.get("ndim").asInt()];
            Arrays.fill(shape, 1);
            named.put(p.get("name").asText(), new Parameter(Tensor.zeros(Device.REFERENCE, shape)));
        }
        return named;
    }

    @Test
    void everyViTBParameterGetsTheOfficialLayerIdScaleAndDecay() throws IOException {
        JsonNode all = tables();
        assertEquals(2, all.size());
        for (JsonNode table : all) {
            int depth = table.get("depth").asInt();
            double ld = table.get("layer_decay").asDouble();
            double wd = table.get("weight_decay").asDouble();
            Map<String, Parameter> named = parameters(table);
            assertEquals(152, named.size(), "ViT-B has 152 parameter tensors");
            List<ParamGroup> groups = LayerDecay.paramGroupsLrd(named, depth, 1e-3, wd, LayerDecay.VIT_NO_WEIGHT_DECAY,
                    ld);
            Map<Parameter, ParamGroup> groupOf = new IdentityHashMap<>();
            for (ParamGroup g : groups) {
                g.params().forEach(p -> groupOf.put(p, g));
            }
            int checked = 0;
            for (JsonNode row : table.get("params")) {
                String name = row.get("name").asText();
                ParamGroup g = groupOf.get(named.get(name));
                assertNotNull(g, name + " is in no group");
                String what = name + " (layer_decay " + ld + ")";
                assertEquals(row.get("layer_id").asInt(), LayerDecay.layerIdForVit(name, depth + 1), what);
                assertEquals(row.get("group").asText(), g.name(), what);
                double scale = row.get("lr_scale").asDouble();
                assertEquals(scale, g.lrScale(), 1e-15 * scale, what);
                assertEquals(row.get("weight_decay").asDouble(), g.weightDecay(), 0.0, what);
                assertEquals(1e-3, g.lr(), 0.0, what);
                checked++;
            }
            assertEquals(152, checked);
        }
    }

    @Test
    void groupsComeInTheOfficialOrderWithTheOfficialMembers() throws IOException {
        for (JsonNode table : tables()) {
            Map<String, Parameter> named = parameters(table);
            Map<Parameter, String> nameOf = new IdentityHashMap<>();
            named.forEach((k, v) -> nameOf.put(v, k));
            List<ParamGroup> groups = LayerDecay.paramGroupsLrd(named, table.get("depth").asInt(), 1e-3,
                    table.get("weight_decay").asDouble(), LayerDecay.VIT_NO_WEIGHT_DECAY,
                    table.get("layer_decay").asDouble());
            JsonNode expected = table.get("groups");
            assertEquals(expected.size(), groups.size());
            assertEquals(28, groups.size(), "14 layers x {decay, no_decay}");
            for (int i = 0; i < groups.size(); i++) {
                JsonNode e = expected.get(i);
                assertEquals(e.get("name").asText(), groups.get(i).name());
                List<String> want = new ArrayList<>();
                e.get("params").forEach(n -> want.add(n.asText()));
                List<String> got = groups.get(i).params().stream().map(nameOf::get).toList();
                assertEquals(want, got, e.get("name").asText());
            }
        }
    }

    @Test
    void scalesFollowTheClosedFormIndependentlyOfTheFixture() {
        // ld^(depth + 1 - id): head 1, block 11 ld, block 0 ld^12, embeddings ld^13
        double ld = 0.75;
        double[] s = LayerDecay.layerScales(12, ld);
        assertEquals(14, s.length);
        assertEquals(1.0, s[13], 0.0);
        assertEquals(ld, s[12], 1e-16);
        assertEquals(Math.pow(ld, 12), s[1], 1e-18);
        assertEquals(Math.pow(ld, 13), s[0], 1e-18);
        assertEquals(0, LayerDecay.layerIdForVit("patch_embed.proj.bias", 13));
        assertEquals(0, LayerDecay.layerIdForVit("cls_token", 13));
        assertEquals(13, LayerDecay.layerIdForVit("cls_token_extra", 13), "only the exact names are layer 0");
        assertEquals(10, LayerDecay.layerIdForVit("blocks.9.mlp.fc2.weight", 13));
        assertEquals(13, LayerDecay.layerIdForVit("head.weight", 13));
        assertEquals(13, LayerDecay.layerIdForVit("norm.weight", 13));
    }

    @Test
    void frozenParametersAreSkippedAndTheScheduleAppliesTheScales() {
        Map<String, Parameter> named = new LinkedHashMap<>();
        named.put("pos_embed", new Parameter(Tensor.zeros(Device.REFERENCE, 1, 5, 4), false));
        named.put("cls_token", new Parameter(Tensor.zeros(Device.REFERENCE, 1, 1, 4)));
        named.put("blocks.0.norm1.weight", new Parameter(Tensor.zeros(Device.REFERENCE, 4)));
        named.put("blocks.1.attn.qkv.weight", new Parameter(Tensor.zeros(Device.REFERENCE, 12, 4)));
        named.put("head.weight", new Parameter(Tensor.zeros(Device.REFERENCE, 3, 4)));
        List<ParamGroup> groups = LayerDecay.paramGroupsLrd(named, 2, 0.0, 0.05, LayerDecay.VIT_NO_WEIGHT_DECAY, 0.5);
        assertEquals(List.of("layer_0_no_decay", "layer_1_no_decay", "layer_2_decay", "layer_3_decay"),
                groups.stream().map(ParamGroup::name).toList());
        assertTrue(groups.stream().noneMatch(g -> g.params().contains(named.get("pos_embed"))));
        AdamW opt = new AdamW(groups, 0.9, 0.999, 1e-8);
        double lr = new WarmupCosineSchedule(1e-3, 1e-6, 5, 100).apply(opt, 5);
        assertEquals(1e-3, lr, 1e-18);
        double[] want = {0.125e-3, 0.25e-3, 0.5e-3, 1e-3};
        for (int i = 0; i < 4; i++) {
            assertEquals(want[i], opt.groups().get(i).lr(), 1e-18, groups.get(i).name());
        }
    }

    @Test
    void rejectsABlockBeyondTheDepthAndABadDecay() {
        Map<String, Parameter> named = Map.of("blocks.3.norm1.weight",
                new Parameter(Tensor.zeros(Device.REFERENCE, 4)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LayerDecay.paramGroupsLrd(named, 2, 1e-3, 0.05, Set.of(), 0.75));
        assertTrue(e.getMessage().contains("blocks.3.norm1.weight"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> LayerDecay.paramGroupsLrd(named, 4, 1e-3, 0.05, Set.of(), 1.5));
        assertThrows(IllegalArgumentException.class, () -> LayerDecay.layerIdForVit("blocks.x.norm1.weight", 4));
    }
}
