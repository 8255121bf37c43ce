package dev.jmae.crossmae.data;

import java.io.IOException;

/** What the dataset fuzz targets do with a dataset that opened. */
final class DatasetFuzzing {

    private DatasetFuzzing() {
    }

    /** Reads the first and last image and label, as a loader would. */
    static void touch(ImageDataset d) throws IOException {
        if (d.size() > 0) {
            d.image(0);
            d.label(0);
            d.image(d.size() - 1);
            d.label(d.size() - 1);
        }
        d.description();
        d.numClasses();
    }
}
