/**
 * The {@code reference} backend: the executable specification. Plain loops, double-precision
 * arithmetic and accumulation, no threads and no vectors; every fast kernel is tested against it.
 *
 * <ul>
 *   <li>{@link dev.jmae.tensor.reference.ReferenceBackend}: the Backend (heap storage, host
 *       transfers); {@link dev.jmae.tensor.reference.ReferenceProvider}: its ServiceLoader entry.</li>
 *   <li>The kernel families, one file each: {@link dev.jmae.tensor.reference.ReferenceElementwise},
 *       {@link dev.jmae.tensor.reference.ReferenceReductions},
 *       {@link dev.jmae.tensor.reference.ReferenceLinalg} (over
 *       {@link dev.jmae.tensor.reference.ReferenceGemm}, the scalar GEMM),
 *       {@link dev.jmae.tensor.reference.ReferenceRows} (softmax, layer norm, GELU),
 *       {@link dev.jmae.tensor.reference.ReferenceAttention},
 *       {@link dev.jmae.tensor.reference.ReferenceIndexing} (gather, scatter, index select,
 *       stable argsort), {@link dev.jmae.tensor.reference.ReferenceOptim} (AdamW).</li>
 * </ul>
 */
package dev.jmae.tensor.reference;
