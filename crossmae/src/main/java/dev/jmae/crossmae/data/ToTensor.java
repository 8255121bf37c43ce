package dev.jmae.crossmae.data;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;

/**
 * Converts an 8-bit image to float32 in [0, 1]: out = x / 255 computed in float32, shape
 * [C, H, W] kept. torchvision's {@code ToTensor()} (which also moves HWC to CHW; {@link Image}
 * is already CHW).
 */
public final class ToTensor {

    /** Creates the transform. */
    public ToTensor() {
    }

    /**
     * Converts on a given device.
     *
     * @param in the image, [C, H, W]
     * @param device where to allocate the result
     * @return the tensor, [C, H, W], values in [0, 1]
     */
    public Tensor apply(Image in, Device device) {
        float[] out = new float[in.pixels().length];
        byte[] p = in.pixels();
        for (int i = 0; i < p.length; i++) {
            out[i] = (p[i] & 0xFF) / 255f;
        }
        return Tensor.of(device, out, in.channels(), in.height(), in.width());
    }

    @Override
    public String toString() {
        return "ToTensor()";
    }
}
