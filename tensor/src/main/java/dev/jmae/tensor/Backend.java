package dev.jmae.tensor;

/**
 * The backend SPI: the coarse operations a device must provide so that tensors can live on it.
 * {@link Tensor} validates shapes, broadcasts and allocates outputs, then calls exactly one of
 * these methods; a backend may assume its arguments are valid.
 *
 * <p>Conventions for every method:
 * <ul>
 *   <li>Argument order: outputs, saved buffers, inputs, weights, sizes.</li>
 *   <li>Row-wise kernels (softmax, layer norm, GELU, indexing, argsort, AdamW) receive
 *       contiguous operands and work along the last dimension where they have one; the tensor
 *       layer transposes or copies to get there.</li>
 *   <li>Outputs are <b>overwritten</b> (never accumulated into) unless the method says otherwise,
 *       and are freshly allocated contiguous tensors unless the method says they may be strided
 *       views.</li>
 *   <li>Inputs of the other kernels (elementwise, reductions, matmul, attention) may be
 *       arbitrary strided views (transposed, narrowed, expanded with stride 0) on this
 *       backend's device.</li>
 *   <li>Index tensors hold integer values stored as float32 (exact up to 2^24); a backend must
 *       reject an index outside its dimension with {@link IllegalArgumentException} rather than
 *       read or write out of bounds.</li>
 * </ul>
 *
 * <p>The {@code reference} backend implements every method with plain loops in double precision
 * and is the executable specification the others are tested against.
 */
public interface Backend {

    /**
     * The device this backend serves.
     *
     * @return the device
     */
    Device device();

    /**
     * The byte counters of this backend's storages.
     *
     * @return the counters
     */
    MemoryStats memory();

    /**
     * Allocates storage for {@code numel} float32 elements; contents are unspecified until written
     * (the heap backends may hand out the array of a released storage, holding its values).
     *
     * @param numel number of elements
     * @return the storage
     */
    Storage allocate(int numel);

    /**
     * Waits until all work queued on the device has finished (a no-op for synchronous backends).
     */
    default void synchronize() {
    }

    // ---- transfer and movement ----

    /**
     * Copies host data into a contiguous tensor of this device.
     *
     * @param dst the destination, contiguous; overwritten
     * @param src host elements, row-major
     * @param srcOffset index of the first element in src
     */
    void write(Tensor dst, float[] src, int srcOffset);

    /**
     * Copies a tensor of this device (any strides) to the host in row-major order.
     *
     * @param dst the host array receiving numel elements
     * @param dstOffset index of the first element in dst
     * @param src the tensor to read
     */
    void read(float[] dst, int dstOffset, Tensor src);

    /**
     * Sets every element of {@code out} to {@code value}.
     *
     * @param out the tensor to fill; may be a strided view
     * @param value the value
     */
    void fill(Tensor out, float value);

    /**
     * Copies src into out elementwise.
     *
     * @param out destination with src's shape; may be a strided view (never overlapping src)
     * @param src source, any strides
     */
    void copy(Tensor out, Tensor src);

    // ---- elementwise ----

    /**
     * out = op(x), elementwise.
     *
     * @param op the function
     * @param out output, x's shape
     * @param x input
     */
    void unary(UnaryOp op, Tensor out, Tensor x);

    /**
     * out = op(a, b), elementwise; a and b are already expanded to out's shape.
     *
     * @param op the function
     * @param out output
     * @param a first input, out's shape (possibly stride-0 broadcast dims)
     * @param b second input, out's shape
     */
    void binary(BinaryOp op, Tensor out, Tensor a, Tensor b);

    /**
     * out = op(a, scalar), elementwise.
     *
     * @param op the function
     * @param out output, a's shape
     * @param a the tensor operand
     * @param scalar the scalar operand (second argument of op)
     */
    void binaryScalar(BinaryOp op, Tensor out, Tensor a, float scalar);

    /**
     * out = cond != 0 ? a : b, elementwise; all operands already expanded to out's shape.
     *
     * @param out output
     * @param cond condition (non-zero selects a)
     * @param a values where cond is true
     * @param b values where cond is false
     */
    void where(Tensor out, Tensor cond, Tensor a, Tensor b);

    // ---- reductions ----

    /**
     * Reduces x over {@code dims}.
     *
     * @param op the reduction
     * @param out output with x's rank and size 1 at every reduced dim (keepDim layout)
     * @param x input
     * @param dims sorted, distinct, normalized dims to reduce
     */
    void reduce(ReduceOp op, Tensor out, Tensor x, int[] dims);

