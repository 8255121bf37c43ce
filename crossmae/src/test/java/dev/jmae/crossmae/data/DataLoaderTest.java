package dev.jmae.crossmae.data;

import dev.jmae.tensor.Device;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loader determinism, resume, drop_last, shuffling and error propagation, on the committed subset. */
class DataLoaderTest {

    private static final double[] MEAN = {0.2860};
    private static final double[] STD = {0.3530};
    private static ImageDataset subset;

    @BeforeAll
    static void load() throws IOException {
        subset = IdxDataset.split(Fixtures.subset(), Split.TEST);
    }

    @AfterAll
    static void release() {
        subset = null;
    }

    private static DataLoader loader(ImageDataset ds, int batch, boolean dropLast, int workers) {
        return new DataLoader(ds, Transforms.pretrain(32, new double[] {0.2, 1.0}, new double[] {0.75, 4.0 / 3}, 0.5),
                MEAN, STD, batch, true, dropLast, 42, workers, 3, Device.CPU);
    }

    private record Flat(float[] images, float[] labels, int[] indices, int epoch, int index) {
        static Flat of(Batch b) {
            return new Flat(b.images().toArray(), b.labels().toArray(), b.indices(), b.epoch(), b.index());
        }

        void assertSame(Flat o) {
            assertEquals(index, o.index);
            assertEquals(epoch, o.epoch);
            assertArrayEquals(indices, o.indices, "indices of batch " + index);
            assertArrayEquals(labels, o.labels);
            // bit-identical, not merely close
            assertTrue(Arrays.equals(images, o.images), "images of batch " + index + " differ");
        }
    }

    private static List<Flat> epoch(DataLoader l, int epoch, int start) {
        List<Flat> out = new ArrayList<>();
        Iterator<Batch> it = l.epoch(epoch, start);
        while (it.hasNext()) {
            out.add(Flat.of(it.next()));
        }
        return out;
    }

    @Test
    void batchesAreBitIdenticalForAnyNumberOfWorkers() {
        List<List<Flat>> runs = new ArrayList<>();
        for (int workers : new int[] {0, 1, 3}) {
            try (DataLoader l = loader(subset, 64, true, workers)) {
                runs.add(epoch(l, 5, 0));
            }
        }
        assertEquals(31, runs.get(0).size()); // 2000 / 64 = 31.25, drop_last
        for (int w = 1; w < runs.size(); w++) {
            for (int b = 0; b < runs.get(0).size(); b++) {
                runs.get(0).get(b).assertSame(runs.get(w).get(b));
            }
        }
        Flat first = runs.get(0).get(0);
        assertEquals(64 * 32 * 32, first.images().length);
    }

    @Test
    void resumingAtBatchKReproducesTheRestOfTheEpoch() {
        try (DataLoader full = loader(subset, 100, true, 2); DataLoader resumed = loader(subset, 100, true, 0)) {
            List<Flat> all = epoch(full, 3, 0);
            List<Flat> tail = epoch(resumed, 3, 13);
            assertEquals(20, all.size());
            assertEquals(7, tail.size());
            for (int k = 0; k < tail.size(); k++) {
                all.get(13 + k).assertSame(tail.get(k));
            }
            assertFalse(resumed.epoch(3, 20).hasNext());
            assertThrows(IllegalArgumentException.class, () -> resumed.epoch(3, 21));
        }
    }

    @Test
    void dropLastDropsOnlyThePartialBatch() {
        try (DataLoader keep = loader(subset, 300, false, 0); DataLoader drop = loader(subset, 300, true, 0)) {
            assertEquals(7, keep.batchesPerEpoch());
            assertEquals(6, drop.batchesPerEpoch());
            List<Flat> k = epoch(keep, 0, 6);
            assertEquals(1, k.size());
            assertEquals(200, k.get(0).indices().length);
            assertEquals(200, k.get(0).labels().length);
            // every index once per epoch without drop_last
            boolean[] seen = new boolean[subset.size()];
            int[] order = keep.order(0);
            for (int i : order) {
                assertFalse(seen[i]);
                seen[i] = true;
            }
            assertArrayEquals(Arrays.copyOfRange(order, 1800, 2000), k.get(0).indices());
        }
    }

