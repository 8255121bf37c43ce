package dev.jmae.crossmae.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.SafetensorsFile;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bicubic resize and resized crop against PIL 9.4 ({@code Image.resize(..., Image.BICUBIC)},
 * after {@code Image.crop(box)} for crop cases), fixtures written by tools/data_fixtures.py.
 * Resample reproduces PIL's fixed-point arithmetic and intermediate 8-bit rounding, so the
 * required difference is 0 (not the ±1 a float implementation would need).
 */
class ResampleGoldenTest {

    private static Image image(Tensor t) {
        float[] v = t.toArray();
        byte[] px = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            px[i] = (byte) Math.round(v[i]);
        }
        return new Image(t.size(0), t.size(1), t.size(2), px);
    }

    @Test
    void bicubicResizeMatchesPilPixelForPixel() throws Exception {
        Path file = Path.of(ResampleGoldenTest.class.getResource("/data/pil_resize.safetensors").toURI());
        int worstOverall = 0;
        int cases = 0;
        try (SafetensorsFile f = Safetensors.open(file)) {
            JsonNode meta = new ObjectMapper().readTree(f.metadata().get("cases"));
            for (JsonNode c : meta) {
                String name = c.get("name").asText();
                Image in = image(f.tensor(name + ".input"));
                Image expected = image(f.tensor(name + ".output"));
                Image x = in;
                JsonNode box = c.get("box");
                if (box != null && !box.isNull()) {
                    int left = box.get(0).asInt();
                    int top = box.get(1).asInt();
                    x = x.crop(top, left, box.get(3).asInt() - top, box.get(2).asInt() - left);
                }
                Image got = Resample.bicubic(x, c.get("height").asInt(), c.get("width").asInt());
                assertEquals(expected.channels(), got.channels(), name);
                assertEquals(expected.height(), got.height(), name);
                assertEquals(expected.width(), got.width(), name);
                int worst = 0;
                int worstAt = -1;
                int mismatches = 0;
                for (int i = 0; i < got.pixels().length; i++) {
                    int d = Math.abs((got.pixels()[i] & 0xFF) - (expected.pixels()[i] & 0xFF));
                    if (d > 0) {
                        mismatches++;
                    }
                    if (d > worst) {
                        worst = d;
                        worstAt = i;
                    }
                }
                assertEquals(0, worst, name + ": " + mismatches + " pixels differ from PIL, worst " + worst
                        + " at flat index " + worstAt);
                worstOverall = Math.max(worstOverall, worst);
                cases++;
            }
        }
        assertTrue(cases >= 10, "expected the fixture's cases, read " + cases);
        System.out.println("ResampleGoldenTest: " + cases + " PIL cases, max pixel difference " + worstOverall);
    }

    @Test
    void shortSideResizeMatchesPilFixtureThroughResize() throws Exception {
        // Resize(16) on a 28x20 (HxW) image: the short side W becomes 16 and H int(16*28/20) = 22,
        // the fixture case short_side_28x20x3_to_22x16 resized by PIL to exactly that size
        Path file = Path.of(ResampleGoldenTest.class.getResource("/data/pil_resize.safetensors").toURI());
        try (SafetensorsFile f = Safetensors.open(file)) {
            Image in = image(f.tensor("short_side_28x20x3_to_22x16.input"));
            Image expected = image(f.tensor("short_side_28x20x3_to_22x16.output"));
            assertEquals(expected, new Resize(16).apply(in, new Generator(0)));
        }
    }
}
