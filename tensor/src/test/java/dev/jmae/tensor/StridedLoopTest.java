package dev.jmae.tensor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Dimension collapsing and row iteration of the strided loop plan. */
class StridedLoopTest {

    @Test
    void contiguousOperandsCollapseToOneRow() {
        Tensor a = Tensor.zeros(Device.CPU, 4, 5, 6);
        StridedLoop loop = StridedLoop.of(a.shape(), a, a);
        assertEquals(1, loop.rows());
        assertEquals(120, loop.rowLength());
    }

    @Test
    void broadcastBiasGivesRowsWithStrideZeroOuter() {
        Tensor x = Tensor.zeros(Device.CPU, 64, 50, 768);
        Tensor bias = Tensor.zeros(Device.CPU, 768).expand(64, 50, 768);
        StridedLoop loop = StridedLoop.of(x.shape(), x, bias);
        assertEquals(3200, loop.rows());
        assertEquals(768, loop.rowLength());
    }

    @Test
    void rowsVisitEveryElementInRowMajorOrder() {
        Tensor t = Tensor.arange(Device.CPU, 0, 24, 1).reshape(2, 3, 4).permute(2, 0, 1);
        StridedLoop loop = StridedLoop.of(t.shape(), t);
        float[] data = ((HeapStorage) t.storage()).data();
        List<Float> seen = new ArrayList<>();
        loop.forRows(0, loop.rows(), (off, n, st) -> {
            for (int i = 0; i < n; i++) {
                seen.add(data[off[0] + i * st[0]]);
            }
        });
        float[] expected = t.contiguous().toArray();
        assertEquals(expected.length, seen.size());
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], seen.get(i));
        }
        // a middle range starts at the right element
        List<Float> tail = new ArrayList<>();
        loop.forRows(3, loop.rows(), (off, n, st) -> tail.add(data[off[0]]));
        assertEquals(seen.get(3 * loop.rowLength()), tail.get(0));
    }
}
