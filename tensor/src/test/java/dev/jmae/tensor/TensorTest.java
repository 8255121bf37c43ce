package dev.jmae.tensor;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The tensor API's semantics: views, copies, broadcasting, known values, and error messages. */
class TensorTest {

    private static Tensor range(int... shape) {
        return Tensor.arange(Device.CPU, 0, Shape.numel(shape), 1).reshape(shape);
    }

    @Test
    void viewsShareStorageAndContiguousCopiesOnlyWhenNeeded() {
        Tensor x = range(2, 3, 4);
        assertSame(x.storage(), x.reshape(6, 4).storage());
        assertSame(x.storage(), x.view(2, 12).storage());
        assertSame(x.storage(), x.permute(2, 0, 1).storage());
        assertSame(x.storage(), x.transpose(0, 2).storage());
        assertSame(x.storage(), x.narrow(1, 1, 2).storage());
        assertSame(x.storage(), x.unsqueeze(0).expand(5, 2, 3, 4).storage());
        assertSame(x, x.contiguous());
        Tensor t = x.transpose(1, 2);
        assertFalse(t.isContiguous());
        assertNotSame(t.storage(), t.contiguous().storage());
        // a transposed tensor cannot be flattened as a view: reshape copies, view refuses with a hint
        assertNotSame(t.storage(), t.reshape(24).storage());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.view(24));
        assertTrue(e.getMessage().contains("hint: use reshape"), e.getMessage());
        // splitting a dim of a non-contiguous tensor is still a view
        assertSame(t.storage(), t.reshape(2, 2, 2, 3).storage());
    }

    @Test
    void movementOpsProduceTheExpectedValues() {
        Tensor x = range(2, 3);
        assertArrayEquals(new float[] {0, 3, 1, 4, 2, 5}, x.transpose(0, 1).toArray());
        assertArrayEquals(new float[] {1, 2, 4, 5}, x.narrow(1, 1, 2).toArray());
        assertArrayEquals(new float[] {3, 4, 5}, x.select(0, 1).toArray());
        assertArrayEquals(new float[] {2, 5}, x.select(1, -1).toArray());
        assertArrayEquals(new float[] {0, 1, 2, 0, 1, 2}, x.select(0, 0).expand(2, 3).toArray());
        assertArrayEquals(new int[] {2, 1, 3}, x.unsqueeze(1).shape());
        assertArrayEquals(new int[] {2, 3}, x.unsqueeze(1).squeeze().shape());
        assertArrayEquals(new int[] {6}, x.flatten().shape());
        assertArrayEquals(new int[] {2, 12}, range(2, 3, 4).flatten(1, 2).shape());
        assertArrayEquals(new int[] {3, 2}, x.reshape(-1, 2).shape());
        Tensor p = range(2, 3, 4).permute(2, 0, 1);
        assertArrayEquals(new int[] {4, 2, 3}, p.shape());
        assertEquals(13f, p.get(1, 1, 0));
    }

    @Test
    void broadcastingFollowsPyTorch() {
        Tensor a = range(2, 1, 3);
        Tensor b = Tensor.of(Device.CPU, new float[] {10, 20}, 2, 1);
        Tensor c = a.add(b);
        assertArrayEquals(new int[] {2, 2, 3}, c.shape());
        assertArrayEquals(new float[] {10, 11, 12, 20, 21, 22, 13, 14, 15, 23, 24, 25}, c.toArray());
        assertArrayEquals(new float[] {0, 2, 4}, range(3).mul(Tensor.scalar(2f)).toArray());
    }

    @Test
    void reductionsAndMatmulGiveKnownValues() {
        Tensor x = range(2, 3);
        assertEquals(15f, x.sum().item());
        assertArrayEquals(new float[] {3, 12}, x.sum(1, false).toArray());
        assertArrayEquals(new int[] {2, 1}, x.sum(1, true).shape());
        assertArrayEquals(new float[] {1.5f, 2.5f, 3.5f}, x.mean(0, false).toArray());
        assertArrayEquals(new float[] {2, 5}, x.max(1, false).toArray());
        assertArrayEquals(new float[] {2, 2}, x.argmax(1, false).toArray());
        assertArrayEquals(new float[] {1, 1}, x.var(1, 1, false).toArray());
        assertArrayEquals(new float[] {2f / 3, 2f / 3}, x.var(1, 0, false).toArray(), 1e-6f);
        // [2,3] x [3,2]
        Tensor m = x.matmul(x.transpose(0, 1));
        assertArrayEquals(new float[] {5, 14, 14, 50}, m.toArray());
        assertArrayEquals(new float[] {5, 14}, x.matmul(Tensor.of(Device.CPU, new float[] {0, 1, 2}, 3)).toArray());
        Tensor lin = x.linear(Tensor.of(Device.CPU, new float[] {1, 1, 1}, 1, 3),
                Tensor.of(Device.CPU, new float[] {0.5f}, 1));
        assertArrayEquals(new float[] {3.5f, 12.5f}, lin.toArray());
    }

    @Test
    void argsortIsStableAndIndexingOpsWork() {
        Tensor x = Tensor.of(Device.CPU, new float[] {3, 1, 2, 1, 3}, 5);
        assertArrayEquals(new float[] {1, 3, 2, 0, 4}, x.argsort(0, false).toArray());
        assertArrayEquals(new float[] {0, 4, 2, 1, 3}, x.argsort(0, true).toArray());
        Tensor m = range(2, 3);
        Tensor idx = Tensor.of(Device.CPU, new float[] {2, 0, 1, 1}, 2, 2);
        assertArrayEquals(new float[] {2, 0, 4, 4}, m.gather(1, idx).toArray());
        Tensor scattered = Tensor.zeros(Device.CPU, 2, 3)
                .scatter(1, Tensor.of(Device.CPU, new float[] {0, 2}, 2, 1), Tensor.ones(Device.CPU, 2, 1));
        assertArrayEquals(new float[] {1, 0, 0, 0, 0, 1}, scattered.toArray());
        assertArrayEquals(new float[] {0, 0, 2, 0, 0, 0}, Tensor.zeros(Device.CPU, 6)
                .scatterAdd(0, Tensor.of(Device.CPU, new float[] {2, 2}, 2), Tensor.ones(Device.CPU, 2)).toArray());
        assertArrayEquals(new float[] {3, 4, 5, 0, 1, 2},
                m.indexSelect(0, Tensor.of(Device.CPU, new float[] {1, 0}, 2)).toArray());
        assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 0, 1, 2},
                Tensor.cat(List.of(m, m.narrow(0, 0, 1)), 0).toArray());
        assertArrayEquals(new int[] {2, 2, 3}, Tensor.stack(List.of(m, m), 0).shape());
        assertArrayEquals(new int[] {2, 3, 2}, Tensor.stack(List.of(m, m), -1).shape());
    }

    @Test
    void badShapesAreRejectedWithTheOpAndBothShapes() {
        Tensor a = Tensor.zeros(Device.CPU, 2, 3);
        Tensor b = Tensor.zeros(Device.CPU, 4);
        IllegalArgumentException add = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(add.getMessage().startsWith("add: shapes [2, 3] and [4] cannot be broadcast"), add.getMessage());
        IllegalArgumentException mm = assertThrows(IllegalArgumentException.class, () -> a.matmul(a));
        assertTrue(mm.getMessage().contains("matmul") && mm.getMessage().contains("[2, 3] x [2, 3]"), mm.getMessage());
        IllegalArgumentException lin = assertThrows(IllegalArgumentException.class,
                () -> Tensor.zeros(Device.CPU, 8, 197, 512).linear(Tensor.zeros(Device.CPU, 3072, 768), null));
        assertEquals("linear(in=768, out=3072): expected input [..., 768], got [8, 197, 512]", lin.getMessage());
        assertThrows(IllegalArgumentException.class, () -> a.reshape(4, 2));
        assertThrows(IllegalArgumentException.class, () -> a.sum(2, false));
        assertThrows(IllegalArgumentException.class, () -> a.narrow(1, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> a.expand(3, 3));
        assertThrows(IllegalArgumentException.class, () -> a.permute(0, 0));
        IllegalArgumentException gather = assertThrows(IllegalArgumentException.class,
                () -> a.gather(1, Tensor.of(Device.CPU, new float[] {3, 0}, 2, 1)));
        assertTrue(gather.getMessage().contains("index 3.0 is out of range"), gather.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Tensor.of(Device.CPU, new float[5], 2, 3));
    }

    @Test
    void mixingDevicesNamesBothDevices() {
        Tensor a = Tensor.zeros(Device.CPU, 3);
        Tensor b = Tensor.zeros(Device.REFERENCE, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(e.getMessage().contains("cpu") && e.getMessage().contains("reference"), e.getMessage());
        assertArrayEquals(new float[] {0, 0, 0}, a.add(b.to(Device.CPU)).toArray());
    }

    @Test
    void unknownDeviceIsUnavailableWithTheReason() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> Tensor.zeros(Device.parse("tpu:0"), 2));
        assertTrue(e.getMessage().contains("tpu"), e.getMessage());
    }

    @Test
    void inPlaceOpsUpdateAndRefuseExpandedTargets() {
        Tensor a = range(2, 3);
        a.addInPlace(Tensor.ones(Device.CPU, 3));
        assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, a.toArray());
        a.mulInPlace(2f);
        assertArrayEquals(new float[] {2, 4, 6, 8, 10, 12}, a.toArray());
        a.narrow(1, 0, 1).fillInPlace(-1f);
        assertArrayEquals(new float[] {-1, 4, 6, -1, 10, 12}, a.toArray());
        Tensor expanded = Tensor.zeros(Device.CPU, 3).expand(2, 3);
        assertThrows(IllegalArgumentException.class, () -> expanded.addInPlace(Tensor.ones(Device.CPU, 2, 3)));
    }

    @Test
    void releasedStorageCannotBeUsed() {
        Tensor a = Tensor.ones(Device.CPU, 4);
        Tensor view = a.narrow(0, 1, 2);
        a.release();
        IllegalStateException e = assertThrows(IllegalStateException.class, view::toArray);
        assertTrue(e.getMessage().contains("released"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> view.add(1f));
    }

    @Test
    void memoryCountersTrackLiveAndPeakBytes() {
        // a private counter, so storages that the garbage collector reclaims meanwhile cannot interfere
        MemoryStats stats = new MemoryStats();
        Tensor a = Tensor.wrap(new HeapStorage(Device.CPU, 1000, stats), new int[] {1000}, new int[] {1}, 0);
        Tensor b = Tensor.wrap(new HeapStorage(Device.CPU, 500, stats), new int[] {500}, new int[] {1}, 0);
        assertEquals(6000, stats.liveBytes());
        assertEquals(2, stats.allocations());
        a.release();
        assertEquals(2000, stats.liveBytes());
        assertEquals(6000, stats.peakBytes());
        b.release();
        b.release();
        assertEquals(0, stats.liveBytes());
        stats.resetPeak();
        assertEquals(0, stats.peakBytes());
    }

    @Test
    void unreleasedStoragesAreUnchargedWhenCollected() throws InterruptedException {
        MemoryStats stats = new MemoryStats();
        for (int i = 0; i < 100; i++) {
            Tensor.wrap(new HeapStorage(Device.CPU, 1000, stats), new int[] {1000}, new int[] {1}, 0);
        }
        assertEquals(400_000, stats.peakBytes());
        for (int attempt = 0; attempt < 100 && stats.liveBytes() > 0; attempt++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(0, stats.liveBytes());
    }

    @Test
    void forceReferenceRoutesCpuTensorsToTheReferenceKernels() {
        try {
            Backends.setForceReference(true);
            assertTrue(Tensor.zeros(Device.CPU, 2).backend() instanceof dev.jmae.tensor.reference.ReferenceBackend);
            assertArrayEquals(new float[] {1, 1}, Tensor.zeros(Device.CPU, 2).add(1f).toArray());
        } finally {
            Backends.setForceReference(false);
        }
        assertTrue(Tensor.zeros(Device.CPU, 2).backend() instanceof dev.jmae.tensor.cpu.CpuBackend);
    }

    @Test
    void creationHelpersProduceTheirValues() {
        assertArrayEquals(new float[] {0, 0.5f, 1, 1.5f}, Tensor.arange(Device.CPU, 0, 2, 0.5).toArray());
        assertArrayEquals(new float[] {7, 7}, Tensor.full(Device.CPU, 7f, 2).toArray());
        assertEquals(3f, Tensor.scalar(3f).item());
        assertEquals(0, Tensor.scalar(3f).ndim());
        Tensor u = Tensor.uniform(new Generator(1), -2, 3, 10000);
        assertTrue(u.min().item() >= -2 && u.max().item() < 3);
        Tensor t = Tensor.truncatedNormal(new Generator(2), 0, 1, -0.5, 0.5, 10000);
        assertTrue(t.min().item() >= -0.5f && t.max().item() <= 0.5f);
        Tensor n = Tensor.normal(new Generator(3), 2, 3, 100000);
        assertEquals(2, n.mean().item(), 0.05);
        assertEquals(9, n.var(0, 1, false).item(), 0.15);
    }

    @Test
    void creationWithoutADeviceIsOnTheCpu() {
        Generator g = new Generator(4);
        for (Tensor t : List.of(Tensor.zeros(2), Tensor.ones(2), Tensor.full(1f, 2), Tensor.of(new float[] {1, 2}, 2),
                Tensor.scalar(1f), Tensor.arange(3), Tensor.rand(g, 2), Tensor.randn(g, 2), Tensor.uniform(g, 0, 1, 2),
                Tensor.normal(g, 0, 1, 2), Tensor.truncatedNormal(g, 0, 1, -1, 1, 2))) {
            assertEquals(Device.CPU, t.device());
        }
    }
}
