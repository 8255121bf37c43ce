package dev.jmae.distributed;

import dev.jmae.tensor.BackendUnavailableException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * Downcall handles to Open MPI's C API ({@code libmpi.so.40}) and its predefined handles.
 *
 * <p>Open MPI's ABI: {@code MPI_Comm}, {@code MPI_Datatype}, {@code MPI_Op} and {@code
 * MPI_Errhandler} are pointers, and the predefined ones are the addresses of exported data
 * symbols ({@code MPI_COMM_WORLD} is {@code &ompi_mpi_comm_world}, {@code MPI_FLOAT} is
 * {@code &ompi_mpi_float}, {@code MPI_SUM} is {@code &ompi_mpi_op_sum}; {@code nm -D
 * libmpi.so.40} lists them); {@code MPI_IN_PLACE} is {@code (void *) 1}. MPICH's ABI (integer
 * handles) is different, which is why a library without these symbols is refused.
 *
 * <p>Open MPI does not replace signal handlers that are already installed when {@code MPI_Init}
 * runs ({@code opal_signal}), so the JVM's SIGSEGV handling (implicit null checks) survives.
 */
final class MpiLibrary {

    static final int MPI_THREAD_SINGLE = 0;
    static final int MPI_THREAD_FUNNELED = 1;
    static final int MPI_THREAD_SERIALIZED = 2;
    static final int MPI_THREAD_MULTIPLE = 3;
    static final MemorySegment IN_PLACE = MemorySegment.ofAddress(1);
    /** MPI_MAX_ERROR_STRING and MPI_MAX_LIBRARY_VERSION_STRING are 256 in Open MPI 4 (mpi.h). */
    private static final int MAX_STRING = 256;
    /** Open MPI's default library name on Linux (soname of Open MPI 3, 4 and 5). */
    static final String DEFAULT_NAME = "libmpi.so.40";

    final String name;
    final MemorySegment commWorld;
    final MemorySegment errorsReturn;
    final MemorySegment floatType;
    final MemorySegment intType;
    final MemorySegment byteType;
    final MemorySegment opSum;
    final MemorySegment opMax;
    final MemorySegment opMin;

    final MethodHandle initialized;
    final MethodHandle initThread;
    final MethodHandle finalizeMpi;
    final MethodHandle commRank;
    final MethodHandle commSize;
    final MethodHandle commDup;
    final MethodHandle commFree;
    final MethodHandle commSetErrhandler;
    final MethodHandle allreduce;
    final MethodHandle bcast;
    final MethodHandle allgather;
    final MethodHandle allgatherv;
    final MethodHandle barrier;
    final MethodHandle abort;
    private final MethodHandle errorString;
    private final MethodHandle libraryVersion;

