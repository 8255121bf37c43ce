/**
 * The {@code reference} backend: the executable specification. Plain loops, double-precision
 * arithmetic and accumulation, no threads and no vectors; every fast kernel is tested against it.
 *
 * <ul>
 *   <li>{@link dev.jmae.tensor.reference.ReferenceBackend}: the Backend; movement, elementwise,
 *       reductions, matmul dispatch, AdamW.</li>
 *   <li>{@link dev.jmae.tensor.reference.ReferenceGemm}: the scalar GEMM.</li>
 *   <li>{@code ReferenceNn}: softmax, layer norm, GELU, attention forward and backward.</li>
 *   <li>{@link dev.jmae.tensor.reference.ReferenceIndexing}: gather, scatter, index select,
 *       stable argsort.</li>
 * </ul>
 */
package dev.jmae.tensor.reference;
