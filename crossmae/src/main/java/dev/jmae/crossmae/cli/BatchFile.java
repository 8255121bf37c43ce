package dev.jmae.crossmae.cli;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.SafetensorsFile;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A batch given as data, for runs compared with PyTorch run for run ({@code forward},
 * {@code steps}): a safetensors file with {@code images} [N, C, H, W] and {@code noise} [N, L].
 *
 * @param images the images, on the device they were read onto
 * @param noise the masking noise, on the same device
 */
record BatchFile(Tensor images, Tensor noise) {

    /**
     * Reads a batch file onto a device.
     *
     * @param file the safetensors file
     * @param device where the tensors go
     * @return the batch
     * @throws IOException if the file cannot be read
     * @throws IllegalArgumentException if it lacks images or noise
     */
    static BatchFile read(Path file, Device device) throws IOException {
        try (SafetensorsFile f = Safetensors.open(file)) {
            for (String k : new String[] {"images", "noise"}) {
                if (!f.contains(k)) {
                    throw new IllegalArgumentException(
                            file + ": needs tensors 'images' [N, C, H, W] and 'noise' [N, L];"
                                    + " it has " + f.names());
                }
            }
            return new BatchFile(f.tensor("images", device), f.tensor("noise", device));
        }
    }
}
