package dev.jmae.crossmae.data;

import java.io.IOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * torchvision's {@code datasets.ImageFolder}: {@code root/<class>/.../<file>}, one subfolder per
 * class. Classes are the subfolder names sorted (class index = position); within a class, files
 * are found recursively and ordered like torchvision's {@code sorted(os.walk(...))}: by folder
 * path, then by file name. Extensions .jpg, .jpeg, .png, .bmp, .gif, in any case. Hidden
 * folders and files (name starting with '.', e.g. {@code .ipynb_checkpoints}) are skipped,
 * which torchvision does not do.
 *
 * <p>Images are decoded on every {@link #image(int)} call (nothing is cached), to RGB [3, H, W]
 * like PIL's {@code convert("RGB")}, or to gray [1, H, W] like {@code convert("L")} when built
 * with one channel; see {@link ImageDecoding} for the exact conversions. A file that cannot be
 * decoded throws {@link DatasetException} naming the file and the decoder's reason; the
 * {@link DataLoader} reports it once and uses another image instead, and {@link #validate()}
 * lists all such files up front.
 */
public final class ImageFolderDataset implements ImageDataset {

    /** Accepted file extensions, lower case, without the dot. */
    public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif");

    private final Path root;
    private final int channels;
    private final List<String> classes;
    private final List<Path> files;
    private final int[] labels;

    /**
     * One file that {@link #validate()} could not decode.
     *
     * @param index the dataset index
     * @param file the file
     * @param reason the decoder's reason
     */
    public record BrokenImage(int index, Path file, String reason) {
    }

    /**
     * Scans an ImageFolder root (files are not decoded until used).
     *
     * @param root the folder holding one subfolder per class
     * @param channels 3 (RGB) or 1 (gray)
     * @throws DatasetException if root is not a folder, has no class subfolders, or a class
     *     subfolder holds no file with an accepted extension (names it)
     * @throws IOException if a folder cannot be listed
     * @throws IllegalArgumentException if channels is not 1 or 3
     */
    public ImageFolderDataset(Path root, int channels) throws IOException {
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("ImageFolderDataset: expected channels 1 or 3, got " + channels);
        }
        this.root = Objects.requireNonNull(root, "root");
        this.channels = channels;
        if (!Files.isDirectory(root)) {
            throw new DatasetException(
                    root + ": not a folder; an ImageFolder root holds one subfolder of images per class");
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(Files::isDirectory).filter(p -> !hidden(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
        if (classDirs.isEmpty()) {
            throw new DatasetException(root + ": no class subfolders; an ImageFolder root holds one subfolder of"
                    + " images per class (root/<class>/<image>.jpg)");
        }
        List<String> names = new ArrayList<>();
        List<Path> all = new ArrayList<>();
        List<Integer> labelList = new ArrayList<>();
        for (Path dir : classDirs) {
            List<Path> found = scan(dir);
            if (found.isEmpty()) {
                throw new DatasetException(dir + ": class folder holds no images with extension " + String.join(", ",
                        EXTENSIONS.stream().sorted().map(e -> "." + e).toList())
                        + "; hint: remove the folder or add images");
            }
            for (Path f : found) {
                all.add(f);
                labelList.add(names.size());
            }
            names.add(dir.getFileName().toString());
        }
        this.classes = List.copyOf(names);
        this.files = List.copyOf(all);
        this.labels = labelList.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * Scans an ImageFolder root for RGB images.
     *
     * @param root the folder holding one subfolder per class
     * @return the dataset, images [3, H, W]
     * @throws DatasetException if the layout is not an ImageFolder (see the constructor)
     * @throws IOException if a folder cannot be listed
     */
    public static ImageFolderDataset open(Path root) throws IOException {
        return new ImageFolderDataset(root, 3);
    }

    /**
     * Whether a folder looks like an ImageFolder root: it has a non-hidden subfolder holding at
     * least one image file, directly or deeper (for auto-detection).
     *
     * @param dir the folder
     * @return true if so
     */
    static boolean present(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path sub : s.filter(Files::isDirectory).filter(p -> !hidden(p)).toList()) {
                if (!scan(sub).isEmpty()) {
                    return true;
                }
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static boolean accepted(Path p) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** Image files under dir, ordered by folder path then file name (torchvision's sorted(os.walk)). */
    private static List<Path> scan(Path dir) throws IOException {
        Map<String, List<Path>> byFolder = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
            s.filter(p -> !p.equals(dir)).filter(p -> {
                for (Path part : dir.relativize(p)) {
                    if (part.toString().startsWith(".")) {
                        return false;
                    }
                }
                return true;
            }).filter(Files::isRegularFile).filter(ImageFolderDataset::accepted).forEach(p -> byFolder
                    .computeIfAbsent(p.getParent().toString(), k -> new ArrayList<>()).add(p));
        }
        List<Path> out = new ArrayList<>();
        for (List<Path> group : byFolder.values()) {
            group.sort(Comparator.comparing(p -> p.getFileName().toString()));
            out.addAll(group);
        }
        return out;
    }

    @Override
    public int size() {
        return files.size();
    }

    /**
     * Reads and decodes one image.
     *
     * @param index 0..N-1
     * @return the image, [C, H, W]
     * @throws DatasetException if the file cannot be decoded: unknown format, corrupt or
     *     truncated data, or a header claiming more pixels than jmae decodes or the file can hold
     *     (names the file and the reason; nothing large is allocated first)
     * @throws IOException if the file cannot be read
     * @throws IndexOutOfBoundsException if index is out of range
     */
    @Override
    public Image image(int index) throws IOException {
        Path file = file(index);
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 8) {
            throw new DatasetException(file + ": cannot decode image: the file is " + size + " bytes, more than the"
                    + " 2 GB jmae reads into memory");
        }
        byte[] bytes = Files.readAllBytes(file);
        try {
            return ImageDecoding.decode(bytes, channels);
        } catch (ImageDecoding.DecodeException e) {
            throw new DatasetException(file + ": cannot decode image: " + e.getMessage(), e.getCause());
        }
    }

    /**
     * Decodes every image (in parallel on the common fork-join pool) and lists those that fail.
     *
     * @return the broken files, by index; empty when all decode
     * @throws IOException if a file cannot be read at all
     */
    public List<BrokenImage> validate() throws IOException {
        try {
            return IntStream.range(0, size()).parallel().mapToObj(i -> {
                try {
                    image(i);
                    return null;
                } catch (DatasetException e) {
                    return new BrokenImage(i, files.get(i), e.getMessage());
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).filter(Objects::nonNull).sorted(Comparator.comparingInt(BrokenImage::index))
                    .collect(Collectors.toList());
        } catch (java.io.UncheckedIOException e) {
            throw e.getCause();
        }
    }

    @Override
    public int label(int index) {
        Objects.checkIndex(index, labels.length);
        return labels[index];
    }

    /**
     * The file behind an index.
     *
     * @param index 0..N-1
     * @return the path
     * @throws IndexOutOfBoundsException if index is out of range
     */
    public Path file(int index) {
        Objects.checkIndex(index, files.size());
        return files.get(index);
    }

    /**
     * The class names, sorted; the label of a class is its position.
     *
     * @return the names
     */
    public List<String> classes() {
        return classes;
    }

    @Override
    public int numClasses() {
        return classes.size();
    }

    @Override
    public int channels() {
        return channels;
    }

    @Override
    public String description() {
        return String.format(Locale.ROOT, "ImageFolder (%d images, %s, %d classes) from %s", files.size(),
                channels == 3 ? "RGB" : "gray", classes.size(), root);
    }
}
