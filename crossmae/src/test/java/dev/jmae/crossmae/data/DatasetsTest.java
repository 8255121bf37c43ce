package dev.jmae.crossmae.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dataset resolution: defaults, auto-detection, ImageFolder splits and the guidance when nothing is found. */
class DatasetsTest {

    private static final String APT_HINT = "sudo apt-get install dataset-fashion-mnist";
    private static final String FORMATS = "where PATH is a directory holding Fashion-MNIST/MNIST IDX files"
            + " (train-images-idx3-ubyte[.gz] ...), an ImageFolder root (one subfolder of images per class) or the"
            + " CIFAR-10 binary batches (data_batch_1.bin ...)";

    @Test
    void missingDataPathGivesInstallHintAndAcceptedFormats(@TempDir Path dir) {
        Path missing = dir.resolve("no-such-dir");
        DatasetException e = assertThrows(DatasetException.class,
                () -> Datasets.resolve(missing.toString(), "auto", Split.TRAIN, dir));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains("does not exist"),
                e.getMessage());
        assertTrue(e.getMessage().contains(APT_HINT) && e.getMessage().contains(FORMATS), e.getMessage());
    }

    @Test
    void emptyDataPathWithNoDataAnywhereSaysHowToGetIt(@TempDir Path dir) {
        DatasetException e = assertThrows(DatasetException.class,
                () -> Datasets.resolve("", "auto", Split.TRAIN, dir, dir.resolve("not-installed")));
        assertTrue(e.getMessage().startsWith("no dataset found"), e.getMessage());
        assertTrue(e.getMessage().contains(APT_HINT) && e.getMessage().contains(FORMATS), e.getMessage());
        DatasetException empty = assertThrows(DatasetException.class,
                () -> Datasets.resolve(dir.toString(), "auto", Split.TRAIN, dir));
        assertTrue(empty.getMessage().contains("no IDX files") && empty.getMessage().contains(APT_HINT),
                empty.getMessage());
    }

    @Test
    void emptyDataPathFallsBackToTheCommittedSubset(@TempDir Path dir) throws IOException {
        ImageDataset ds = Datasets.resolve("", "auto", Split.TEST, Fixtures.repoRoot(), dir.resolve("not-installed"));
        assertEquals(2000, ds.size());
        assertTrue(ds.description().contains("Fashion-MNIST subset test"), ds.description());
        if (Files.isDirectory(Datasets.SYSTEM_FASHION_MNIST)) {
            assertEquals(10_000, Datasets.resolve("", "auto", Split.TEST, Fixtures.repoRoot()).size());
        }
    }

    @Test
    void autoDetectsIdxCifarAndImageFolder(@TempDir Path dir) throws IOException {
        ImageDataset idx = Datasets.resolve(Fixtures.subset().toString(), "auto", Split.TRAIN, null);
        assertInstanceOf(IdxDataset.class, idx);
        Path cifar = dir.resolve("cifar");
        Cifar10DatasetTest.writeTrain(cifar);
        assertInstanceOf(Cifar10Dataset.class, Datasets.resolve(cifar.toString(), "auto", Split.TRAIN, null));
        Path folder = ImageFolderDatasetTest.folder(dir.resolve("folder"));
        ImageDataset f = Datasets.resolve(folder.toString(), "auto", Split.TRAIN, null);
        assertInstanceOf(ImageFolderDataset.class, f);
        assertEquals(7, f.size());
        DatasetException noTest = assertThrows(DatasetException.class,
                () -> Datasets.resolve(folder.toString(), "image_folder", Split.TEST, null));
        assertTrue(
                noTest.getMessage().contains("looked for " + folder.resolve("val") + " and " + folder.resolve("test")),
                noTest.getMessage());
        assertThrows(DatasetException.class, () -> Datasets.resolve(cifar.toString(), "idx", Split.TRAIN, null));
        assertThrows(IllegalArgumentException.class,
                () -> Datasets.resolve(cifar.toString(), "imagenet", Split.TRAIN, null));
    }

    @Test
    void imageFolderSplitsUseTrainAndValSubfolders(@TempDir Path dir) throws IOException {
        ImageFolderDatasetTest.folder(dir.resolve("train"));
        Fixtures.write(dir.resolve("val/cat/v.png"),
                ImageFolderDatasetTest.encode(ImageFolderDatasetTest.rgbImage(5, 5, 9), "png"));
        Fixtures.write(dir.resolve("val/dog/w.png"),
                ImageFolderDatasetTest.encode(ImageFolderDatasetTest.rgbImage(5, 5, 8), "png"));
        assertEquals(7, Datasets.resolve(dir.toString(), "auto", Split.TRAIN, null).size());
        ImageDataset val = Datasets.resolve(dir.toString(), "auto", Split.TEST, null);
        assertEquals(2, val.size());
        assertEquals(1, val.label(1));
    }
}
