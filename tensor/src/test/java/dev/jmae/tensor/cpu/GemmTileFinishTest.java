package dev.jmae.tensor.cpu;

import static dev.jmae.tensor.cpu.GemmKernels.L;
import static org.junit.jupiter.api.Assertions.assertEquals;

import static dev.jmae.tensor.testing.TestData.uniform;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The 5x3 and 8x2 kernels finish a full tile in registers and a partial one through
 * {@link GemmKernels#finishTile}; both must store the same bits ((sum + bias) + C). The same tile
 * is computed twice, once full and once one column short (spilled), and every stored element must
 * agree, with and without bias, overwriting and accumulating.
 */
class GemmTileFinishTest {

    @Test
    void fullTilesFinishedInRegistersMatchSpilledTiles() {
        SplittableRandom rnd = new SplittableRandom(5);
        int kc = 37;
        for (int[] shape : new int[][] {{5, 3}, {8, 2}}) {
            int rows = shape[0];
            int width = shape[1] * L;
            float[] a = uniform(rnd, rows * kc);          // packed micro-panel: (r, p) at p*rows + r
            float[] b = uniform(rnd, kc * width);         // packed panel: (p, j) at p*width + j
            float[] bias = uniform(rnd, width);
            float[] old = uniform(rnd, rows * width);
            for (boolean withBias : new boolean[] {false, true}) {
                for (boolean accumulate : new boolean[] {false, true}) {
                    float[] full = old.clone();
                    float[] spilled = old.clone();
                    run(shape, kc, a, b, full, rows, width, accumulate, withBias ? bias : null);
                    run(shape, kc, a, b, spilled, rows, width - 1, accumulate, withBias ? bias : null);
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < width - 1; j++) {
                            int i = r * width + j;
                            assertEquals(Float.floatToRawIntBits(spilled[i]), Float.floatToRawIntBits(full[i]),
                                    rows + "x" + shape[1] + (withBias ? " bias" : "")
                                            + (accumulate ? " accumulate" : "")
                                            + ": C[" + r + ", " + j + "] in registers " + full[i] + ", spilled "
                                            + spilled[i]);
                        }
                        int last = r * width + width - 1;
                        assertEquals(Float.floatToRawIntBits(old[last]), Float.floatToRawIntBits(spilled[last]),
                                "the column past the partial tile is not written");
                    }
                }
            }
        }
    }

    private static void run(int[] shape, int kc, float[] a, float[] b, float[] c, int rows, int cols,
                            boolean accumulate, float[] bias) {
        float[] tile = new float[rows * shape[1] * L];
        if (shape[0] == 5) {
            GemmKernels.kernel5x3(kc, a, 0, 1, rows, b, 0, c, 0, shape[1] * L, rows, cols, accumulate, bias, 0, tile);
        } else {
            GemmKernels.kernel8x2(kc, a, 0, 1, rows, b, 0, c, 0, shape[1] * L, rows, cols, accumulate, bias, 0, tile);
        }
    }

}
