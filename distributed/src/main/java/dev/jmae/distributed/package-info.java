/**
 * Process groups in the shape of torch.distributed: data-parallel training across processes and
 * machines on Open MPI, bound through the Foreign Function &amp; Memory API (no JNI, no Java
 * MPI jar). {@code DistributedDataParallel} lives in {@code dev.jmae.nn.parallel} and uses these.
 *
 * <ul>
 *   <li>{@link dev.jmae.distributed.ProcessGroup}: rank, world size, all-reduce (sum, average,
 *       max, min), broadcast, all-gather, barrier, bytes for configs; async forms return a
 *       {@link dev.jmae.distributed.Work}. {@link dev.jmae.distributed.ReduceOp}.</li>
 *   <li>{@link dev.jmae.distributed.ProcessGroups}: {@code init("mpi" | "single", timeout)}.</li>
 *   <li>{@link dev.jmae.distributed.MpiProcessGroup}: Open MPI; {@code MpiLibrary} holds the
 *       downcalls and predefined handles, {@code MpiCommThread} the one thread making MPI calls
 *       and the timeout watchdog, {@code MpiWork} a queued collective, {@code Launcher} the
 *       mpirun/srun detection.</li>
 *   <li>{@link dev.jmae.distributed.SingleProcessGroup}: world size 1.</li>
 *   <li>{@link dev.jmae.distributed.HostBuffers}: tensor to native-segment copies (why not
 *       zero-copy: see there).</li>
 *   <li>{@link dev.jmae.distributed.ConfigAgreement}: all ranks run the same config, or all fail
 *       naming the first differing field.</li>
 *   <li>{@link dev.jmae.distributed.DistributedException}: MPI errors, timeouts, disagreements.</li>
 * </ul>
 *
 * <p>Design, launch commands and the scaling model: {@code docs/distributed.md}.
 */
package dev.jmae.distributed;
