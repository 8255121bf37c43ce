package dev.jmae.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.jmae.tensor.Settings;
import dev.jmae.tensor.cpu.GemmParityTest.Case;
import dev.jmae.tensor.cpu.GemmParityTest.View;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The GEMM's self-tuning is honest: every tuning the search can choose (each register tile, with
 * each blocking variant) matches the reference at awkward sizes in every layout; the search caches
 * its choice and the next call reuses it without searching; a corrupt or foreign cache file is
 * ignored with a warning and tuned again; and the test JVM runs the pinned default tuning.
 */
class GemmTuningTest {

    /** Tiny products, so the search finishes in well under a second. */
    private static final List<GemmTuner.Shape> TINY = List.of(
            new GemmTuner.Shape(40, 96, 30, false, false),
            new GemmTuner.Shape(33, 64, 50, true, false));

    @TempDir
    Path dir;

    @Test
    void testsRunThePinnedDefaultTuning() {
        assertEquals("default", Settings.gemmTuning(), "surefire must pin jmae.gemm.tuning=default (pom.xml)");
        assertEquals(GemmTuning.DEFAULT, GemmTuning.current());
    }

    @Test
    void specRoundTripsAndBadSpecsAreRejected() {
        for (GemmTuning t : GemmTuner.candidates()) {
            assertEquals(t, GemmTuning.parse(t.spec()));
        }
        assertEquals(GemmTuning.DEFAULT, GemmTuning.parse("default"));
        assertEquals("tile=5x3 kc=800/512 bblock=163840 ablock=3145728 tasks=4 tinplace=256",
                GemmTuning.DEFAULT.spec());
        for (String bad : new String[] {"", "tile=5x3",
            "tile=9x9 kc=800/512 bblock=163840 ablock=3145728 tasks=4 tinplace=256",
            "tile=5x3 kc=800 bblock=163840 ablock=3145728 tasks=4 tinplace=256",
            "tile=5x3 kc=800/512 bblock=163840 ablock=3145728 tasks=0 tinplace=256",
            "tile=5x3 kc=800/512 bblock=x ablock=3145728 tasks=4 tinplace=256",
            "tile=5x3 kc=800/512 bblock=163840 ablock=3145728 tasks=4 tinplace=256 extra=1"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GemmTuning.parse(bad), bad);
            assertTrue(e.getMessage().contains("hint:") || e.getMessage().contains("must be"), e.getMessage());
        }
    }

    @Test
    void everyCandidateTuningMatchesReference() {
        List<GemmTuning> candidates = GemmTuner.candidates();
        Set<GemmTuning.Tile> tiles = EnumSet.noneOf(GemmTuning.Tile.class);
        candidates.forEach(t -> tiles.add(t.wide()));
        assertEquals(EnumSet.allOf(GemmTuning.Tile.class), tiles, "a tile no candidate uses");
        assertTrue(candidates.stream().anyMatch(t -> t.inPlaceTransposedK() == 0));
        View[] views = {View.ROW_MAJOR, View.TRANSPOSED};
        for (GemmTuning t : candidates) {
            List<Case> cases = new ArrayList<>();
            int cols = t.wide().vectors() * GemmKernels.L;
            for (View av : views) {
                for (View bv : views) {
                    // awkward sizes (the 8x2 tile and its 8x1 tail, ragged rows and columns)
                    cases.add(new Case("sgemm", 1, 1, 1, av, bv, true, false));
                    cases.add(new Case("sgemm", 7, 33, 197, av, bv, false, true));
                    cases.add(new Case("sgemm", 197, 7, 33, av, bv, true, false));
                    // the wide tile (N a multiple of its columns), K just below and above its strip,
                    // ragged last row panel; sampled rows keep the reference cheap
                    cases.add(new Case("sgemm", 197, 3 * cols, t.kcWide() - 1, av, bv, true, 1, true, 1,
                            GemmParityTest.sampledRows(197)));
                    cases.add(new Case("sgemm", 33, 3 * cols, t.kcWide() + 1, av, bv, false, 1, false, 1, null));
                    // the 8x2 tile's strip edge
                    cases.add(new Case("sgemm", 9, 40, t.kcTall() + 1, av, bv, true, 1, true, 1, null));
                }
            }
            // non-contiguous views: padded rows, broadcast rows
            cases.add(new Case("sgemm", 23, 2 * cols, 41, View.PADDED, View.PADDED, true, 2, false, 1, null));
            cases.add(
                    new Case("sgemm", 12, cols, 29, View.BROADCAST_COLS, View.BROADCAST_ROWS, true, 0, true, 1, null));
            for (Case cs : cases) {
                try {
                    GemmParityTest.check(cs, t);
                } catch (AssertionError e) {
                    fail("tuning " + t.spec() + ": " + e.getMessage(), e);
                }
            }
        }
    }