    private MpiLibrary(String name, SymbolLookup lib) {
        this.name = name;
        Linker linker = Linker.nativeLinker();
        commWorld = data(lib, "ompi_mpi_comm_world");
        errorsReturn = data(lib, "ompi_mpi_errors_return");
        floatType = data(lib, "ompi_mpi_float");
        intType = data(lib, "ompi_mpi_int");
        byteType = data(lib, "ompi_mpi_byte");
        opSum = data(lib, "ompi_mpi_op_sum");
        opMax = data(lib, "ompi_mpi_op_max");
        opMin = data(lib, "ompi_mpi_op_min");
        initialized = fn(linker, lib, "MPI_Initialized", ADDRESS);
        initThread = fn(linker, lib, "MPI_Init_thread", ADDRESS, ADDRESS, JAVA_INT, ADDRESS);
        finalizeMpi = fn(linker, lib, "MPI_Finalize");
        commRank = fn(linker, lib, "MPI_Comm_rank", ADDRESS, ADDRESS);
        commSize = fn(linker, lib, "MPI_Comm_size", ADDRESS, ADDRESS);
        commDup = fn(linker, lib, "MPI_Comm_dup", ADDRESS, ADDRESS);
        commFree = fn(linker, lib, "MPI_Comm_free", ADDRESS);
        commSetErrhandler = fn(linker, lib, "MPI_Comm_set_errhandler", ADDRESS, ADDRESS);
        // MPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm)
        allreduce = fn(linker, lib, "MPI_Allreduce", ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        // MPI_Bcast(buffer, count, datatype, root, comm)
        bcast = fn(linker, lib, "MPI_Bcast", ADDRESS, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
        // MPI_Allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm)
        allgather = fn(linker, lib, "MPI_Allgather", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        // MPI_Allgatherv(sendbuf, sendcount, sendtype, recvbuf, recvcounts[], displs[], recvtype, comm)
        allgatherv = fn(linker, lib, "MPI_Allgatherv", ADDRESS, JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS,
                ADDRESS);
        barrier = fn(linker, lib, "MPI_Barrier", ADDRESS);
        abort = fn(linker, lib, "MPI_Abort", ADDRESS, JAVA_INT);
        errorString = fn(linker, lib, "MPI_Error_string", JAVA_INT, ADDRESS, ADDRESS);
        libraryVersion = fn(linker, lib, "MPI_Get_library_version", ADDRESS, ADDRESS);
    }

    /**
     * Loads Open MPI.
     *
     * @param name a library name the dynamic linker searches for, or a path
     * @return the bindings
     * @throws BackendUnavailableException if the library is missing or is not Open MPI
     */
    @SuppressWarnings("restricted") // binding native code is this class's purpose; bin/jmae enables native access
    static MpiLibrary load(String name) {
        SymbolLookup lib;
        try {
            lib = SymbolLookup.libraryLookup(name, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new BackendUnavailableException("mpi: cannot load the Open MPI library " + name + " ("
                    + e.getMessage()
                    + "); hint: install Open MPI (Debian/Ubuntu: apt-get install libopenmpi3 openmpi-bin), or put the"
                    + " directory holding libmpi.so.40 on LD_LIBRARY_PATH", e);
        }
        if (lib.find("ompi_mpi_comm_world").isEmpty()) {
            throw new BackendUnavailableException("mpi: " + name
                    + " is not Open MPI (it exports no ompi_mpi_comm_world);"
                    + " jmae binds Open MPI's ABI, where MPI_COMM_WORLD is that symbol's address; hint: use Open MPI 4 or 5");
        }
        return new MpiLibrary(name, lib);
    }

    private static MemorySegment data(SymbolLookup lib, String symbol) {
        return lib.find(symbol).orElseThrow(() -> new BackendUnavailableException(
                "mpi: the Open MPI library lacks the symbol " + symbol + "; hint: use Open MPI 4 or 5"));
    }

    @SuppressWarnings("restricted")
    private static MethodHandle fn(Linker linker, SymbolLookup lib, String symbol,
                                   java.lang.foreign.MemoryLayout... args) {
        MemorySegment address = lib.find(symbol).orElseThrow(() -> new BackendUnavailableException(
                "mpi: the Open MPI library lacks the function " + symbol + "; hint: use Open MPI 4 or 5"));
        return linker.downcallHandle(address, FunctionDescriptor.of(JAVA_INT, args));
    }

    /**
     * MPI's text for an error code (MPI_Error_string); never throws.
     *
     * @param code the code an MPI call returned
     * @return e.g. "MPI_ERR_TRUNCATE: message truncated"
     */
    String errorString(int code) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(MAX_STRING);
            MemorySegment length = arena.allocate(JAVA_INT);
            int rc = (int) errorString.invokeExact(code, text, length);
            if (rc != 0) {
                return "unknown MPI error";
            }
            int n = Math.max(0, Math.min(MAX_STRING, length.get(JAVA_INT, 0)));
            return new String(text.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.US_ASCII).trim();
        } catch (Throwable t) {
            return "unknown MPI error (MPI_Error_string failed: " + t + ")";
        }
    }

    /**
     * The library's version text (MPI_Get_library_version; callable before MPI_Init).
     *
     * @return e.g. "Open MPI v4.1.4, package: Debian OpenMPI, ..."
     */
    String version() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment text = arena.allocate(MAX_STRING);
            MemorySegment length = arena.allocate(JAVA_INT);
            int rc = (int) libraryVersion.invokeExact(text, length);
            if (rc != 0) {
                return "unknown";
            }
            int n = Math.max(0, Math.min(MAX_STRING, length.get(JAVA_INT, 0)));
            String v = new String(text.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.US_ASCII).trim();
            int comma = v.indexOf(',');
            return comma > 0 ? v.substring(0, comma) : v;
        } catch (Throwable t) {
            return "unknown";
        }
    }

    static String threadLevelName(int level) {
        return switch (level) {
            case MPI_THREAD_SINGLE -> "MPI_THREAD_SINGLE";
            case MPI_THREAD_FUNNELED -> "MPI_THREAD_FUNNELED";
            case MPI_THREAD_SERIALIZED -> "MPI_THREAD_SERIALIZED";
            case MPI_THREAD_MULTIPLE -> "MPI_THREAD_MULTIPLE";
            default -> "thread level " + level;
        };
    }
}
