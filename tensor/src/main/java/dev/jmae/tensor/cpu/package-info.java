/**
 * The default {@code cpu} backend: Vector API kernels ({@code FloatVector.SPECIES_PREFERRED},
 * FMA, cache and register blocking) on a fixed thread pool. Every kernel gives the same bits
 * whether interpreted or compiled, and whatever the thread timing.
 *
 * <ul>
 *   <li>{@link dev.jmae.tensor.cpu.CpuBackend}: the Backend; movement and elementwise dispatch.</li>
 *   <li>{@code CpuElementwise}: vector row kernels for unary and binary ops.</li>
 *   <li>{@code CpuReductions}: reductions over contiguous runs of dims; matmul dispatch (batch
 *       folding, batched GEMM).</li>
 *   <li>{@code CpuNn}: softmax, log-softmax, layer norm, GELU, AdamW.</li>
 *   <li>{@code CpuAttention}: fused attention forward and backward.</li>
 *   <li>{@link dev.jmae.tensor.cpu.Gemm}, {@code GemmKernels}, {@code GemmPacking}: blocked sgemm
 *       with register-tiled micro-kernels.</li>
 *   <li>{@link dev.jmae.tensor.cpu.VectorMath}: erf, exp and a fixed-order lane sum that are
 *       bit-identical in every execution mode.</li>
 *   <li>{@link dev.jmae.tensor.cpu.Parallel}: the thread pool (spinning workers, serial fallback when busy).</li>
 * </ul>
 */
package dev.jmae.tensor.cpu;