    @Test
    void searchCachesItsChoiceAndTheNextCallReusesIt() throws Exception {
        List<String> warnings = new ArrayList<>();
        int before = GemmTuner.SEARCHES.get();
        GemmTuner.Outcome first = GemmTuner.cachedOrSearch(dir, true, 0.05, TINY, warnings::add);
        assertEquals(GemmTuner.Source.SEARCHED, first.source());
        assertEquals(before + 1, GemmTuner.SEARCHES.get());
        assertTrue(Files.isRegularFile(first.cacheFile()), "no cache file " + first.cacheFile());
        assertEquals(first.cacheFile(), first.result().cacheFile());
        GemmTuner.Result r = first.result();
        // the choice is stage 2's first row (the stage-1 winner) or a row beating it by the margin
        List<GemmTuner.Row> stage2 = r.rows().stream().filter(row -> row.stage() == 2).toList();
        GemmTuner.Row incumbent = stage2.get(0);
        GemmTuner.Row chosenRow = stage2.stream().filter(row -> row.tuning().equals(r.chosen())).findFirst()
                .orElseThrow();
        assertTrue(chosenRow == incumbent || chosenRow.score() > incumbent.score() * GemmTuner.MARGIN);
        assertTrue(stage2.stream().allMatch(row -> row.score() <= chosenRow.score() * GemmTuner.MARGIN));
        assertTrue(r.rows().stream().allMatch(row -> row.score() > 0 && Double.isFinite(row.score())));
        assertTrue(r.rows().stream().anyMatch(row -> row.tuning().equals(GemmTuning.DEFAULT)), "default not measured");
        assertTrue(GemmTuner.table(r).lines().anyMatch(l -> l.startsWith("  * ") && l.contains(r.chosen().spec())));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "a temporary file was left behind");
        }

        GemmTuner.Outcome second = GemmTuner.cachedOrSearch(dir, true, 0.05, TINY, warnings::add);
        assertEquals(GemmTuner.Source.CACHED, second.source());
        assertEquals(first.tuning(), second.tuning());
        assertNull(second.result());
        assertEquals(before + 1, GemmTuner.SEARCHES.get(), "the cached choice was searched again");
        assertEquals(List.of(), warnings);
    }

    @Test
    void corruptOrForeignCacheIsIgnoredWithAWarningAndTunedAgain() throws Exception {
        String key = GemmTuner.machineKey();
        Path file = GemmTuner.cacheFile(dir, key);
        String[] bad = {
            "\u0000\u0001garbage\\u12",
            "format=" + GemmTuner.FORMAT + "\nkey=" + key.replace("\\", "\\\\") + "\nspec=tile=9x9 kc=1/1\n",
            "format=" + GemmTuner.FORMAT + "\nkey=cpu=Some Other CPU\nspec=" + GemmTuning.DEFAULT.spec() + "\n",
        };
        String[] why = {"corrupt", "corrupt", "another machine"};
        for (int i = 0; i < bad.length; i++) {
            Files.createDirectories(dir);
            Files.writeString(file, bad[i], StandardCharsets.ISO_8859_1);
            List<String> warnings = new ArrayList<>();
            int before = GemmTuner.SEARCHES.get();
            GemmTuner.Outcome o = GemmTuner.cachedOrSearch(dir, true, 0.02, TINY, warnings::add);
            assertEquals(1, warnings.size(), "case " + i + ": " + warnings);
            assertTrue(warnings.get(0).contains(why[i]) && warnings.get(0).contains(file.toString()), warnings.get(0));
            assertEquals(GemmTuner.Source.SEARCHED, o.source(), "case " + i);
            assertEquals(before + 1, GemmTuner.SEARCHES.get());
            // the file now holds the new choice and is read back without a warning
            assertEquals(o.tuning(), GemmTuner.readCache(file, key, w -> fail("unexpected warning " + w)));
        }
    }

    @Test
    void searchOffUsesTheDefaultWithoutSearching() {
        int before = GemmTuner.SEARCHES.get();
        GemmTuner.Outcome o = GemmTuner.cachedOrSearch(dir.resolve("empty"), false, 1, TINY,
                w -> fail("unexpected warning " + w));
        assertEquals(GemmTuner.Source.DEFAULT, o.source());
        assertEquals(GemmTuning.DEFAULT, o.tuning());
        assertEquals(before, GemmTuner.SEARCHES.get());
        assertNotNull(o.cacheFile());
    }
}
