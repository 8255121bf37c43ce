package dev.jmae.tensor;

import java.util.Arrays;
import java.util.List;

/**
 * An n-dimensional float32 array: a shape, strides and an offset over a {@link Storage} on one
 * {@link Device}. Row-major; strides and offsets count elements.
 *
 * <p>Views ({@link #reshape}, {@link #view}, {@link #permute}, {@link #transpose}, {@link #narrow},
 * {@link #select}, {@link #expand}, {@link #squeeze}, {@link #unsqueeze}) share storage with their
 * source; {@link #contiguous()} copies only when needed. Every other op returns a new tensor on
 * the same device, computed by that device's {@link Backend}; methods ending in {@code InPlace}
 * update this tensor instead. Ops follow PyTorch's names and broadcasting rules; dims may be
 * negative (-1 is the last; one rule, {@link Shape#normalizeDim}). Mixing devices in one op is an
 * error naming both devices.
 *
 * <p>Integer data (indices, masks) is stored as float32, exact up to 2^24.
 *
 * <p>The API is split by kind: creation, movement (views), elementwise, reductions, linear
 * algebra, indexing, in-place updates; neural-network kernels and their backward passes are in
 * {@link Functional}.
 */
public final class Tensor {

    private final Storage storage;
    private final int[] shape;
    private final int[] strides;
    private final int offset;

    private Tensor(Storage storage, int[] shape, int[] strides, int offset) {
        this.storage = storage;
        this.shape = shape;
        this.strides = strides;
        this.offset = offset;
    }

    /**
     * A tensor over existing storage, for backend implementers.
     *
     * @param storage the elements
     * @param shape sizes, non-negative
     * @param strides element strides, one per dim, non-negative
     * @param offset index of the first element
     * @return the tensor
     * @throws IllegalArgumentException if ranks differ or the view reaches outside the storage
     */
    public static Tensor wrap(Storage storage, int[] shape, int[] strides, int offset) {
        if (shape.length != strides.length) {
            throw new IllegalArgumentException("Tensor.wrap: shape " + Shape.format(shape) + " and strides "
                    + Arrays.toString(strides) + " differ in rank");
        }
        long last = offset;
        for (int d = 0; d < shape.length; d++) {
            if (strides[d] < 0) {
                throw new IllegalArgumentException("Tensor.wrap: negative stride " + Arrays.toString(strides));
            }
            last += (long) (shape[d] - 1) * strides[d];
        }
        if (Shape.numel(shape) > 0 && (offset < 0 || last >= storage.numel())) {
            throw new IllegalArgumentException("Tensor.wrap: view " + Shape.format(shape) + " strides "
                    + Arrays.toString(strides) + " offset " + offset + " reaches outside a storage of "
                    + storage.numel() + " elements");
        }
        return new Tensor(storage, shape.clone(), strides.clone(), offset);
    }

    // =============================================================================== creation

    /**
     * An uninitialized tensor: contents unspecified until written (on heap devices the values of
     * a released tensor whose array is reused; see {@link HeapStorage}), like {@code torch.empty}.
     *
     * @param device where to allocate
     * @param shape sizes
     * @return the tensor, contiguous
     */
    public static Tensor empty(Device device, int... shape) {
        int[] s = shape.clone();
        Storage st = Backends.of(device).allocate(Shape.numel(s));
        return new Tensor(st, s, Shape.contiguousStrides(s), 0);
    }

    /**
     * Zeros on {@link Device#CPU}, the fixed default (as in PyTorch) of
     * every creation method without a device argument.
     *
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor zeros(int... shape) {
        return full(Device.CPU, 0f, shape);
    }

    /**
     * Zeros on a device.
     *
     * @param device where to allocate
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor zeros(Device device, int... shape) {
        return full(device, 0f, shape);
    }

    /**
     * Ones on {@link Device#CPU}, the fixed default (as in PyTorch) of
     * every creation method without a device argument.
     *
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor ones(int... shape) {
        return full(Device.CPU, 1f, shape);
    }

    /**
     * Ones on a device.
     *
     * @param device where to allocate
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor ones(Device device, int... shape) {
        return full(device, 1f, shape);
    }

    /**
     * A tensor filled with one value, on {@link Device#CPU}, the fixed default (as in PyTorch) of
     * every creation method without a device argument.
     *
     * @param value the value
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor full(float value, int... shape) {
        return full(Device.CPU, value, shape);
    }

    /**
     * A tensor filled with one value.
     *
     * @param device where to allocate
     * @param value the value
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor full(Device device, float value, int... shape) {
        Tensor t = empty(device, shape);
        t.backend().elementwise().fill(t, value);
        return t;
    }

    /**
     * A tensor holding a copy of host data, on {@link Device#CPU}, the fixed default (as in PyTorch) of
     * every creation method without a device argument.
     *
     * @param data row-major elements, exactly numel(shape) of them
     * @param shape sizes
     * @return the tensor
     * @throws IllegalArgumentException if the data length differs from the shape's element count
     */
    public static Tensor of(float[] data, int... shape) {
        return of(Device.CPU, data, shape);
    }

