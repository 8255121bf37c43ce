/**
 * Data parallelism over a {@link dev.jmae.distributed.ProcessGroup}.
 *
 * <ul>
 *   <li>{@link dev.jmae.nn.parallel.DistributedDataParallel}: wraps a module; parameters
 *       broadcast from rank 0, gradients averaged in buckets overlapped with backward,
 *       {@code noSync()} for gradient accumulation.</li>
 *   <li>{@code Reducer}: the buckets, hooks and end-of-pass reduction (PyTorch's reducer).</li>
 *   <li>{@link dev.jmae.nn.parallel.StepStats}: per step, all-reduce time and how much of it was
 *       hidden behind backward.</li>
 * </ul>
 */
package dev.jmae.nn.parallel;
