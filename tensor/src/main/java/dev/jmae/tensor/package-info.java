/**
 * n-dimensional float32 tensors, devices and the backend SPI.
 *
 * <ul>
 *   <li>{@link dev.jmae.tensor.Tensor}: the array and its ops (creation, movement, elementwise,
 *       reductions, matmul, indexing, in-place updates); {@link dev.jmae.tensor.Functional}: the
 *       neural-network kernels (softmax, layer norm, GELU, attention, AdamW) and their backward
 *       passes.</li>
 *   <li>{@link dev.jmae.tensor.Device}, {@link dev.jmae.tensor.Backend} (the SPI: storage, host
 *       transfers and seven kernel families, {@link dev.jmae.tensor.ElementwiseKernels},
 *       {@link dev.jmae.tensor.ReductionKernels}, {@link dev.jmae.tensor.LinalgKernels},
 *       {@link dev.jmae.tensor.RowKernels}, {@link dev.jmae.tensor.AttentionKernels},
 *       {@link dev.jmae.tensor.IndexingKernels}, {@link dev.jmae.tensor.OptimKernels}),
 *       {@link dev.jmae.tensor.BackendProvider} (how every backend is found, through
 *       ServiceLoader), {@link dev.jmae.tensor.Backends} (registry and the force-reference
 *       switch), {@link dev.jmae.tensor.Settings} (every system property jmae reads).</li>
 *   <li>{@link dev.jmae.tensor.Storage}, {@link dev.jmae.tensor.HeapStorage},
 *       {@link dev.jmae.tensor.MemoryStats} (live and peak bytes, host transfers),
 *       {@link dev.jmae.tensor.TensorScope} (deterministic release).</li>
 *   <li>{@link dev.jmae.tensor.Generator}: seeded randomness, identical on every device.</li>
 *   <li>{@link dev.jmae.tensor.Shape}, {@link dev.jmae.tensor.StridedLoop},
 *       {@link dev.jmae.tensor.Indices}: helpers for backend implementers;
 *       {@link dev.jmae.tensor.UnaryOp}, {@link dev.jmae.tensor.BinaryOp},
 *       {@link dev.jmae.tensor.ReduceOp}: op enums with their double-precision definitions.</li>
 *   <li>Package-private dispatch by kind: {@code Views}, {@code Elementwise}, {@code Reductions},
 *       {@code Linalg}, {@code Indexing}.</li>
 * </ul>
 *
 * <p>Backends: {@link dev.jmae.tensor.reference} (the executable spec) and
 * {@link dev.jmae.tensor.cpu} (the default), each one file per kernel family with the family's
 * stem (docs/kernels.md). File format: {@link dev.jmae.tensor.io}.
 */
package dev.jmae.tensor;
