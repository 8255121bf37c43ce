package dev.jmae.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link GemmPacking#packA} against its definition, element by element, for every panel height
 * the tiles use and awkward depths and row counts, A transposed (the vector-copy path) and
 * row-major; and the rule that keeps the CPU kernels' compiled code fast: production code uses one
 * vector species.
 */
class GemmPackingTest {

    @Test
    void packAMatchesDefinition() {
        SplittableRandom rnd = new SplittableRandom(11);
        for (int mr : new int[] {4, 5, 6, 8}) {
            for (int kc : new int[] {1, 2, 3, 4, 7, 33, 197}) {
                // mc from one partial panel to whole groups of L / mr panels (packed together when A is
                // transposed) with a partial panel after them
                for (int mc : new int[] {1, mr - 1, mr, 2 * mr + 3, 3 * mr, 3 * mr + 1, 33, 197}) {
                    for (boolean transposed : new boolean[] {true, false}) {
                        for (int pad : new int[] {0, 3}) {
                            // A [mc, kc] at offset 2 with pad extra elements per leading row; the
                            // array ends right after the last element so that copies near its end
                            // cannot read past it
                            int rowStride = transposed ? 1 : kc + pad;
                            int colStride = transposed ? mc + pad : 1;
                            int base = 2;
                            int length = base + (mc - 1) * rowStride + (kc - 1) * colStride + 1;
                            float[] a = new float[length];
                            for (int i = 0; i < length; i++) {
                                a[i] = (float) rnd.nextGaussian();
                            }
                            int panels = (mc + mr - 1) / mr;
                            float[] dst = new float[1 + panels * mr * kc + 40];
                            Arrays.fill(dst, Float.NaN);
                            GemmPacking.packA(mc, kc, mr, a, base, rowStride, colStride, dst, 1);
                            for (int ir = 0; ir < mc; ir += mr) {
                                for (int p = 0; p < kc; p++) {
                                    for (int r = 0; r < mr; r++) {
                                        float want = ir + r < mc ? a[base + (ir + r) * rowStride + p * colStride] : 0f;
                                        assertEquals(want, dst[1 + ir * kc + p * mr + r],
                                                "mr " + mr + ", kc " + kc + ", mc " + mc
                                                        + (transposed ? ", transposed" : "") + ", pad " + pad
                                                        + ": panel row " + ir + ", depth " + p + ", row " + r);
                                    }
                                }
                            }
                            assertEquals(Float.NaN, dst[0], "packA wrote before its destination");
                            for (int i = 1 + panels * mr * kc; i < dst.length; i++) {
                                assertEquals(Float.NaN, dst[i], "packA wrote past its panels at " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    /**
     * The CPU kernels use {@code FloatVector.SPECIES_PREFERRED} and no other species. A second
     * one (an 8-lane copy in {@link GemmPacking#packA}) made the type profiles of the Vector API's
     * shared methods bimorphic; C2 then compiled the 5x3 micro-kernel in some processes with its
     * accumulators boxed, and every GEMM of that tile ran 20-35x slower for the rest of the
     * process (docs/benchmarks.md). Speed is not asserted in unit tests, so the cause is.
     */
    @Test
    void productionCodeUsesOneVectorSpecies() throws IOException {
        Pattern other = Pattern.compile("(Float|Int|Long|Double|Short|Byte)Vector\\.SPECIES_(?!PREFERRED)\\w+"
                + "|VectorShape\\.|\\.withShape\\(|\\.withLanes\\(");
        Path sources = Path.of("src/main/java");
        assertTrue(Files.isDirectory(sources), "run from the tensor module: " + sources.toAbsolutePath());
        List<String> found = new ArrayList<>();
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(f);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = other.matcher(lines.get(i));
                    if (m.find()) {
                        found.add(sources.relativize(f) + ":" + (i + 1) + ": " + m.group());
                    }
                }
            }
        }
        assertEquals(List.of(), found, "vector species other than SPECIES_PREFERRED in production code");
    }
}
