package dev.jmae.distributed;

import java.util.Map;

/** Recognizes the launcher that started this process from the environment it sets. */
final class Launcher {

    private Launcher() {
    }

    /**
     * Which MPI launcher started the process.
     *
     * @param env the environment
     * @return a description, or null when no launcher's variables are present
     */
    static String detect(Map<String, String> env) {
        if (env.containsKey("OMPI_COMM_WORLD_SIZE")) {
            return "Open MPI's mpirun (" + env.get("OMPI_COMM_WORLD_SIZE") + " ranks)";
        }
        if (env.containsKey("PMIX_RANK")) {
            return "a PMIx launcher (e.g. srun --mpi=pmix)";
        }
        if (env.containsKey("PMI_RANK") || env.containsKey("PMI_SIZE")) {
            return "a PMI launcher (e.g. srun --mpi=pmi2)";
        }
        return null;
    }

    /**
     * The error for a process no launcher started.
     *
     * @param env the environment
     * @return the message, with a hint
     */
    static String missingMessage(Map<String, String> env) {
        String slurm = env.containsKey("SLURM_PROCID")
                ? " (SLURM_PROCID is set: srun started this process without an MPI plugin; add --mpi=pmix)"
                : "";
        return "mpi: this process was not started by an MPI launcher (none of OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_RANK"
                + " is set)" + slurm + ", so it would train alone; hint: start every rank with mpirun, e.g."
                + " mpirun -np 2 bin/jmae pretrain --distributed ..., or srun --mpi=pmix under Slurm;"
                + " without --distributed jmae trains in one process";
    }
}
