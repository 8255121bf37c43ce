/**
 * The default {@code cpu} backend: Vector API kernels ({@code FloatVector.SPECIES_PREFERRED},
 * FMA, cache and register blocking) on a fixed thread pool. Every kernel gives the same bits
 * whether interpreted or compiled, and whatever the thread timing.
 *
 * <ul>
 *   <li>{@link dev.jmae.tensor.cpu.CpuBackend}: the Backend (heap storage, host transfers);
 *       {@link dev.jmae.tensor.cpu.CpuProvider}: its ServiceLoader entry.</li>
 *   <li>The kernel families, one file each: {@code CpuElementwise} (fill, copy, vector row
 *       kernels for unary and binary ops), {@code CpuReductions} (reductions over contiguous runs
 *       of dims), {@code CpuLinalg} (matmul: batch folding, batched GEMM), {@code CpuRows}
 *       (softmax, log-softmax, layer norm, GELU), {@code CpuAttention} (fused attention forward
 *       and backward), {@code CpuIndexing} (gather, scatter; index select and argsort from the
 *       reference), {@code CpuOptim} (AdamW).</li>
 *   <li>{@link dev.jmae.tensor.cpu.Gemm}, {@code GemmKernels}, {@code GemmPacking}: blocked sgemm
 *       with register-tiled micro-kernels.</li>
 *   <li>{@link dev.jmae.tensor.cpu.VectorMath}: erf, exp and a fixed-order lane sum that are
 *       bit-identical in every execution mode.</li>
 *   <li>{@link dev.jmae.tensor.cpu.Parallel}: the thread pool (spinning workers, serial fallback when busy).</li>
 * </ul>
 */
package dev.jmae.tensor.cpu;
