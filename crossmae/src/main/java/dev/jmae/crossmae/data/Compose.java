package dev.jmae.crossmae.data;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.List;
import java.util.Optional;

/**
 * A pipeline: 8-bit image transforms applied in order, optionally followed by ToTensor and
 * Normalize. torchvision's {@code Compose([...])}. As a {@link Transform} it runs only the 8-bit
 * stages, which is what the {@link DataLoader} takes (it fuses ToTensor and Normalize into batch
 * assembly); {@link #tensor} runs the whole pipeline on one image.
 */
public final class Compose implements Transform {

    private final List<Transform> transforms;
    private final Normalize normalize;

    /**
     * Image stages only.
     *
     * @param transforms applied first to last
     */
    public Compose(List<Transform> transforms) {
        this(transforms, null);
    }

    /**
     * Image stages, then ToTensor, then Normalize.
     *
     * @param transforms applied first to last
     * @param normalize the final normalization, or null for ToTensor alone
     */
    public Compose(List<Transform> transforms, Normalize normalize) {
        this.transforms = List.copyOf(transforms);
        this.normalize = normalize;
    }

    /**
     * Runs the 8-bit stages. Each stage draws from the same generator, in order.
     *
     * @param in the image, [C, H, W]
     * @param g the sample's generator
     * @return the transformed 8-bit image
     */
    @Override
    public Image apply(Image in, Generator g) {
        Image x = in;
        for (Transform t : transforms) {
            x = t.apply(x, g);
        }
        return x;
    }

    /**
     * Runs the whole pipeline: the 8-bit stages, ToTensor, then Normalize if present.
     *
     * @param in the image, [C, H, W]
     * @param g the sample's generator
     * @param device where to allocate the result
     * @return the tensor, [C', H', W'] float32
     */
    public Tensor tensor(Image in, Generator g, Device device) {
        Image x = apply(in, g);
        if (normalize == null) {
            return new ToTensor().apply(x, device);
        }
        float[] out = new float[x.pixels().length];
        normalize.toTensorNormalized(x, out, 0);
        return Tensor.of(device, out, x.channels(), x.height(), x.width());
    }

    /**
     * The 8-bit stages.
     *
     * @return the transforms, first to last
     */
    public List<Transform> transforms() {
        return transforms;
    }

    /**
     * The final normalization, if any.
     *
     * @return the Normalize step
     */
    public Optional<Normalize> normalize() {
        return Optional.ofNullable(normalize);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Compose(\n");
        for (Transform t : transforms) {
            sb.append("    ").append(t).append('\n');
        }
        sb.append("    ToTensor()\n");
        if (normalize != null) {
            sb.append("    ").append(normalize).append('\n');
        }
        return sb.append(')').toString();
    }
}
