package dev.jmae.tensor;

/**
 * Fused scaled dot-product attention, forward and backward, never materializing the [B, H, M, N]
 * score tensor. Queries and keys may have different lengths (M, N); the forward saves the per-row
 * log-sum-exp that the backward uses to recompute the probabilities.
 *
 * <p>A kernel family of the backend SPI ({@link Backend#attention()}): every backend implements it in a
 * file with the stem {@code Attention} ({@code ReferenceAttention}, {@code CpuAttention}, {@code ClAttention}, ...).
 * The conventions of {@link Backend} apply: argument order outputs, saved buffers, inputs,
 * weights, sizes; outputs overwritten unless a method says otherwise; arguments already validated
 * by the tensor layer.
 */
public interface AttentionKernels {

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
}
