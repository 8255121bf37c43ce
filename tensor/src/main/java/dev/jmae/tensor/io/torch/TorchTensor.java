package dev.jmae.tensor.io.torch;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.DType;

import java.io.IOException;

/**
 * A tensor of an open {@link TorchCheckpoint}, not yet read: a view (storage offset, shape,
 * strides in elements) of one storage, which other tensors may share (biases at offsets of one
 * storage, a transposed weight). Its geometry was checked against the storage when the pickle was
 * read. {@link #tensor(Device)} reads it as a float32 {@link Tensor}.
 *
 * <p>Source: PyTorch's {@code torch._utils._rebuild_tensor_v2(storage, storage_offset, size,
 * stride, requires_grad, backward_hooks)}.
 */
public final class TorchTensor {

    private final TorchCheckpoint owner;
    private final TorchStorage storage;
    private final long offset;
    private final int[] shape;
    private final long[] stride;
    private final int numel;
    private final long span;
    private boolean requiresGrad;
    private boolean parameter;

    /**
     * Checks the geometry against the storage.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    TorchTensor(TorchCheckpoint owner, TorchStorage storage, long offset, int[] shape, long[] stride) {
        this.owner = owner;
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.stride = stride;
        if (shape.length != stride.length) {
            throw new IllegalArgumentException("size " + Shape.format(shape) + " and stride of " + stride.length
                    + " dims differ in length");
        }
        if (offset < 0) {
            throw new IllegalArgumentException("negative storage offset " + offset);
        }
        try {
            this.numel = Shape.numel(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("size " + Shape.format(shape) + " has more than 2^31-1 elements,"
                    + " the most a jmae tensor holds");
        }
        long last = offset;
        for (int d = 0; d < shape.length; d++) {
            if (stride[d] < 0) {
                throw new IllegalArgumentException("negative stride " + stride[d]);
            }
            if (numel > 0) {
                try {
                    last = Math.addExact(last, Math.multiplyExact(shape[d] - 1L, stride[d]));
                } catch (ArithmeticException e) {
                    throw new IllegalArgumentException("stride " + stride[d] + " overflows");
                }
            }
        }
        this.span = numel == 0 ? 0 : last - offset + 1;
        if (numel > 0 && last >= storage.numel()) {
            throw new IllegalArgumentException("view of size " + Shape.format(shape) + " at offset " + offset
                    + " reaches element " + last + " of storage '" + storage.key() + "', which holds "
                    + storage.numel());
        }
        if (numel > storage.numel()) {
            // only overlapping strides (stride 0, an expanded view) make a view larger than its storage
            throw new IllegalArgumentException(
                    "view of size " + Shape.format(shape) + " has more elements than its storage '"
                            + storage.key() + "' (" + storage.numel() + "); jmae refuses views that repeat elements");
        }
    }

    /**
     * Sizes.
     *
     * @return a copy of the shape
     */
    public int[] shape() {
        return shape.clone();
    }

    /**
     * Strides in elements of the storage.
     *
     * @return a copy of the strides
     */
    public long[] stride() {
        return stride.clone();
    }

    /**
     * Where the view starts in its storage.
     *
     * @return the offset in elements
     */
    public long storageOffset() {
        return offset;
    }

    /**
     * Elements.
     *
     * @return the product of the sizes
     */
    public int numel() {
        return numel;
    }

    /**
     * The stored dtype.
     *
     * @return the dtype, or null when jmae cannot convert it (complex, quantized); see {@link #dtypeName()}
     */
    public DType dtype() {
        return storage.dtype();
    }

    /**
     * PyTorch's name of the stored dtype.
     *
     * @return e.g. {@code float16}, {@code complex64}
     */
    public String dtypeName() {
        return storage.torchName();
    }

    /**
     * The archive key of the storage (tensors sharing a storage share the key).
     *
     * @return the key, e.g. {@code 0}
     */
    public String storageKey() {
        return storage.key();
    }

    /**
     * The device PyTorch saved the storage from (informative; jmae reads to the device it is given).
     *
     * @return e.g. {@code cpu}, {@code cuda:0}
     */
    public String savedLocation() {
        return storage.location();
    }

    /**
     * Whether the view is row-major contiguous.
     *
     * @return true if the strides are the contiguous ones for the shape (size-1 dims aside)
     */
    public boolean isContiguous() {
        long expected = 1;
        for (int d = shape.length - 1; d >= 0; d--) {
            if (shape[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= shape[d];
        }
        return true;
    }

    /**
     * Whether the pickle marked it as requiring gradients (parameters usually do).
     *
     * @return requires_grad
     */
    public boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * Whether it was saved as an {@code nn.Parameter} (a whole module pickled) rather than a tensor.
     *
     * @return true for a parameter
     */
    public boolean isParameter() {
        return parameter;
    }

    /**
     * Reads the view as a contiguous float32 tensor, converting the dtype as {@link DType}
     * states. Every call reads anew and counts against the checkpoint's read budget (twice its
     * stored elements), so read each tensor once and keep the result.
     *
     * @param device where to put it
     * @return a new tensor of {@link #shape()}
     * @throws TorchCheckpointException if the dtype cannot become float32, a value cannot be held
     *     exactly, the archive's bytes are missing, or the tensors read so far exceed twice the
     *     checkpoint's stored elements
     * @throws IOException if the file cannot be read
     * @throws IllegalStateException if the checkpoint was closed
     */
    public Tensor tensor(Device device) throws IOException {
        return Tensor.of(device, owner.read(this), shape);
    }

    TorchStorage storage() {
        return storage;
    }

    long span() {
        return span;
    }

    long[] strides() {
        return stride;
    }

    int[] sizes() {
        return shape;
    }

    void markParameter(boolean requiresGrad) {
        this.parameter = true;
        this.requiresGrad = requiresGrad;
    }

    void setRequiresGrad(boolean requiresGrad) {
        this.requiresGrad = requiresGrad;
    }

    @Override
    public String toString() {
        return "tensor " + Shape.format(shape) + " " + dtypeName();
    }
}