    /**
     * A tensor holding a copy of host data.
     *
     * @param device where to allocate
     * @param data row-major elements, exactly numel(shape) of them
     * @param shape sizes
     * @return the tensor
     * @throws IllegalArgumentException if the data length differs from the shape's element count
     */
    public static Tensor of(Device device, float[] data, int... shape) {
        int n = Shape.numel(shape);
        if (data.length != n) {
            throw new IllegalArgumentException("Tensor.of: shape " + Shape.format(shape) + " needs " + n
                    + " elements, got " + data.length);
        }
        Tensor t = empty(device, shape);
        t.backend().write(t, data, 0);
        t.backend().memory().recordHostToDevice(4L * t.numel());
        return t;
    }

    /**
     * A 0-d tensor holding one value, on {@link Device#CPU}, the fixed default (as in PyTorch) of
     * every creation method without a device argument.
     *
     * @param value the value
     * @return the tensor, shape []
     */
    public static Tensor scalar(float value) {
        return full(Device.CPU, value);
    }

    /**
     * 0, 1, ..., end-1 on {@link Device#CPU}, the fixed default (as in PyTorch) of
     * every creation method without a device argument.
     *
     * @param end exclusive end, non-negative
     * @return [end]
     */
    public static Tensor arange(int end) {
        return arange(Device.CPU, 0, end, 1);
    }

