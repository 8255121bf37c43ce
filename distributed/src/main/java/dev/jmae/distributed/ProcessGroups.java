package dev.jmae.distributed;

import java.time.Duration;

/**
 * Creates the process group of a run (torch.distributed.init_process_group).
 */
public final class ProcessGroups {

    private ProcessGroups() {
    }

    /**
     * Creates a process group.
     *
     * @param backend {@code mpi} (Open MPI; the process must be started by mpirun or srun) or
     *     {@code single} (one process, collectives are identities)
     * @param timeout how long one collective may wait before it fails (MPI only)
     * @return the group; close it at the end of the run
     * @throws IllegalArgumentException if the backend is unknown
     * @throws dev.jmae.tensor.BackendUnavailableException if Open MPI cannot be loaded
     * @throws DistributedException if the mpi backend has no launcher or MPI fails
     */
    public static ProcessGroup init(String backend, Duration timeout) {
        return switch (backend) {
            case "mpi" -> MpiProcessGroup.init(MpiProcessGroup.Options.defaults().withTimeout(timeout));
            case "single" -> new SingleProcessGroup();
            default -> throw new IllegalArgumentException("ProcessGroups.init: unknown backend '" + backend
                    + "'; expected mpi or single");
        };
    }

    /**
     * Whether an MPI launcher (mpirun, or srun with an MPI plugin) started this process, judged
     * from the environment it sets; lets a CLI say "you ran mpirun but forgot --distributed".
     *
     * @return true under mpirun or srun --mpi=...
     */
    public static boolean launchedByMpi() {
        return Launcher.detect(System.getenv()) != null;
    }
}
