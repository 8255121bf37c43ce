package dev.jmae.tensor.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How {@link Gemm} cuts a parallel product's columns into tasks ({@link Gemm#columnTasks}). */
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
}
