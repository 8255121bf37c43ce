package dev.jmae.crossmae.data;

/**
 * Which part of a dataset to read: the training images or the held-out test images
 * (torchvision's {@code train=True/False}; for an ImageFolder, the {@code train/} and
 * {@code val/} or {@code test/} subfolders).
 */
public enum Split {
    /** The training images (IDX {@code train-*}, CIFAR-10 {@code data_batch_1..5.bin}). */
    TRAIN,
    /** The test images (IDX {@code t10k-*}, CIFAR-10 {@code test_batch.bin}). */
    TEST
}