    /**
     * Variance over {@code dims}: sum((x - mean)^2) / (n - correction), n the number of reduced
     * elements (correction 0: biased, 1: unbiased).
     *
     * @param out output in keepDim layout
     * @param x input
     * @param dims sorted, distinct, normalized dims
     * @param correction subtracted from n in the divisor
     */
    void var(Tensor out, Tensor x, int[] dims, double correction);

    /**
     * Index of the largest element along {@code dim} (the first one on ties; NaN counts as
     * largest).
     *
     * @param out output in keepDim layout, holding indices as floats
     * @param x input
     * @param dim normalized dim
     */
    void argmax(Tensor out, Tensor x, int dim);

    // ---- linear algebra ----

    /**
     * Batched matrix product out[..., M, N] = a[..., M, K] · b[..., K, N] (+ bias[N]).
     * Operands may be transposed or expanded views; they are read without copies where the
     * layout allows.
     *
     * @param out output [..., M, N], contiguous
     * @param a left operand, batch dims already equal to out's
     * @param b right operand, batch dims already equal to out's
     * @param bias optional [N] added to every row, or null
     */
    void matmul(Tensor out, Tensor a, Tensor b, Tensor bias);

    // ---- neural-network kernels ----

    /**
     * Softmax over the last dimension: out = exp(x - max) / sum(exp(x - max)) per row.
     *
     * @param out output [R, C] (any leading shape), contiguous
     * @param x input, contiguous
     */
    void softmaxForward(Tensor out, Tensor x);

    /**
     * Softmax backward over the last dimension: dx = y * (dy - sum(dy * y)) per row.
     *
     * @param dx output, contiguous
     * @param y the softmax output saved from forward, contiguous
     * @param dy upstream gradient, contiguous
     */
    void softmaxBackward(Tensor dx, Tensor y, Tensor dy);

    /**
     * Log-softmax over the last dimension: out = x - max - log(sum(exp(x - max))) per row.
     *
     * @param out output, contiguous
     * @param x input, contiguous
     */
    void logSoftmaxForward(Tensor out, Tensor x);

