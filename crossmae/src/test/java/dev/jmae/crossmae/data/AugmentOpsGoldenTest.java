package dev.jmae.crossmae.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.SafetensorsFile;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The RandAugment ops against Pillow 9.4 through timm 0.9.7's op functions
 * ({@code tools/augment_fixtures.py}): autocontrast, equalize, invert, posterize, solarize,
 * solarize-add, the four enhancers at factors below, at and above 1, shears, relative translations
 * and rotations with bicubic and bilinear resampling and a fill colour, on "L" and "RGB" images
 * (and the exact-transpose rotations of a square image). Required difference: 0 on every pixel.
 */
class AugmentOpsGoldenTest {

    static Image image(Tensor t) {
        float[] v = t.toArray();
        byte[] px = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            px[i] = (byte) Math.round(v[i]);
        }
        return new Image(t.size(0), t.size(1), t.size(2), px);
    }

    @Test
    void everyOpMatchesPillowPixelForPixel() throws Exception {
        Path file = Path.of(AugmentOpsGoldenTest.class.getResource("/data/pil_augment.safetensors").toURI());
        Map<String, RandAugment.Op> byName = new HashMap<>();
        for (RandAugment.Op op : RandAugment.Op.values()) {
            byName.put(op.timmName(), op);
        }
        Set<String> opsSeen = new HashSet<>();
        int cases = 0;
        try (SafetensorsFile f = Safetensors.open(file)) {
            JsonNode meta = new ObjectMapper().readTree(f.metadata().get("cases"));
            for (JsonNode c : meta) {
                String name = c.get("name").asText();
                Image in = image(f.tensor(c.get("input").asText()));
                Image expected = image(f.tensor(name + ".output"));
                RandAugment.Op op = byName.get(c.get("op").asText());
                double arg = c.get("arg").isNull() ? Double.NaN : c.get("arg").asDouble();
                int[] fill = new int[in.channels()];
                if (!c.get("fill").isNull()) {
                    for (int i = 0; i < fill.length; i++) {
                        fill[i] = c.get("fill").get(i).asInt();
                    }
                }
                Geometry.Resample r = c.get("resample").isNull() ? Geometry.Resample.BICUBIC
                        : Geometry.Resample.valueOf(c.get("resample").asText().toUpperCase(java.util.Locale.ROOT));
                Image got = op.apply(in, arg, fill, r);
                assertEquals(Arrays.toString(new int[] {expected.channels(), expected.height(), expected.width()}),
                        Arrays.toString(new int[] {got.channels(), got.height(), got.width()}), name);
                int worst = 0;
                int mismatches = 0;
                int worstAt = -1;
                for (int i = 0; i < got.pixels().length; i++) {
                    int d = Math.abs((got.pixels()[i] & 0xFF) - (expected.pixels()[i] & 0xFF));
                    mismatches += d > 0 ? 1 : 0;
                    if (d > worst) {
                        worst = d;
                        worstAt = i;
                    }
                }
                assertEquals(0, worst,
                        name + " (arg " + arg + ", " + r + "): " + mismatches + " pixels differ from Pillow, worst "
                                + worst + " at flat index " + worstAt);
                opsSeen.add(op.timmName());
                cases++;
            }
        }
        assertTrue(cases >= 150, "expected the fixture's cases, read " + cases);
        assertEquals(15, opsSeen.size(), "every Pillow-backed op is covered: " + opsSeen);
    }
}
