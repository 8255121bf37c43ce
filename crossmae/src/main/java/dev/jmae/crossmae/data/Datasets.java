package dev.jmae.crossmae.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Finds the dataset a run asks for (config keys {@code data_path} and {@code dataset}, CLI
 * {@code --data}).
 */
public final class Datasets {

    /** Where the Debian package dataset-fashion-mnist installs Fashion-MNIST. */
    public static final Path SYSTEM_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");
    /** The committed subset, relative to the jmae home (the repository root or install folder). */
    public static final String SUBSET_DIR = "data/fashion-mnist-subset";
    /** The accepted values of {@code dataset}. */
    public static final Set<String> KINDS = Set.of("auto", "idx", "image_folder", "cifar10");

    static final String GUIDANCE = "install Fashion-MNIST with 'sudo apt-get install dataset-fashion-mnist'"
            + " (Debian/Ubuntu) or pass --data PATH, where PATH is a directory holding Fashion-MNIST/MNIST IDX files"
            + " (train-images-idx3-ubyte[.gz] ...), an ImageFolder root (one subfolder of images per class) or the"
            + " CIFAR-10 binary batches (data_batch_1.bin ...)";

    private Datasets() {
    }

    /**
     * Opens the dataset of a run.
     *
     * <p>With an empty dataPath: Fashion-MNIST from /usr/share/datasets/fashion-mnist if
     * installed, else the committed subset {@code jmaeHome/data/fashion-mnist-subset}. With a path, the kind is taken from dataset, or
     * for "auto" detected by content, in this order: IDX files ({@code train-images-idx3-ubyte[.gz]}
     * or {@code t10k-...}), CIFAR-10 binary batches ({@code data_batch_1.bin} or
     * {@code test_batch.bin}, also inside {@code cifar-10-batches-bin/}), subfolders of images
     * (ImageFolder). For an ImageFolder with a {@code train/}, {@code val/} or {@code test/}
     * subfolder, TRAIN reads {@code train/} and TEST {@code val/} (else {@code test/}); without
     * them TRAIN reads the whole folder and TEST is an error. ImageFolder images are RGB.
     *
     * @param dataPath a directory, "" (or null) for the default; a leading "~/" is the user's home
     * @param dataset "auto", "idx", "image_folder" or "cifar10"
     * @param split TRAIN or TEST
     * @param jmaeHome the folder holding {@value #SUBSET_DIR}, or null
     * @return the dataset
     * @throws DatasetException if nothing usable is found (says what was tried and how to get
     *     data), or a file is invalid
     * @throws IOException if a file cannot be read
     * @throws IllegalArgumentException if dataset is not one of the accepted values
     */
    public static ImageDataset resolve(String dataPath, String dataset, Split split, Path jmaeHome) throws IOException {
        return resolve(dataPath, dataset, split, jmaeHome, SYSTEM_FASHION_MNIST);
    }

    static ImageDataset resolve(String dataPath, String dataset, Split split, Path jmaeHome, Path systemDir)
            throws IOException {
        if (!KINDS.contains(dataset)) {
            throw new IllegalArgumentException(
                    "Datasets.resolve: dataset must be auto, idx, image_folder or cifar10, got \""
                            + dataset + "\"");
        }
        if (dataPath == null || dataPath.isBlank()) {
            if (!dataset.equals("auto") && !dataset.equals("idx")) {
                throw new DatasetException(
                        "dataset \"" + dataset + "\" needs a location; hint: pass --data PATH (" + GUIDANCE
                                .substring(GUIDANCE.indexOf("where PATH")) + ")");
            }
            if (Files.isDirectory(systemDir) && IdxDataset.present(systemDir)) {
                return IdxDataset.split(systemDir, split);
            }
            Path subset = jmaeHome == null ? null : jmaeHome.resolve(SUBSET_DIR);
            if (subset != null && Files.isDirectory(subset) && IdxDataset.present(subset)) {
                return IdxDataset.split(subset, split);
            }
            throw new DatasetException(
                    "no dataset found: no --data PATH given, " + systemDir + " does not exist and the"
                            + " bundled subset " + (subset == null ? "(jmae home unknown)/" + SUBSET_DIR : subset)
                            + " is missing; hint: " + GUIDANCE);
        }
        Path dir = expandHome(dataPath);
        if (!Files.exists(dir)) {
            throw new DatasetException("no dataset found at " + dir + " (the path does not exist); hint: " + GUIDANCE);
        }
        if (!Files.isDirectory(dir)) {
            throw new DatasetException("no dataset found at " + dir + " (a file, not a directory); hint: " + GUIDANCE);
        }
        String kind = dataset.equals("auto") ? detect(dir) : dataset;
        return switch (kind) {
            case "idx" -> IdxDataset.split(dir, split);
            case "cifar10" -> Cifar10Dataset.split(dir, split);
            default -> ImageFolderDataset.open(imageFolderSplit(dir, split));
        };
    }

    private static Path expandHome(String path) {
        if (path.equals("~") || path.startsWith("~/")) {
            return Path.of(System.getProperty("user.home") + path.substring(1));
        }
        return Path.of(path);
    }

    private static String detect(Path dir) throws DatasetException {
        if (IdxDataset.present(dir)) {
            return "idx";
        }
        if (Cifar10Dataset.present(dir)) {
            return "cifar10";
        }
        for (String sub : new String[] {"train", "val", "test"}) {
            if (Files.isDirectory(dir.resolve(sub)) && ImageFolderDataset.present(dir.resolve(sub))) {
                return "image_folder";
            }
        }
        if (ImageFolderDataset.present(dir)) {
            return "image_folder";
        }
        throw new DatasetException("no dataset found at " + dir
                + ": it holds no IDX files (train-images-idx3-ubyte[.gz]"
                + " or t10k-images-idx3-ubyte[.gz]), no CIFAR-10 batches (data_batch_1.bin, test_batch.bin) and no"
                + " subfolders of .jpg/.jpeg/.png/.bmp/.gif images; hint: " + GUIDANCE);
    }

    private static Path imageFolderSplit(Path dir, Split split) throws DatasetException {
        Path train = dir.resolve("train");
        Path val = dir.resolve("val");
        Path test = dir.resolve("test");
        boolean splitLayout = Files.isDirectory(train) || Files.isDirectory(val) || Files.isDirectory(test);
        if (split == Split.TRAIN) {
            if (!splitLayout) {
                return dir;
            }
            if (Files.isDirectory(train)) {
                return train;
            }
            throw new DatasetException(
                    "ImageFolder " + dir + " has a val/ or test/ subfolder but no train/ (looked for "
                            + train + ")");
        }
        if (Files.isDirectory(val)) {
            return val;
        }
        if (Files.isDirectory(test)) {
            return test;
        }
        throw new DatasetException("ImageFolder " + dir + " has no test split: looked for " + val + " and " + test
                + "; hint: put held-out images in val/<class>/ beside train/<class>/");
    }
}
