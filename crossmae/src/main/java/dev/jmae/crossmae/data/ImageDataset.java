package dev.jmae.crossmae.data;

import java.io.IOException;

/**
 * A labelled image dataset with random access, like a map-style {@code torch.utils.data.Dataset}
 * returning a PIL image and a class index. Implementations are safe for concurrent calls of
 * {@link #image(int)} from several loader threads.
 */
public interface ImageDataset {

    /**
     * The number of images.
     *
     * @return N, at least 1
     */
    int size();

    /**
     * Decodes one image.
     *
     * @param index 0..N-1
     * @return the 8-bit image, [C, H, W] with C = {@link #channels()}; a fresh object
     * @throws DatasetException if this image cannot be decoded (names the file and the reason);
     *     the {@link DataLoader} skips such images
     * @throws IOException if the file cannot be read
     * @throws IndexOutOfBoundsException if index is out of range
     */
    Image image(int index) throws IOException;

    /**
     * The class index of one image.
     *
     * @param index 0..N-1
     * @return the label, 0..{@link #numClasses()}-1
     * @throws IndexOutOfBoundsException if index is out of range
     */
    int label(int index);

    /**
     * The number of classes.
     *
     * @return at least 1
     */
    int numClasses();

    /**
     * Channels of every image: 1 (grayscale) or 3 (RGB).
     *
     * @return C
     */
    int channels();

    /**
     * One line for logs: name, split, format, count, image size, classes and location, e.g.
     * "Fashion-MNIST train (IDX, 60000 images 28x28x1, 10 classes) from /usr/share/datasets/fashion-mnist".
     *
     * @return the description
     */
    String description();
}