    /**
     * start, start+step, ... below end (above end for a negative step), computed in double as
     * start + i*step, like torch.arange.
     *
     * @param device where to allocate
     * @param start first value
     * @param end exclusive bound
     * @param step increment, non-zero
     * @return a 1-d tensor of ceil((end-start)/step) elements
     * @throws IllegalArgumentException if step is 0 or has the wrong sign
     */
    public static Tensor arange(Device device, double start, double end, double step) {
        if (step == 0 || (end - start) * step < 0) {
            throw new IllegalArgumentException(
                    "Tensor.arange: step " + step + " cannot go from " + start + " to " + end);
        }
        int n = (int) Math.ceil((end - start) / step);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (start + i * step);
        }
        return of(device, v, n);
    }

    /**
     * Uniform samples in [0, 1) on {@link Device#CPU}, the fixed default (as in PyTorch) of
     * every creation method without a device argument.
     *
     * @param generator the randomness
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor rand(Generator generator, int... shape) {
        return uniform(generator, 0, 1, shape);
    }

    /**
     * Standard normal samples on {@link Device#CPU}, the fixed default (as in PyTorch) of
     * every creation method without a device argument.
     *
     * @param generator the randomness
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor randn(Generator generator, int... shape) {
        return normal(generator, 0, 1, shape);
    }

    /**
     * Uniform samples in [low, high) on {@link Device#CPU}, the fixed default (as in PyTorch) of
     * every creation method without a device argument.
     *
     * @param generator the randomness
     * @param low lower bound
     * @param high upper bound
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor uniform(Generator generator, double low, double high, int... shape) {
        return zeros(shape).uniformInPlace(generator, low, high);
    }

    /**
     * Normal samples N(mean, std²) on {@link Device#CPU}, the fixed default (as in PyTorch) of
     * every creation method without a device argument.
     *
     * @param generator the randomness
     * @param mean the mean
     * @param std the standard deviation
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor normal(Generator generator, double mean, double std, int... shape) {
        return zeros(shape).normalInPlace(generator, mean, std);
    }

    /**
     * Normal samples N(mean, std²) redrawn until they fall in [a, b] (absolute bounds, like
     * torch.nn.init.trunc_normal_), on {@link Device#CPU}, the fixed default (as in PyTorch) of
     * every creation method without a device argument.
     *
     * @param generator the randomness
     * @param mean the mean
     * @param std the standard deviation
     * @param a lower bound
     * @param b upper bound
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor truncatedNormal(Generator generator, double mean, double std, double a, double b,
                                         int... shape) {
        return zeros(shape).truncatedNormalInPlace(generator, mean, std, a, b);
    }

    /**
     * Uniform samples in [0, 1) on a device: the values of {@link #rand(Generator, int...)},
     * drawn on the host and written to the device once (torch.rand(..., generator, device)).
     *
     * @param device where to allocate
     * @param generator the randomness
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor rand(Device device, Generator generator, int... shape) {
        return empty(device, shape).uniformInPlace(generator, 0, 1);
    }

    /**
     * Standard normal samples on a device: the values of {@link #randn(Generator, int...)},
     * drawn on the host and written to the device once.
     *
     * @param device where to allocate
     * @param generator the randomness
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor randn(Device device, Generator generator, int... shape) {
        return empty(device, shape).normalInPlace(generator, 0, 1);
    }

    /**
     * Truncated normal samples on a device: the values of
     * {@link #truncatedNormal(Generator, double, double, double, double, int...)}, drawn on the host
     * and written to the device once.
     *
     * @param device where to allocate
     * @param generator the randomness
     * @param mean the mean
     * @param std the standard deviation
     * @param a lower bound
     * @param b upper bound
     * @param shape sizes
     * @return the tensor
     */
    public static Tensor truncatedNormal(Device device, Generator generator, double mean, double std, double a,
                                         double b,
                                         int... shape) {
        return empty(device, shape).truncatedNormalInPlace(generator, mean, std, a, b);
    }

    /**
     * Zeros with this tensor's shape and device.
     *
     * @return the tensor
     */
    public Tensor zerosLike() {
        return zeros(device(), shape);
    }

    /**
     * Ones with this tensor's shape and device.
     *
     * @return the tensor
     */
    public Tensor onesLike() {
        return ones(device(), shape);
    }

    /**
     * A copy on another device (this tensor itself when already there).
     *
     * @param device the destination
     * @return the tensor on device
     */
    public Tensor to(Device device) {
        checkLive();
        if (device.equals(device())) {
            return this;
        }
        return of(device, toArray(), shape);
    }

    // =============================================================================== accessors

    /**
     * The sizes.
     *
     * @return a copy of the shape
     */
    public int[] shape() {
        return shape.clone();
    }

    /**
     * One size.
     *
     * @param dim the dimension, negative counts from the end
     * @return its size
     */
    public int size(int dim) {
        return shape[Shape.normalizeDim("size", dim, shape.length)];
    }

    /**
     * The number of dimensions.
     *
     * @return the rank
     */
    public int ndim() {
        return shape.length;
    }

    /**
     * The number of elements.
     *
     * @return the product of the sizes
     */
    public int numel() {
        return Shape.numel(shape);
    }

    /**
     * The element strides.
     *
     * @return a copy of the strides
     */
    public int[] strides() {
        return strides.clone();
    }

    /**
     * One stride.
     *
     * @param dim the dimension
     * @return its stride in elements
     */
    public int stride(int dim) {
        return strides[Shape.normalizeDim("stride", dim, shape.length)];
    }

    /**
     * The index of the first element in the storage.
     *
     * @return the offset
     */
    public int offset() {
        return offset;
    }

    /**
     * The storage shared by this tensor and its views.
     *
     * @return the storage
     */
    public Storage storage() {
        return storage;
    }

    /**
     * The device the storage lives on.
     *
     * @return the device
     */
    public Device device() {
        return storage.device();
    }

    /**
     * The backend that runs this tensor's ops.
     *
     * @return the backend
     */
    public Backend backend() {
        return Backends.of(storage.device());
    }

    /**
     * Whether the elements are laid out densely in row-major order.
     *
     * @return true if contiguous
     */
    public boolean isContiguous() {
        return Shape.isContiguous(shape, strides);
    }

    /**
     * The single value of a one-element tensor.
     *
     * @return the value
     * @throws IllegalArgumentException if numel is not 1
     */
    public float item() {
        if (numel() != 1) {
            throw new IllegalArgumentException(
                    "item: expected a tensor with one element, got shape " + Shape.format(shape));
        }
        return toArray()[0];
    }

    /**
     * One element.
     *
     * @param index one index per dimension
     * @return the value
     * @throws IllegalArgumentException if the index has the wrong rank or is out of range
     */
    public float get(int... index) {
        if (index.length != shape.length) {
            throw new IllegalArgumentException("get: expected " + shape.length + " indices, got " + index.length);
        }
        int o = offset;
        for (int d = 0; d < index.length; d++) {
            if (index[d] < 0 || index[d] >= shape[d]) {
                throw new IllegalArgumentException("get: index " + Arrays.toString(index) + " out of range for shape "
                        + Shape.format(shape));
            }
            o += index[d] * strides[d];
        }
        return new Tensor(storage, new int[0], new int[0], o).toArray()[0];
    }

    /**
     * The elements in row-major order, copied to the host.
     *
     * @return a new array of numel elements
     */
    public float[] toArray() {
        checkLive();
        float[] out = new float[numel()];
        backend().read(out, 0, this);
        backend().memory().recordDeviceToHost(4L * out.length);
        return out;
    }

    /**
     * Releases the storage now (see {@link Storage#release()}); this tensor and every view of it
     * become unusable.
     */
    public void release() {
        storage.release();
    }

    void checkLive() {
        storage.checkLive();
    }

    // =============================================================================== movement

    /**
     * The same elements with a new shape; a view when the strides allow it, else a copy. One
     * size may be -1 (inferred).
     *
     * @param newShape the sizes
     * @return the reshaped tensor
     * @throws IllegalArgumentException if the element counts differ
     */
    public Tensor reshape(int... newShape) {
        int[] s = Views.inferShape("reshape", shape, newShape);
        int[] st = Views.viewStrides(shape, strides, s);
        if (st != null) {
            return new Tensor(storage, s, st, offset);
        }
        return contiguous().view(s);
    }

    /**
     * The same elements with a new shape, always a view. One size may be -1.
     *
     * @param newShape the sizes
     * @return the view
     * @throws IllegalArgumentException if the element counts differ or the strides do not allow
     *     a view (hint: use reshape, which copies)
     */
    public Tensor view(int... newShape) {
        int[] s = Views.inferShape("view", shape, newShape);
        int[] st = Views.viewStrides(shape, strides, s);
        if (st == null) {
            throw new IllegalArgumentException("view: shape " + Shape.format(shape) + " with strides "
                    + Arrays.toString(strides) + " cannot be viewed as " + Shape.format(s)
                    + "; hint: use reshape, which copies when needed");
        }
        return new Tensor(storage, s, st, offset);
    }

    /**
     * Collapses all dimensions into one.
     *
     * @return [numel]
     */
    public Tensor flatten() {
        return reshape(numel());
    }

    /**
     * Collapses dimensions startDim..endDim (inclusive) into one.
     *
     * @param startDim first dim
     * @param endDim last dim
     * @return the reshaped tensor
     */
    public Tensor flatten(int startDim, int endDim) {
        if (shape.length == 0) {
            Shape.normalizeDim("flatten", startDim, 0, true);
            Shape.normalizeDim("flatten", endDim, 0, true);
            return reshape(1);
        }
        int a = Shape.normalizeDim("flatten", startDim, shape.length);
        int b = Shape.normalizeDim("flatten", endDim, shape.length);
        if (a > b) {
            throw new IllegalArgumentException("flatten: startDim " + startDim + " comes after endDim " + endDim);
        }
        int[] s = new int[shape.length - (b - a)];
        int j = 0;
        for (int d = 0; d < shape.length; d++) {
            if (d <= a || d > b) {
                s[j++] = shape[d];
            } else {
                s[j - 1] *= shape[d];
            }
        }
        return reshape(s);
    }

    /**
     * Reorders the dimensions (a view).
     *
     * @param dims a permutation of 0..ndim-1 (negative allowed)
     * @return the view; dimension i of the result is dimension dims[i] of this
     * @throws IllegalArgumentException if dims is not a permutation
     */
    public Tensor permute(int... dims) {
        if (dims.length != shape.length) {
            throw new IllegalArgumentException("permute: expected " + shape.length + " dims for shape "
                    + Shape.format(shape) + ", got " + Arrays.toString(dims));
        }
        int[] nd = new int[dims.length];
        boolean[] seen = new boolean[dims.length];
        int[] s = new int[dims.length];
        int[] st = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            nd[i] = Shape.normalizeDim("permute", dims[i], shape.length);
            if (seen[nd[i]]) {
                throw new IllegalArgumentException("permute: " + Arrays.toString(dims) + " is not a permutation");
            }
            seen[nd[i]] = true;
            s[i] = shape[nd[i]];
            st[i] = strides[nd[i]];
        }
        return new Tensor(storage, s, st, offset);
    }

    /**
     * Swaps two dimensions (a view).
     *
     * @param dim0 one dim
     * @param dim1 the other
     * @return the view
     */
    public Tensor transpose(int dim0, int dim1) {
        int a = Shape.normalizeDim("transpose", dim0, shape.length);
        int b = Shape.normalizeDim("transpose", dim1, shape.length);
        int[] p = new int[shape.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = i;
        }
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /**
     * Elements start..start+length-1 along one dimension (a view).
     *
     * @param dim the dimension
     * @param start first index
     * @param length number of indices
     * @return the view
     * @throws IllegalArgumentException if the range is outside the dimension
     */
    public Tensor narrow(int dim, int start, int length) {
        int d = Shape.normalizeDim("narrow", dim, shape.length);
        if (start < 0 || length < 0 || start + length > shape[d]) {
            throw new IllegalArgumentException("narrow: range [" + start + ", " + (start + length) + ") is outside dim "
                    + dim + " of size " + shape[d] + " (shape " + Shape.format(shape) + ")");
        }
        int[] s = shape.clone();
        s[d] = length;
        return new Tensor(storage, s, strides.clone(), offset + start * strides[d]);
    }

    /**
     * The slice at one index of a dimension, with that dimension removed (a view).
     *
     * @param dim the dimension
     * @param index the position, negative counts from the end
     * @return the view, rank ndim-1
     */
    public Tensor select(int dim, int index) {
        int d = Shape.normalizeDim("select", dim, shape.length);
        int i = index < 0 ? index + shape[d] : index;
        return narrow(d, i, 1).squeeze(d);
    }

    /**
     * Broadcasts size-1 dimensions (and new leading ones) to larger sizes without copying
     * (stride 0). -1 keeps a size.
     *
     * @param newShape the target sizes, rank at least ndim
     * @return the view
     * @throws IllegalArgumentException if a non-1 size would change
     */
    public Tensor expand(int... newShape) {
        int n = newShape.length;
        if (n < shape.length) {
            throw new IllegalArgumentException("expand: cannot expand shape " + Shape.format(shape) + " to fewer dims "
                    + Shape.format(newShape));
        }
        int[] s = new int[n];
        int[] st = new int[n];
        for (int i = 0; i < n; i++) {
            int d = i - (n - shape.length);
            int size = newShape[i];
            if (d < 0) {
                if (size < 0) {
                    throw new IllegalArgumentException("expand: -1 is not allowed for the new leading dim " + i);
                }
                s[i] = size;
                st[i] = 0;
            } else if (size == -1 || size == shape[d]) {
                s[i] = shape[d];
                st[i] = strides[d];
            } else if (shape[d] == 1) {
                s[i] = size;
                st[i] = 0;
            } else {
                throw new IllegalArgumentException("expand: shape " + Shape.format(shape) + " cannot be expanded to "
                        + Shape.format(newShape) + " (dim " + i + ": " + shape[d] + " vs " + size + ")");
            }
        }
        if (Arrays.equals(s, shape) && Arrays.equals(st, strides)) {
            return this;
        }
        return new Tensor(storage, s, st, offset);
    }

    /**
     * Removes every size-1 dimension (a view).
     *
     * @return the view
     */
    public Tensor squeeze() {
        int n = 0;
        for (int s : shape) {
            if (s != 1) {
                n++;
            }
        }
        int[] s = new int[n];
        int[] st = new int[n];
        int j = 0;
        for (int d = 0; d < shape.length; d++) {
            if (shape[d] != 1) {
                s[j] = shape[d];
                st[j++] = strides[d];
            }
        }
        return new Tensor(storage, s, st, offset);
    }

    /**
     * Removes one dimension if its size is 1 (else returns this, like PyTorch).
     *
     * @param dim the dimension
     * @return the view
     */
    public Tensor squeeze(int dim) {
        int d = Shape.normalizeDim("squeeze", dim, shape.length);
        if (shape[d] != 1) {
            return this;
        }
        int[] s = new int[shape.length - 1];
        int[] st = new int[shape.length - 1];
        for (int i = 0, j = 0; i < shape.length; i++) {
            if (i != d) {
                s[j] = shape[i];
                st[j++] = strides[i];
            }
        }
        return new Tensor(storage, s, st, offset);
    }

    /**
     * Inserts a size-1 dimension at {@code dim} (a view).
     *
     * @param dim position in the result, in [-ndim-1, ndim]
     * @return the view
     */
    public Tensor unsqueeze(int dim) {
        int d = Shape.normalizeNewDim("unsqueeze", dim, shape.length);
        int[] s = new int[shape.length + 1];
        int[] st = new int[shape.length + 1];
        for (int i = 0, j = 0; i < s.length; i++) {
            if (i == d) {
                s[i] = 1;
                st[i] = d < shape.length ? strides[d] * shape[d] : 1;
            } else {
                s[i] = shape[j];
                st[i] = strides[j++];
            }
        }
        return new Tensor(storage, s, st, offset);
    }

    /**
     * This tensor if it is contiguous, else a contiguous copy.
     *
     * @return a contiguous tensor with the same values
     */
    public Tensor contiguous() {
        return isContiguous() ? this : copy();
    }

    /**
     * A contiguous copy, always new storage (torch.clone).
     *
     * @return the copy
     */
    public Tensor copy() {
        checkLive();
        Tensor out = empty(device(), shape);
        backend().elementwise().copy(out, this);
        return out;
    }

    // =============================================================================== elementwise

    /** @param other addend, broadcast @return this + other */
    public Tensor add(Tensor other) {
        return Elementwise.binary("add", BinaryOp.ADD, this, other);
    }

    /** @param value addend @return this + value */
    public Tensor add(float value) {
        return Elementwise.scalar(BinaryOp.ADD, this, value);
    }

    /** @param other subtrahend, broadcast @return this - other */
    public Tensor sub(Tensor other) {
        return Elementwise.binary("sub", BinaryOp.SUB, this, other);
    }

    /** @param value subtrahend @return this - value */
    public Tensor sub(float value) {
        return Elementwise.scalar(BinaryOp.SUB, this, value);
    }

    /** @param other factor, broadcast @return this * other */
    public Tensor mul(Tensor other) {
        return Elementwise.binary("mul", BinaryOp.MUL, this, other);
    }

    /** @param value factor @return this * value */
    public Tensor mul(float value) {
        return Elementwise.scalar(BinaryOp.MUL, this, value);
    }

    /** @param other divisor, broadcast @return this / other */
    public Tensor div(Tensor other) {
        return Elementwise.binary("div", BinaryOp.DIV, this, other);
    }

    /** @param value divisor @return this / value */
    public Tensor div(float value) {
        return Elementwise.scalar(BinaryOp.DIV, this, value);
    }

    /** @param exponent the power @return this ^ exponent elementwise */
    public Tensor pow(float exponent) {
        return Elementwise.scalar(BinaryOp.POW, this, exponent);
    }

    /** @param exponent powers, broadcast @return this ^ exponent elementwise */
    public Tensor pow(Tensor exponent) {
        return Elementwise.binary("pow", BinaryOp.POW, this, exponent);
    }

    /** @param other the other tensor, broadcast @return the elementwise maximum (NaN propagates) */
    public Tensor maximum(Tensor other) {
        return Elementwise.binary("maximum", BinaryOp.MAXIMUM, this, other);
    }

    /** @param other the other tensor, broadcast @return the elementwise minimum (NaN propagates) */
    public Tensor minimum(Tensor other) {
        return Elementwise.binary("minimum", BinaryOp.MINIMUM, this, other);
    }

    /**
     * Clamps every element to [min, max].
     *
     * @param min lower bound
     * @param max upper bound
     * @return the clamped tensor
     */
    public Tensor clamp(float min, float max) {
        return Elementwise.scalar(BinaryOp.MINIMUM, Elementwise.scalar(BinaryOp.MAXIMUM, this, min), max);
    }

    /** @return -this */
    public Tensor neg() {
        return Elementwise.unary(UnaryOp.NEG, this);
    }

    /** @return e^this */
    public Tensor exp() {
        return Elementwise.unary(UnaryOp.EXP, this);
    }

    /** @return the natural logarithm */
    public Tensor log() {
        return Elementwise.unary(UnaryOp.LOG, this);
    }

    /** @return the square root */
    public Tensor sqrt() {
        return Elementwise.unary(UnaryOp.SQRT, this);
    }

    /** @return 1/sqrt(this) */
    public Tensor rsqrt() {
        return Elementwise.unary(UnaryOp.RSQRT, this);
    }

    /** @return tanh(this) */
    public Tensor tanh() {
        return Elementwise.unary(UnaryOp.TANH, this);
    }

    /** @return erf(this), accurate to float32 rounding */
    public Tensor erf() {
        return Elementwise.unary(UnaryOp.ERF, this);
    }

    /** @return |this| */
    public Tensor abs() {
        return Elementwise.unary(UnaryOp.ABS, this);
    }

    /** @return this² */
    public Tensor square() {
        return Elementwise.unary(UnaryOp.SQUARE, this);
    }

    /** @return 1/this */
    public Tensor reciprocal() {
        return Elementwise.unary(UnaryOp.RECIPROCAL, this);
    }

    /** @return 1/(1+e^-this) */
    public Tensor sigmoid() {
        return Elementwise.unary(UnaryOp.SIGMOID, this);
    }

    /** @return the sign, -1, 0 or 1 */
    public Tensor sign() {
        return Elementwise.unary(UnaryOp.SIGN, this);
    }

    /** @return exact GELU, x/2·(1+erf(x/√2)) (see {@link Functional#gelu}) */
    public Tensor gelu() {
        return Functional.gelu(this);
    }

    /** @param other compared tensor, broadcast @return 1 where this == other, else 0 */
    public Tensor eq(Tensor other) {
        return Elementwise.binary("eq", BinaryOp.EQ, this, other);
    }

    /** @param value compared value @return 1 where this == value, else 0 */
    public Tensor eq(float value) {
        return Elementwise.scalar(BinaryOp.EQ, this, value);
    }

    /** @param other compared tensor @return 1 where this != other */
    public Tensor ne(Tensor other) {
        return Elementwise.binary("ne", BinaryOp.NE, this, other);
    }

    /** @param value compared value @return 1 where this != value */
    public Tensor ne(float value) {
        return Elementwise.scalar(BinaryOp.NE, this, value);
    }

    /** @param other compared tensor @return 1 where this &lt; other */
    public Tensor lt(Tensor other) {
        return Elementwise.binary("lt", BinaryOp.LT, this, other);
    }

    /** @param value compared value @return 1 where this &lt; value */
    public Tensor lt(float value) {
        return Elementwise.scalar(BinaryOp.LT, this, value);
    }

    /** @param other compared tensor @return 1 where this &lt;= other */
    public Tensor le(Tensor other) {
        return Elementwise.binary("le", BinaryOp.LE, this, other);
    }

    /** @param value compared value @return 1 where this &lt;= value */
    public Tensor le(float value) {
        return Elementwise.scalar(BinaryOp.LE, this, value);
    }

    /** @param other compared tensor @return 1 where this &gt; other */
    public Tensor gt(Tensor other) {
        return Elementwise.binary("gt", BinaryOp.GT, this, other);
    }

    /** @param value compared value @return 1 where this &gt; value */
    public Tensor gt(float value) {
        return Elementwise.scalar(BinaryOp.GT, this, value);
    }

    /** @param other compared tensor @return 1 where this &gt;= other */
    public Tensor ge(Tensor other) {
        return Elementwise.binary("ge", BinaryOp.GE, this, other);
    }

    /** @param value compared value @return 1 where this &gt;= value */
    public Tensor ge(float value) {
        return Elementwise.scalar(BinaryOp.GE, this, value);
    }

    /**
     * Elementwise choice: cond != 0 ? a : b, all three broadcast (torch.where).
     *
     * @param cond condition
     * @param a values where true
     * @param b values where false
     * @return the result
     */
    public static Tensor where(Tensor cond, Tensor a, Tensor b) {
        return Elementwise.where(cond, a, b);
    }

    // =============================================================================== reductions

    /** @return the sum of all elements, shape [] */
    public Tensor sum() {
        return Reductions.reduce("sum", ReduceOp.SUM, this, Reductions.allDims(this), false);
    }

    /** @param dim the dimension @param keepDim keep it with size 1 @return the sum over dim */
    public Tensor sum(int dim, boolean keepDim) {
        return Reductions.reduce("sum", ReduceOp.SUM, this, new int[] {dim}, keepDim);
    }

    /** @param dims the dimensions @param keepDim keep them with size 1 @return the sum over dims */
    public Tensor sum(int[] dims, boolean keepDim) {
        return Reductions.reduce("sum", ReduceOp.SUM, this, dims, keepDim);
    }

    /** @return the mean of all elements, shape [] */
    public Tensor mean() {
        return Reductions.reduce("mean", ReduceOp.MEAN, this, Reductions.allDims(this), false);
    }

    /** @param dim the dimension @param keepDim keep it with size 1 @return the mean over dim */
    public Tensor mean(int dim, boolean keepDim) {
        return Reductions.reduce("mean", ReduceOp.MEAN, this, new int[] {dim}, keepDim);
    }

    /** @param dims the dimensions @param keepDim keep them @return the mean over dims */
    public Tensor mean(int[] dims, boolean keepDim) {
        return Reductions.reduce("mean", ReduceOp.MEAN, this, dims, keepDim);
    }

    /** @return the largest element, shape [] */
    public Tensor max() {
        return Reductions.reduce("max", ReduceOp.MAX, this, Reductions.allDims(this), false);
    }

    /** @param dim the dimension @param keepDim keep it @return the maximum over dim */
    public Tensor max(int dim, boolean keepDim) {
        return Reductions.reduce("max", ReduceOp.MAX, this, new int[] {dim}, keepDim);
    }

    /** @param dims the dimensions @param keepDim keep them @return the maximum over dims */
    public Tensor max(int[] dims, boolean keepDim) {
        return Reductions.reduce("max", ReduceOp.MAX, this, dims, keepDim);
    }

    /** @return the smallest element, shape [] */
    public Tensor min() {
        return Reductions.reduce("min", ReduceOp.MIN, this, Reductions.allDims(this), false);
    }

    /** @param dim the dimension @param keepDim keep it @return the minimum over dim */
    public Tensor min(int dim, boolean keepDim) {
        return Reductions.reduce("min", ReduceOp.MIN, this, new int[] {dim}, keepDim);
    }

    /** @param dims the dimensions @param keepDim keep them @return the minimum over dims */
    public Tensor min(int[] dims, boolean keepDim) {
        return Reductions.reduce("min", ReduceOp.MIN, this, dims, keepDim);
    }

    /**
     * The index of the largest element along a dimension (first on ties).
     *
     * @param dim the dimension
     * @param keepDim keep it with size 1
     * @return indices as floats
     */
    public Tensor argmax(int dim, boolean keepDim) {
        return Reductions.argmax(this, dim, keepDim);
    }

    /**
     * Variance over dims: sum((x-mean)²)/(n-correction).
     *
     * @param dims the dimensions
     * @param correction 0 for the biased (population) variance, 1 for the unbiased one
     * @param keepDim keep the dims with size 1
     * @return the variance
     */
    public Tensor var(int[] dims, double correction, boolean keepDim) {
        return Reductions.var(this, dims, correction, keepDim);
    }

    /**
     * Variance over one dimension.
     *
     * @param dim the dimension
     * @param correction 0 biased, 1 unbiased
     * @param keepDim keep the dim with size 1
     * @return the variance
     */
    public Tensor var(int dim, double correction, boolean keepDim) {
        return Reductions.var(this, new int[] {dim}, correction, keepDim);
    }

    // =============================================================================== linear algebra

    /**
     * Matrix product with PyTorch semantics: [..., M, K] · [..., K, N] → [..., M, N] with
     * broadcast batch dims; a 1-d operand is treated as a row (left) or column (right) vector
     * and its dim removed from the result. Transposed operands are read without copies.
     *
     * @param other the right operand
     * @return the product
     * @throws IllegalArgumentException if the inner sizes differ or batch dims do not broadcast
     */
    public Tensor matmul(Tensor other) {
        return Linalg.matmul(this, other, null);
    }

    /**
     * The affine map of a PyTorch Linear layer: this · weightᵀ + bias, the bias fused into the
     * product. this: [..., in]; weight: [out, in]; bias: [out] or null → [..., out].
     *
     * @param weight the weight, PyTorch layout [out, in]
     * @param bias the bias [out], or null
     * @return [..., out]
     * @throws IllegalArgumentException if the last dim is not in or the bias is not [out]
     */
    public Tensor linear(Tensor weight, Tensor bias) {
        return Linalg.linear(this, weight, bias);
    }

    // =============================================================================== indexing

    /**
     * Concatenates tensors along a dimension (torch.cat).
     *
     * @param tensors at least one tensor; same rank and sizes except along dim, same device
     * @param dim the dimension
     * @return the concatenation
     */
    public static Tensor cat(List<Tensor> tensors, int dim) {
        return Indexing.cat(tensors, dim);
    }

    /**
     * Stacks equal-shape tensors along a new dimension (torch.stack).
     *
     * @param tensors at least one tensor, same shape and device
     * @param dim position of the new dimension
     * @return the stack
     */
    public static Tensor stack(List<Tensor> tensors, int dim) {
        return Indexing.stack(tensors, dim);
    }

    /**
     * Selects positions along a dimension (torch.index_select).
     *
     * @param dim the dimension
     * @param index 1-d integer indices
     * @return this with size(dim) = index length
     */
    public Tensor indexSelect(int dim, Tensor index) {
        return Indexing.indexSelect(this, dim, index);
    }

    /**
     * out[i] = this[i with i_dim = index[i]] (torch.gather).
     *
     * @param dim the dimension
     * @param index integer indices, same rank as this
     * @return index's shape
     */
    public Tensor gather(int dim, Tensor index) {
        return Indexing.gather(this, dim, index);
    }

    /**
     * A copy of this with src written at the positions index names along dim (torch.scatter).
     *
     * @param dim the dimension
     * @param index integer indices, same rank as this
     * @param src values, index's shape
     * @return the updated copy
     */
    public Tensor scatter(int dim, Tensor index, Tensor src) {
        return Indexing.scatter(this, dim, index, src, false);
    }

    /**
     * A copy of this with src added at the positions index names along dim (torch.scatter_add).
     *
     * @param dim the dimension
     * @param index integer indices, same rank as this
     * @param src values, index's shape
     * @return the updated copy
     */
    public Tensor scatterAdd(int dim, Tensor index, Tensor src) {
        return Indexing.scatter(this, dim, index, src, true);
    }

    /**
     * The stable sort order along a dimension (torch.argsort(stable=True)).
     *
     * @param dim the dimension
     * @param descending largest first
     * @return indices as floats, this shape
     */
    public Tensor argsort(int dim, boolean descending) {
        return Indexing.argsort(this, dim, descending);
    }

    // =============================================================================== neural-network ops

    /** @param dim the dimension @return softmax along dim (see {@link Functional#softmax}) */
    public Tensor softmax(int dim) {
        return Functional.softmax(this, dim);
    }

    /** @param dim the dimension @return log-softmax along dim (see {@link Functional#logSoftmax}) */
    public Tensor logSoftmax(int dim) {
        return Functional.logSoftmax(this, dim);
    }

    // =============================================================================== in place

    /**
     * Sets every element to a value.
     *
     * @param value the value
     * @return this
     */
    public Tensor fillInPlace(float value) {
        checkWritable("fillInPlace");
        backend().elementwise().fill(this, value);
        return this;
    }

    /** @return this, zeroed */
    public Tensor zeroInPlace() {
        return fillInPlace(0f);
    }

    /**
     * Copies src (broadcast to this shape, any device) into this tensor.
     *
     * @param src the values
     * @return this
     */
    public Tensor copyInPlace(Tensor src) {
        checkWritable("copyInPlace");
        Tensor s = src.device().equals(device()) ? src : src.to(device());
        Shape.broadcast("copyInPlace", shape, s.shape);
        backend().elementwise().copy(this, s.expand(shape));
        return this;
    }

    /**
     * this += other (broadcast to this shape).
     *
     * @param other the addend
     * @return this
     */
    public Tensor addInPlace(Tensor other) {
        return Elementwise.binaryInPlace("addInPlace", BinaryOp.ADD, this, other);
    }

    /**
     * this *= other (broadcast to this shape).
     *
     * @param other the factor
     * @return this
     */
    public Tensor mulInPlace(Tensor other) {
        return Elementwise.binaryInPlace("mulInPlace", BinaryOp.MUL, this, other);
    }

    /**
     * this *= value.
     *
     * @param value the factor
     * @return this
     */
    public Tensor mulInPlace(float value) {
        checkWritable("mulInPlace");
        backend().elementwise().binaryScalar(BinaryOp.MUL, this, this, value);
        return this;
    }

    /**
     * Fills with uniform samples in [low, high) (computed in double, cast to float).
     *
     * @param generator the randomness
     * @param low lower bound
     * @param high upper bound
     * @return this
     */
    public Tensor uniformInPlace(Generator generator, double low, double high) {
        float[] v = new float[numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (low + (high - low) * generator.nextDouble());
        }
        return writeFromHost(v);
    }

    /**
     * Fills with normal samples N(mean, std²).
     *
     * @param generator the randomness
     * @param mean the mean
     * @param std the standard deviation
     * @return this
     */
    public Tensor normalInPlace(Generator generator, double mean, double std) {
        float[] v = new float[numel()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (mean + std * generator.nextGaussian());
        }
        return writeFromHost(v);
    }

    /**
     * Fills with N(mean, std²) samples redrawn until inside [a, b] (torch.nn.init.trunc_normal_).
     *
     * @param generator the randomness
     * @param mean the mean
     * @param std the standard deviation
     * @param a lower bound (absolute)
     * @param b upper bound (absolute)
     * @return this
     * @throws IllegalArgumentException if a &gt;= b
     */
    public Tensor truncatedNormalInPlace(Generator generator, double mean, double std, double a, double b) {
        if (!(a < b)) {
            throw new IllegalArgumentException("truncatedNormalInPlace: expected a < b, got a=" + a + ", b=" + b);
        }
        float[] v = new float[numel()];
        for (int i = 0; i < v.length; i++) {
            double x;
            do {
                x = mean + std * generator.nextGaussian();
            } while (x < a || x > b);
            v[i] = (float) x;
        }
        return writeFromHost(v);
    }

    private Tensor writeFromHost(float[] values) {
        checkWritable("write");
        if (isContiguous()) {
            backend().write(this, values, 0);
            backend().memory().recordHostToDevice(4L * values.length);
        } else {
            backend().elementwise().copy(this, of(device(), values, shape));
        }
        return this;
    }

    void checkWritable(String op) {
        checkLive();
        for (int d = 0; d < shape.length; d++) {
            if (strides[d] == 0 && shape[d] > 1) {
                throw new IllegalArgumentException(op + ": cannot write into an expanded tensor (shape "
                        + Shape.format(shape) + ", strides " + Arrays.toString(strides)
                        + "): its elements overlap; hint: write into a contiguous copy");
            }
        }
    }

    // =============================================================================== comparison helpers

    /**
     * Whether two tensors have the same shape and |a - b| &lt;= atol + rtol·|b| everywhere (NaN
     * equal only to NaN).
     *
     * @param other the expected values
     * @param rtol relative tolerance
     * @param atol absolute tolerance
     * @return true if close
     */
    public boolean allClose(Tensor other, double rtol, double atol) {
        if (!Arrays.equals(shape, other.shape)) {
            return false;
        }
        float[] a = toArray();
        float[] b = other.toArray();
        for (int i = 0; i < a.length; i++) {
            if (Float.isNaN(a[i]) || Float.isNaN(b[i])) {
                if (Float.isNaN(a[i]) != Float.isNaN(b[i])) {
                    return false;
                }
            } else if (Math.abs((double) a[i] - b[i]) > atol + rtol * Math.abs(b[i])) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("tensor(");
        if (storage.isReleased()) {
            sb.append("<released>");
        } else {
            float[] v = toArray();
            sb.append('[');
            int show = Math.min(v.length, 8);
            for (int i = 0; i < show; i++) {
                sb.append(i > 0 ? ", " : "").append(v[i]);
            }
            if (v.length > show) {
                sb.append(", ...");
            }
            sb.append(']');
        }
        return sb.append(", shape=").append(Shape.format(shape)).append(", device=").append(device()).append(')')
                .toString();
    }
}
