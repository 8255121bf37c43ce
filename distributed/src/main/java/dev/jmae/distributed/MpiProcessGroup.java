package dev.jmae.distributed;

import dev.jmae.tensor.BackendUnavailableException;
import dev.jmae.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The process group of {@code MPI_COMM_WORLD} (a duplicate of it), on Open MPI through the
 * Foreign Function &amp; Memory API (torch.distributed's {@code mpi} backend).
 *
 * <p>Threads: every MPI call runs on one communication thread (see {@link MpiCommThread}), the
 * thread that called {@code MPI_Init_thread}, so the collectives need only {@code
 * MPI_THREAD_FUNNELED} and keep their submission order. The group requests {@code
 * MPI_THREAD_MULTIPLE} anyway, because the watchdog ends a hung job with {@code MPI_Abort} from
 * its own thread; where the library grants less (but at least FUNNELED), the watchdog halts the
 * process instead, and the launcher ends the job when it sees the rank exit non-zero. Open MPI 4.1
 * grants MULTIPLE.
 *
 * <p>Errors: the communicator's error handler is {@code MPI_ERRORS_RETURN}, so a failed call
 * returns its code, which becomes a {@link DistributedException} naming the call, the rank and
 * {@code MPI_Error_string}'s text. After any failure the group is broken: MPI's state is then
 * undefined, so later collectives fail at once, and {@link #close()} skips {@code MPI_Finalize}.
 *
 * <p>Faults: when a rank dies, {@code mpirun} sends the others SIGTERM (within about 2 s on one
 * machine); the JVM's shutdown hook of this group then prints which collective the rank was
 * waiting in. A rank that hangs instead (or a launcher that does not end the job) is caught by the
 * timeout. MPI can be initialized once per process: one group per process, closed at the end.
 */
public final class MpiProcessGroup implements ProcessGroup {

    /**
     * Settings of an MPI process group.
     *
     * @param library the Open MPI library's name or path ({@code libmpi.so.40})
     * @param timeout how long one collective may wait before it fails (torch's {@code timeout});
     *     every rank's slowest step between collectives must fit, evaluation on rank 0 included
     * @param abortGrace how long a process may live on after a timeout before the watchdog aborts
     *     the job (time for the exception to reach the top and exit the process cleanly)
     */
    public record Options(String library, Duration timeout, Duration abortGrace) {

        /** The default timeout: 30 minutes, torch.distributed's default. */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);

        /**
         * Validates.
         *
         * @throws IllegalArgumentException if a duration is not positive or the library is blank
         */
        public Options {
            if (library == null || library.isBlank()) {
                throw new IllegalArgumentException(
                        "MpiProcessGroup.Options: library must name a library, got '" + library + "'");
            }
            if (timeout.isNegative() || timeout.isZero() || abortGrace.isNegative() || abortGrace.isZero()) {
                throw new IllegalArgumentException(
                        "MpiProcessGroup.Options: timeout and abortGrace must be positive, got "
                                + timeout + " and " + abortGrace);
            }
        }

        /** @return libmpi.so.40, a 30-minute timeout, 30 s grace */
        public static Options defaults() {
            return new Options(MpiLibrary.DEFAULT_NAME, DEFAULT_TIMEOUT, Duration.ofSeconds(30));
        }

        /** @param t the timeout @return a copy with it */
        public Options withTimeout(Duration t) {
            return new Options(library, t, abortGrace);
        }

        /** @param g the grace @return a copy with it */
        public Options withAbortGrace(Duration g) {
            return new Options(library, timeout, g);
        }

        /** @param name the library name or path @return a copy with it */
        public Options withLibrary(String name) {
            return new Options(name, timeout, abortGrace);
        }
    }

    private static final AtomicBoolean INITIALIZED = new AtomicBoolean();
    /** The exit status of a job the watchdog aborted. */
    static final int EXIT_TIMEOUT = 3;
    // datatypes of bcastNative
    private static final int JAVA_FLOAT_TYPE = 0;
    private static final int INT_TYPE = 1;
    private static final int BYTE_TYPE = 2;

    private final MpiLibrary lib;
    private final MpiCommThread comm;
    private final Thread shutdownHook;
    private MemorySegment communicator;
    private int rank = -1;
    private int size = -1;
    private volatile int provided = -1;
    private volatile boolean closed;

    private MpiProcessGroup(MpiLibrary lib, Options options) {
        this.lib = lib;
        this.comm = new MpiCommThread(options.timeout(), options.abortGrace(), this::abortJob);
        this.shutdownHook = Thread.ofPlatform().name("jmae-mpi-shutdown").unstarted(this::onShutdown);
    }

    /**
     * Initializes MPI and returns the group of all ranks (torch.distributed.init_process_group("mpi")).
     * Checks, in order: the library loads and is Open MPI; the process was started by an MPI
     * launcher; MPI was not initialized before in this process; the thread level granted.
     *
     * @param options the library, timeout and abort grace
     * @return the group; close it at the end of the run on every rank
     * @throws BackendUnavailableException if libmpi cannot be loaded or is not Open MPI
     * @throws DistributedException if no launcher started this process, MPI grants too low a
     *     thread level, or an MPI call fails
     * @throws IllegalStateException if MPI was already initialized in this process
     */
    public static MpiProcessGroup init(Options options) {
        MpiLibrary lib = MpiLibrary.load(options.library());
        String launcher = Launcher.detect(System.getenv());
        if (launcher == null) {
            throw new DistributedException(Launcher.missingMessage(System.getenv()));
        }
        if (!INITIALIZED.compareAndSet(false, true)) {
            throw new IllegalStateException("MpiProcessGroup.init: MPI was already initialized in this process"
                    + " (it can be initialized once); hint: create one process group per process and pass it around");
        }
        MpiProcessGroup group = new MpiProcessGroup(lib, options);
        group.comm.submit("MPI_Init_thread", "", group::initOnCommThread, null, null).await();
        Runtime.getRuntime().addShutdownHook(group.shutdownHook);
        return group;
    }

    private void initOnCommThread() throws Throwable {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment flag = arena.allocate(JAVA_INT);
            check("MPI_Initialized", (int) lib.initialized.invokeExact(flag));
            if (flag.get(JAVA_INT, 0) != 0) {
                throw new IllegalStateException(
                        "MpiProcessGroup.init: MPI was initialized by other code in this process;"
                                + " hint: let jmae initialize it");
            }
            MemorySegment level = arena.allocate(JAVA_INT);
            // MPI_Init_thread(NULL, NULL, ...) is allowed since MPI-2; errors here abort (no handler set yet)
            check("MPI_Init_thread", (int) lib.initThread.invokeExact(MemorySegment.NULL, MemorySegment.NULL,
                    MpiLibrary.MPI_THREAD_MULTIPLE, level));
            provided = level.get(JAVA_INT, 0);
            check("MPI_Comm_set_errhandler", (int) lib.commSetErrhandler.invokeExact(lib.commWorld, lib.errorsReturn));
            MemorySegment out = arena.allocate(JAVA_INT);
            check("MPI_Comm_rank", (int) lib.commRank.invokeExact(lib.commWorld, out));
            rank = out.get(JAVA_INT, 0);
            check("MPI_Comm_size", (int) lib.commSize.invokeExact(lib.commWorld, out));
            size = out.get(JAVA_INT, 0);
            comm.setWhere("rank " + rank + " of " + size);
            if (provided < MpiLibrary.MPI_THREAD_FUNNELED) {
                throw new DistributedException(
                        "MPI_Init_thread on " + comm.where() + ": requested MPI_THREAD_MULTIPLE, got "
                                + MpiLibrary.threadLevelName(provided)
                                + "; jmae needs at least MPI_THREAD_FUNNELED (a JVM always"
                                + " runs several threads); hint: use an Open MPI built with thread support");
            }
            // a duplicate of MPI_COMM_WORLD (inheriting MPI_ERRORS_RETURN), so jmae's collectives
            // cannot match messages of other MPI users in the process
            MemorySegment dup = arena.allocate(ADDRESS);
            check("MPI_Comm_dup", (int) lib.commDup.invokeExact(lib.commWorld, dup));
            communicator = dup.get(ADDRESS, 0);
            check("MPI_Comm_set_errhandler", (int) lib.commSetErrhandler.invokeExact(communicator, lib.errorsReturn));
        }
    }

    private void check(String call, int rc) {
        if (rc != 0) {
            throw new DistributedException(call + " failed on " + comm.where() + ": " + lib.errorString(rc)
                    + " (MPI error code " + rc + ")");
        }
    }

    @Override
    public int rank() {
        return rank;
    }

    @Override
    public int worldSize() {
        return size;
    }

    @Override
    public String backend() {
        return "mpi";
    }

    /**
     * The thread level MPI granted.
     *
     * @return e.g. {@code MPI_THREAD_MULTIPLE}
     */
    public String threadLevel() {
        return MpiLibrary.threadLevelName(provided);
    }

    /**
     * The MPI library's version line.
     *
     * @return e.g. "Open MPI v4.1.4"
     */
    public String libraryVersion() {
        return lib.version();
    }

    // ============================================================================ collectives

    @Override
    public Work allReduceAsync(Tensor tensor, ReduceOp op) {
        checkOpen("allReduce");
        int n = tensor.numel();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment buffer = arena.allocate(4L * Math.max(1, n), 64);
            HostBuffers.copyIn(tensor, buffer, 0);
            return comm.submit("MPI_Allreduce", n + " floats, " + op, () -> allReduceNative(buffer, n, op),
                    () -> HostBuffers.copyOut(buffer, 0, tensor), arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public Work allReduceAsync(MemorySegment buffer, ReduceOp op) {
        checkOpen("allReduce");
        int n = HostBuffers.floatCount("allReduce", buffer);
        return comm.submit("MPI_Allreduce", n + " floats, " + op, () -> allReduceNative(buffer, n, op), null, null);
    }

    private void allReduceNative(MemorySegment buffer, int n, ReduceOp op) throws Throwable {
        MemorySegment mpiOp = switch (op) {
            case SUM, AVG -> lib.opSum;
            case MAX -> lib.opMax;
            case MIN -> lib.opMin;
        };
        check("MPI_Allreduce", (int) lib.allreduce.invokeExact(MpiLibrary.IN_PLACE, buffer, n, lib.floatType, mpiOp,
                communicator));
        if (op == ReduceOp.AVG) {
            HostBuffers.divide(buffer, n, size);
        }
    }

    @Override
    public Work broadcastAsync(Tensor tensor, int root) {
        checkOpen("broadcast");
        Collectives.checkRoot("broadcast", root, size);
        int n = tensor.numel();
        Arena arena = Arena.ofShared();
        try {
            MemorySegment buffer = arena.allocate(4L * Math.max(1, n), 64);
            boolean isRoot = root == rank;
            if (isRoot) {
                HostBuffers.copyIn(tensor, buffer, 0);
            }
            return comm.submit("MPI_Bcast", n + " floats from rank " + root,
                    () -> bcastNative(buffer, n, JAVA_FLOAT_TYPE, root),
                    isRoot ? null : () -> HostBuffers.copyOut(buffer, 0, tensor), arena);
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    @Override
    public Work broadcastAsync(MemorySegment buffer, int root) {
        checkOpen("broadcast");
        Collectives.checkRoot("broadcast", root, size);
        int n = HostBuffers.floatCount("broadcast", buffer);
        return comm.submit("MPI_Bcast", n + " floats from rank " + root,
                () -> bcastNative(buffer, n, JAVA_FLOAT_TYPE, root),
                null, null);
    }

    private MemorySegment type(int type) {
        return switch (type) {
            case JAVA_FLOAT_TYPE -> lib.floatType;
            case INT_TYPE -> lib.intType;
            default -> lib.byteType;
        };
    }

    private void bcastNative(MemorySegment buffer, int count, int type, int root) throws Throwable {
        check("MPI_Bcast", (int) lib.bcast.invokeExact(buffer, count, type(type), root, communicator));
    }

    @Override
    public Tensor allGather(Tensor tensor) {
        checkOpen("allGather");
        Collectives.checkGatherShape(tensor);
        int[] shape = tensor.shape();
        int n = tensor.numel();
        int block = 1 + Collectives.MAX_GATHER_DIMS;
        Arena arena = Arena.ofShared();
        MemorySegment myShape = arena.allocate(JAVA_INT, block);
        myShape.setAtIndex(JAVA_INT, 0, shape.length);
        for (int d = 0; d < shape.length; d++) {
            myShape.setAtIndex(JAVA_INT, 1 + d, shape[d]);
        }
        MemorySegment shapes = arena.allocate(JAVA_INT, (long) block * size);
        MemorySegment send = arena.allocate(4L * Math.max(1, n), 64);
        HostBuffers.copyIn(tensor, send, 0);
        MemorySegment recv = arena.allocate(4L * Math.max(1, n) * size, 64);
        String[] mismatch = new String[1];
        float[][] values = new float[1][];
        MpiWork work = comm.submit("MPI_Allgather", n + " floats per rank", () -> {
            check("MPI_Allgather",
                    (int) lib.allgather.invokeExact(myShape, block, lib.intType, shapes, block, lib.intType,
                            communicator));
            mismatch[0] = shapeMismatch(shapes, block);
            if (mismatch[0] == null) {
                check("MPI_Allgather", (int) lib.allgather.invokeExact(send, n, lib.floatType, recv, n, lib.floatType,
                        communicator));
            }
        }, () -> {
            if (mismatch[0] != null) {
                throw new DistributedException("allGather on " + comm.where() + ": tensor shapes differ across ranks: "
                        + mismatch[0] + "; every rank must pass the same shape");
            }
            values[0] = new float[n * size];
            MemorySegment.copy(recv, ValueLayout.JAVA_FLOAT, 0, values[0], 0, n * size);
        }, arena);
        work.await();
        int[] outShape = new int[shape.length + 1];
        outShape[0] = size;
        System.arraycopy(shape, 0, outShape, 1, shape.length);
        return Tensor.of(tensor.device(), values[0], outShape);
    }

    private String shapeMismatch(MemorySegment shapes, int block) {
        List<String> all = new ArrayList<>();
        for (int r = 0; r < size; r++) {
            int ndim = shapes.getAtIndex(JAVA_INT, (long) r * block);
            int[] s = new int[ndim];
            for (int d = 0; d < ndim; d++) {
                s[d] = shapes.getAtIndex(JAVA_INT, (long) r * block + 1 + d);
            }
            all.add(Arrays.toString(s));
        }
        if (all.stream().distinct().count() == 1) {
            return null;
        }
        StringBuilder sb = new StringBuilder();
        for (int r = 0; r < size; r++) {
            sb.append(r > 0 ? ", " : "").append("rank ").append(r).append(' ').append(all.get(r));
        }
        return sb.toString();
    }

    @Override
    public void barrier() {
        checkOpen("barrier");
        comm.submit("MPI_Barrier", "", () -> check("MPI_Barrier", (int) lib.barrier.invokeExact(communicator)),
                null, null).await();
    }

    @Override
    public byte[] broadcastBytes(byte[] data, int root) {
        checkOpen("broadcastBytes");
        Collectives.checkRoot("broadcastBytes", root, size);
        if (rank == root && data == null) {
            throw new IllegalArgumentException("broadcastBytes: the root (rank " + root + ") must pass data, got null");
        }
        Arena arena = Arena.ofShared();
        MemorySegment length = arena.allocate(JAVA_INT);
        if (rank == root) {
            length.set(JAVA_INT, 0, data.length);
        }
        MemorySegment[] bytes = new MemorySegment[1];
        byte[][] out = new byte[1][];
        comm.submit("MPI_Bcast", "bytes from rank " + root, () -> {
            bcastNative(length, 1, INT_TYPE, root);
            int n = length.get(JAVA_INT, 0);
            bytes[0] = arena.allocate(Math.max(1, n));
            if (rank == root) {
                MemorySegment.copy(data, 0, bytes[0], JAVA_BYTE, 0, n);
            }
            if (n > 0) {
                bcastNative(bytes[0], n, BYTE_TYPE, root);
            }
        }, () -> out[0] = bytes[0].asSlice(0, length.get(JAVA_INT, 0)).toArray(JAVA_BYTE), arena).await();
        return out[0];
    }

    @Override
    public List<byte[]> allGatherBytes(byte[] data) {
        checkOpen("allGatherBytes");
        Arena arena = Arena.ofShared();
        MemorySegment myLength = arena.allocate(JAVA_INT);
        myLength.set(JAVA_INT, 0, data.length);
        MemorySegment send = arena.allocate(Math.max(1, data.length));
        MemorySegment.copy(data, 0, send, JAVA_BYTE, 0, data.length);
        MemorySegment lengths = arena.allocate(JAVA_INT, size);
        MemorySegment displacements = arena.allocate(JAVA_INT, size);
        MemorySegment[] recv = new MemorySegment[1];
        List<byte[]> out = new ArrayList<>();
        comm.submit("MPI_Allgatherv", "bytes", () -> {
            check("MPI_Allgather", (int) lib.allgather.invokeExact(myLength, 1, lib.intType, lengths, 1, lib.intType,
                    communicator));
            long total = 0;
            for (int r = 0; r < size; r++) {
                displacements.setAtIndex(JAVA_INT, r, (int) total);
                total += lengths.getAtIndex(JAVA_INT, r);
            }
            if (total > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("allGatherBytes: " + total + " bytes in all exceed 2^31 - 1");
            }
            recv[0] = arena.allocate(Math.max(1, total));
            check("MPI_Allgatherv", (int) lib.allgatherv.invokeExact(send, data.length, lib.byteType, recv[0], lengths,
                    displacements, lib.byteType, communicator));
        }, () -> {
            for (int r = 0; r < size; r++) {
                long offset = displacements.getAtIndex(JAVA_INT, r);
                out.add(recv[0].asSlice(offset, lengths.getAtIndex(JAVA_INT, r)).toArray(JAVA_BYTE));
            }
        }, arena).await();
        return out;
    }

    // ============================================================================ lifecycle

    /**
     * Frees the communicator and finalizes MPI (collective: every rank must call it), then stops
     * the communication thread. A broken group skips MPI_Finalize (it could hang), so the process
     * ends as a failed rank. Idempotent.
     *
     * @throws DistributedException if MPI_Finalize fails
     */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // close() called from another shutdown hook: ours runs anyway and sees closed
        }
        try {
            if (comm.broken() == null) {
                comm.submit("MPI_Finalize", "", () -> {
                    MemorySegment handle = Arena.ofAuto().allocate(ADDRESS);
                    handle.set(ADDRESS, 0, communicator);
                    check("MPI_Comm_free", (int) lib.commFree.invokeExact(handle));
                    check("MPI_Finalize", (int) lib.finalizeMpi.invokeExact());
                }, null, null).await();
            }
        } finally {
            comm.stop();
            comm.join(Duration.ofSeconds(5));
        }
    }

    private void checkOpen(String op) {
        if (closed) {
            throw new IllegalStateException(op + ": the process group was closed");
        }
    }

    /** The watchdog's last resort: MPI_Abort where the thread level allows it from this thread, else halt. */
    private void abortJob() {
        if (provided == MpiLibrary.MPI_THREAD_MULTIPLE) {
            try {
                int rc = (int) lib.abort.invokeExact(lib.commWorld, EXIT_TIMEOUT);
                if (rc == 0) {
                    return;
                }
            } catch (Throwable t) {
                // fall through to halt
            }
        }
        Runtime.getRuntime().halt(EXIT_TIMEOUT);
    }

    private void onShutdown() {
        if (closed) {
            return;
        }
        String inFlight = comm.inFlight();
        System.err.println("jmae distributed: " + comm.where() + " is exiting with its MPI process group still open"
                + (inFlight != null ? ", while waiting in " + inFlight : "")
                + "; if the launcher stopped it because another rank failed, its message names that rank");
        System.err.flush();
    }

    @Override
    public String toString() {
        return "MpiProcessGroup(" + comm.where() + ", " + threadLevel() + ")";
    }
}