    /**
     * Log-softmax backward over the last dimension: dx = dy - exp(y) * sum(dy) per row.
     *
     * @param dx output, contiguous
     * @param y the log-softmax output saved from forward, contiguous
     * @param dy upstream gradient, contiguous
     */
    void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy);

    /**
     * Layer norm over the last dimension D: out = (x - mean) * rstd * weight + bias, with the
     * biased variance and rstd = 1/sqrt(var + eps).
     *
     * @param out output [..., D], contiguous
     * @param mean saved per-row mean [...] (output, contiguous)
     * @param rstd saved per-row 1/sqrt(var + eps) [...] (output, contiguous)
     * @param x input [..., D], contiguous
     * @param weight [D] contiguous, or null (no scale)
     * @param bias [D] contiguous, or null (no shift)
     * @param eps added to the variance
     */
    void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, float eps);

    /**
     * Layer norm backward. With xhat = (x - mean) * rstd and g = dy * weight:
     * dx = rstd * (g - mean(g) - xhat * mean(g * xhat)); dweight = sum over rows of dy * xhat;
     * dbias = sum over rows of dy.
     *
     * @param dx output [..., D], contiguous
     * @param dweight output [D] (overwritten), or null when not wanted
     * @param dbias output [D] (overwritten), or null when not wanted
     * @param mean saved mean [...]
     * @param rstd saved rstd [...]
     * @param dy upstream gradient [..., D], contiguous
     * @param x the forward input [..., D], contiguous
     * @param weight [D] or null (treated as ones)
     */
    void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor mean, Tensor rstd,
                           Tensor dy, Tensor x, Tensor weight);

    /**
     * Exact GELU: out = x/2 * (1 + erf(x/sqrt(2))).
     *
     * @param out output, contiguous
     * @param x input, contiguous
     */
    void geluForward(Tensor out, Tensor x);

    /**
     * GELU backward: dx = dy * (Phi(x) + x * phi(x)), Phi the standard normal CDF and phi its
     * density.
     *
     * @param dx output, contiguous
     * @param dy upstream gradient, contiguous
     * @param x the forward input, contiguous
     */
    void geluBackward(Tensor dx, Tensor dy, Tensor x);

    /**
     * Fused scaled dot-product attention per batch b and head h:
     * S = scale · Q·Kᵀ [M, N], P = softmax over N, out = P·V [M, Dh], lse = log(sum(exp(S)))
     * per query row. No [B, H, M, N] tensor is materialized.
     *
     * @param out output [B, H, M, Dh]; may be a strided view whose last dim is contiguous
     * @param lse saved log-sum-exp [B, H, M] (output, contiguous)
     * @param q queries [B, H, M, Dh], last dim contiguous
     * @param k keys [B, H, N, Dh], last dim contiguous
     * @param v values [B, H, N, Dh], last dim contiguous
     * @param scale the score scale, usually Dh^-1/2
     */
    void attentionForward(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, float scale);

    /**
     * Attention backward, recomputing P = exp(scale·Q·Kᵀ - lse) per block: with
     * Dr = rowsum(dOut ∘ out), dV = Pᵀ·dOut, dP = dOut·Vᵀ, dS = P ∘ (dP - Dr),
     * dQ = scale·dS·K, dK = scale·dSᵀ·Q.
     *
     * @param dq output [B, H, M, Dh]; may be a strided view with contiguous last dim
     * @param dk output [B, H, N, Dh]; likewise
     * @param dv output [B, H, N, Dh]; likewise
     * @param out the forward output
     * @param lse the forward log-sum-exp [B, H, M]
     * @param dout upstream gradient [B, H, M, Dh], last dim contiguous
     * @param q forward queries
     * @param k forward keys
     * @param v forward values
     * @param scale the forward scale
     */
    void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor out, Tensor lse, Tensor dout,
                           Tensor q, Tensor k, Tensor v, float scale);

    // ---- indexing (all operands contiguous) ----

    /**
     * out[i...] = x[i with i_dim replaced by index[i...]] (torch.gather).
     *
     * @param out output, index's shape, contiguous
     * @param x input, contiguous; every dim except {@code dim} at least as large as index's
     * @param index indices along dim, contiguous
     * @param dim normalized dim
     */
    void gather(Tensor out, Tensor x, Tensor index, int dim);

    /**
     * For every position i of index: out[i with i_dim = index[i]] = src[i] (or += when
     * {@code add}); out is updated in place (torch.scatter_ / scatter_add_). Without add, when
     * several positions target the same element the last one in row-major order wins.
     *
     * @param out the tensor to update in place, contiguous
     * @param index indices along dim, contiguous
     * @param src values with index's shape, contiguous
     * @param dim normalized dim
     * @param add accumulate instead of overwrite
     */
    void scatter(Tensor out, Tensor index, Tensor src, int dim, boolean add);

    /**
     * out = x with dimension {@code dim} taken at the positions in {@code index} (torch.index_select).
     *
     * @param out output: x's shape with size(dim) = index length, contiguous
     * @param x input, contiguous
     * @param index 1-d indices, contiguous
     * @param dim normalized dim
     */
    void indexSelect(Tensor out, Tensor x, Tensor index, int dim);

    /**
     * Stable sort order over the last dimension: for each row, the indices of x's elements in
     * ascending (or descending) order; equal elements keep their original order. NaN sorts
     * after every number when ascending and before every number when descending.
     *
     * @param out output indices, x's shape, contiguous
     * @param x input, contiguous
     * @param descending sort largest first
     */
    void argsort(Tensor out, Tensor x, boolean descending);

    // ---- optimizers ----

    /**
     * One fused AdamW update (PyTorch semantics, in place):
     * p -= lr·wd·p; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²;
     * p -= lr/(1-β1^t) · m / (sqrt(v/(1-β2^t)) + eps).
     *
     * @param param parameter, updated in place, contiguous
     * @param expAvg first moment m, updated in place, contiguous
     * @param expAvgSq second moment v, updated in place, contiguous
     * @param grad gradient g, contiguous
     * @param lr learning rate for this step
     * @param beta1 first-moment decay
     * @param beta2 second-moment decay
     * @param eps added to the bias-corrected sqrt(v)
     * @param weightDecay decoupled weight decay factor
     * @param step the 1-based step number t, for bias correction
     */
    void adamwStep(Tensor param, Tensor expAvg, Tensor expAvgSq, Tensor grad, float lr, float beta1,
                   float beta2, float eps, float weightDecay, int step);
}
