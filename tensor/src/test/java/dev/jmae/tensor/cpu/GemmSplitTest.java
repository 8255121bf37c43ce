package dev.jmae.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * How {@link Gemm} cuts a parallel product's columns into tasks ({@link Gemm#columnTasks}) and
 * which tile a product's width gets ({@link GemmTuning#tileFor}).
 */
class GemmSplitTest {

    @Test
    void columnTasksAreEqualWhereThePanelsAllow() {
        // the training shapes on two threads, 4 tasks per thread: qkv (N = 2304) with the 6x4 tile's
        // 64-column panels is 36 panels, with 5x3's 48 columns 48; mlp (3072) 48 or 64
        assertEquals(6, Gemm.columnTasks(36, 8, 2));
        assertEquals(8, Gemm.columnTasks(48, 8, 2));
        assertEquals(8, Gemm.columnTasks(64, 8, 2));
        // no even split among a multiple of the threads: the target count of near-equal tasks
        assertEquals(8, Gemm.columnTasks(37, 8, 2));
        // fewer panels than the target: one panel per task (rows are cut as well), or an even count
        assertEquals(3, Gemm.columnTasks(3, 8, 2));
        assertEquals(4, Gemm.columnTasks(4, 8, 2));
        assertEquals(6, Gemm.columnTasks(6, 8, 2));
        assertEquals(4, Gemm.columnTasks(36, 8, 4));
        // serial: one task
        assertEquals(1, Gemm.columnTasks(36, 1, 1));
        assertEquals(1, Gemm.columnTasks(1, 8, 2));
    }

    @Test
    void columnTasksIsTheLargestEvenSplitElseTheTarget() {
        for (int threads = 1; threads <= 4; threads++) {
            for (int perThread = 1; perThread <= 8; perThread++) {
                int target = threads * perThread;
                for (int panels = 1; panels <= 200; panels++) {
                    int most = Math.min(panels, target);
                    int even = 0;
                    for (int c = threads; c <= most; c++) {
                        if (panels % c == 0 && c % threads == 0 && c > 1) {
                            even = c;
                        }
                    }
                    int got = Gemm.columnTasks(panels, target, threads);
                    String what = panels + " panels, " + target + " tasks, " + threads + " threads";
                    assertTrue(got >= 1 && got <= most, what + ": " + got);
                    assertEquals(even > 0 ? even : most, got, what);
                }
            }
        }
    }

    @Test
    void aWideTileOfFourVectorsTakesAtLeastThreePanels() {
        int l = GemmKernels.L;
        GemmTuning t64 = GemmTuning.parse("tile=6x4 kc=800/512 bblock=163840 ablock=3145728 tasks=4 tinplace=256");
        assertEquals(GemmTuning.Tile.T8X2, t64.tileFor(4 * l));
        assertEquals(GemmTuning.Tile.T8X2, t64.tileFor(8 * l));
        assertEquals(GemmTuning.Tile.T6X4, t64.tileFor(12 * l));
        assertEquals(GemmTuning.Tile.T8X2, t64.tileFor(12 * l + 2));
        // three-vector tiles keep every whole number of panels (the default's bits do not move)
        assertEquals(GemmTuning.Tile.T5X3, GemmTuning.DEFAULT.tileFor(3 * l));
        assertEquals(GemmTuning.Tile.T5X3, GemmTuning.DEFAULT.tileFor(6 * l));
    }
}
