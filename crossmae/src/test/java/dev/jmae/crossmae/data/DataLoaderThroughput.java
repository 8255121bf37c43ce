package dev.jmae.crossmae.data;

import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;

/**
 * Measures loader throughput (images/s) on Fashion-MNIST train with the pretraining transform,
 * for a few image sizes and worker counts. Not a test; run by hand:
 * {@code java -cp <test classpath> dev.jmae.crossmae.data.DataLoaderThroughput [dataDir]}.
 */
public final class DataLoaderThroughput {

    private DataLoaderThroughput() {
    }

    /**
     * Runs the measurement.
     *
     * @param args optional: the IDX directory (default /usr/share/datasets/fashion-mnist)
     * @throws Exception if the dataset cannot be read
     */
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args.length > 0 ? args[0] : Datasets.SYSTEM_FASHION_MNIST.toString());
        long t0 = System.nanoTime();
        ImageDataset ds = IdxDataset.split(dir, Split.TRAIN);
        System.out.printf(Locale.ROOT, "%s, loaded in %.2f s, %d cores%n", ds.description(),
                (System.nanoTime() - t0) / 1e9,
                Runtime.getRuntime().availableProcessors());
        double[] mean = {0.2860};
        double[] std = {0.3530};
        for (int size : new int[] {28, 32}) {
            for (int workers : new int[] {0, 1, 2}) {
                try (DataLoader l = new DataLoader(ds, Transforms.pretrain(size, new double[] {0.2, 1.0},
                        new double[] {0.75, 4.0 / 3}, 0.5), mean, std, 256, true, true, 0, workers,
                        Math.max(2, 2 * workers), dev.jmae.tensor.Device.CPU)) {
                    // one warm-up epoch, then the best of three timed epochs
                    double best = Double.MAX_VALUE;
                    int images = 0;
                    for (int epoch = 0; epoch < 4; epoch++) {
                        long start = System.nanoTime();
                        images = 0;
                        Iterator<Batch> it = l.epoch(epoch);
                        while (it.hasNext()) {
                            images += it.next().indices().length;
                        }
                        double s = (System.nanoTime() - start) / 1e9;
                        if (epoch > 0) {
                            best = Math.min(best, s);
                        }
                    }
                    System.out.printf(Locale.ROOT, "size %d, numWorkers %d: %d images in %.2f s = %.0f images/s%n",
                            size,
                            workers, images, best, images / best);
                }
            }
        }
    }
}