    @Test
    void differentEpochsAndSeedsGiveDifferentOrders() {
        try (DataLoader l = loader(subset, 50, true, 0)) {
            int[] e0 = l.order(0);
            int[] e1 = l.order(1);
            assertFalse(Arrays.equals(e0, e1));
            assertArrayEquals(e0, l.order(0));
            int[] sorted = e1.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < sorted.length; i++) {
                assertEquals(i, sorted[i]);
            }
            int[] firstBatchE0 = l.epoch(0).next().indices();
            assertArrayEquals(Arrays.copyOf(e0, 50), firstBatchE0);
        }
        DataLoader other = new DataLoader(subset, Transforms.eval(28), MEAN, STD, 50, true, true, 43, 0, 1, Device.CPU);
        try (DataLoader l = loader(subset, 50, true, 0)) {
            assertFalse(Arrays.equals(l.order(0), other.order(0)));
        }
        other.close();
        DataLoader ordered = new DataLoader(subset, Transforms.eval(28), MEAN, STD, 50, false, true, 43, 0, 1,
                Device.CPU);
        assertEquals(7, ordered.order(3)[7]);
        ordered.close();
    }

    @Test
    void sameIndexGetsDifferentAugmentationInDifferentEpochs() {
        assertNotEquals(DataLoader.sampleGenerator(42, 0, 17).nextLong(),
                DataLoader.sampleGenerator(42, 1, 17).nextLong());
        assertNotEquals(DataLoader.sampleGenerator(42, 0, 17).nextLong(),
                DataLoader.sampleGenerator(42, 0, 18).nextLong());
        assertEquals(DataLoader.sampleGenerator(42, 0, 17).nextLong(),
                DataLoader.sampleGenerator(42, 0, 17).nextLong());
    }

    @Test
    void evalBatchesAreNormalizedImagesInDatasetOrder() throws IOException {
        try (DataLoader l = new DataLoader(subset, Transforms.eval(28), MEAN, STD, 10, false, false, 0, 0, 1,
                Device.CPU)) {
            Batch b = l.epoch(0).next();
            assertArrayEquals(new int[] {10, 1, 28, 28}, b.images().shape());
            assertEquals(Device.CPU, b.images().device());
            assertEquals(Device.CPU, b.labels().device());
            assertArrayEquals(new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, b.indices());
            int v = subset.image(3).get(0, 14, 14);
            assertEquals((v / 255f - (float) MEAN[0]) / (float) STD[0], b.images().get(3, 0, 14, 14));
            assertEquals(subset.label(3), (int) b.labels().get(3));
        }
        assertThrows(IllegalArgumentException.class, () -> new DataLoader(subset,
                Transforms.eval(28, new double[] {0.5}, new double[] {0.5}), MEAN, STD, 10, false, false, 0, 0, 1,
                Device.CPU));
    }

    /** A dataset whose image 5 cannot be read (a plain IOException, not a broken image). */
    private static final class Unreadable implements ImageDataset {
        @Override
        public int size() {
            return 12;
        }

        @Override
        public Image image(int index) throws IOException {
            if (index == 5) {
                throw new java.nio.file.AccessDeniedException("/data/img-5.png");
            }
            return new Image(1, 4, 4, new byte[16]);
        }

        @Override
        public int label(int index) {
            return 0;
        }

        @Override
        public int numClasses() {
            return 1;
        }

        @Override
        public int channels() {
            return 1;
        }

        @Override
        public String description() {
            return "unreadable";
        }
    }

    @Test
    void readErrorsReachTheConsumerWithTheFileName() {
        for (int workers : new int[] {0, 2}) {
            try (DataLoader l = new DataLoader(new Unreadable(), Transforms.eval(4), MEAN, STD, 4, false, false, 0,
                    workers, 2, Device.CPU)) {
                Iterator<Batch> it = l.epoch(0);
                it.next();
                UncheckedIOException e = assertThrows(UncheckedIOException.class, it::next);
                assertTrue(e.getMessage().contains("/data/img-5.png") && e.getMessage().contains("image 5"),
                        e.getMessage());
                assertFalse(it.hasNext());
            }
        }
    }

    @Test
    void closeStopsTheWorkers() throws InterruptedException {
        java.util.Set<Thread> before = Thread.getAllStackTraces().keySet();
        DataLoader l = loader(subset, 16, true, 2);
        Iterator<Batch> it = l.epoch(0);
        it.next();
        List<Thread> workers = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> !before.contains(t) && t.getName().startsWith("jmae-data-")).toList();
        assertEquals(2, workers.size(), workers.toString());
        assertTrue(workers.stream().allMatch(Thread::isDaemon));
        l.close();
        assertThrows(IllegalStateException.class, it::next);
        assertThrows(IllegalStateException.class, () -> l.epoch(1));
        for (Thread t : workers) {
            t.join(5000);
            assertFalse(t.isAlive(), t.getName() + " still running after close()");
        }
    }

    @Test
    void aDistributedSamplerGivesEachRankItsRowsOfTheSingleProcessBatches() {
        // 3 ranks x 8 images = the single-process batch of 24; 2000 images: 83 global batches
        int ranks = 3;
        try (DataLoader whole = loader(subset, 24, true, 2)) {
            List<Flat> global = epoch(whole, 4, 0);
            for (int r = 0; r < ranks; r++) {
                try (DataLoader l = loader(subset, 8, true, 1)) {
                    l.sampler(new DistributedSampler(subset.size(), ranks, r, l::order, false));
                    assertEquals(667 / 8, l.batchesPerEpoch(), "ceil(2000 / 3) = 667 samples per rank");
                    List<Flat> mine = epoch(l, 4, 0);
                    for (int k = 0; k < global.size(); k++) {
                        Flat g = global.get(k);
                        Flat b = mine.get(k);
                        int[] rows = DistributedSampler.globalBatchRows(r, ranks, 8);
                        int sample = g.images().length / 24;
                        for (int j = 0; j < 8; j++) {
                            assertEquals(g.indices()[rows[j]], b.indices()[j],
                                    "rank " + r + ", batch " + k + ", row " + j);
                            // the same sample, augmented the same way: bit-identical pixels
                            assertArrayEquals(Arrays.copyOfRange(g.images(), rows[j] * sample, (rows[j] + 1) * sample),
                                    Arrays.copyOfRange(b.images(), j * sample, (j + 1) * sample));
                        }
                    }
                    // resuming mid-epoch with a sampler yields the same batches from there on
                    List<Flat> tail = epoch(l, 4, 50);
                    for (int k = 50; k < mine.size(); k++) {
                        mine.get(k).assertSame(tail.get(k - 50));
                    }
                }
            }
        }
    }

    @Test
    void aSamplerTooSmallForOneBatchIsRefused() {
        try (DataLoader l = loader(subset, 64, true, 0)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> l.sampler(new DistributedSampler(subset.size(), 40, 0, l::order, false)));
            assertTrue(e.getMessage().contains("50 samples per epoch make no batch of 64"), e.getMessage());
        }
    }
}
