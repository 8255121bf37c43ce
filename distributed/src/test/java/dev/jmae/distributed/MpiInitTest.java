package dev.jmae.distributed;

import dev.jmae.distributed.testing.MpiLauncher;
import dev.jmae.tensor.BackendUnavailableException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The errors of starting MPI wrongly, in the test JVM itself (no mpirun). */
class MpiInitTest {

    @Test
    void missingLibraryNamesThePackageToInstall() {
        MpiProcessGroup.Options options = MpiProcessGroup.Options.defaults().withLibrary("libmpi-jmae-missing.so.40");
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> MpiProcessGroup.init(options));
        assertTrue(e.getMessage().startsWith("mpi: cannot load the Open MPI library libmpi-jmae-missing.so.40"),
                e.getMessage());
        assertTrue(
                e.getMessage()
                        .contains("hint: install Open MPI (Debian/Ubuntu: apt-get install libopenmpi3 openmpi-bin)"),
                e.getMessage());
    }

    @Test
    void libraryThatIsNotOpenMpiIsRefused() {
        // libc loads but exports no ompi_mpi_comm_world
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> MpiProcessGroup.init(MpiProcessGroup.Options.defaults().withLibrary("libc.so.6")));
        assertTrue(e.getMessage().startsWith("mpi: libc.so.6 is not Open MPI"), e.getMessage());
    }

    @Test
    void withoutALauncherTheErrorSaysHowToLaunch() {
        MpiLauncher.requireMpirun();
        assertNull(Launcher.detect(System.getenv()), "the test JVM itself must not run under mpirun");
        DistributedException e = assertThrows(DistributedException.class,
                () -> ProcessGroups.init("mpi", Duration.ofSeconds(5)));
        assertTrue(e.getMessage().startsWith("mpi: this process was not started by an MPI launcher"), e.getMessage());
        assertTrue(e.getMessage().contains("hint: start every rank with mpirun, e.g. mpirun -np 2 bin/jmae pretrain"
                + " --distributed"), e.getMessage());
    }

    @Test
    void launchersAreRecognizedByTheirEnvironment() {
        assertEquals("Open MPI's mpirun (4 ranks)", Launcher.detect(Map.of("OMPI_COMM_WORLD_SIZE", "4")));
        assertEquals("a PMIx launcher (e.g. srun --mpi=pmix)", Launcher.detect(Map.of("PMIX_RANK", "0")));
        assertEquals("a PMI launcher (e.g. srun --mpi=pmi2)", Launcher.detect(Map.of("PMI_RANK", "0")));
        assertNull(Launcher.detect(Map.of("SLURM_PROCID", "0")));
        assertTrue(Launcher.missingMessage(Map.of("SLURM_PROCID", "0")).contains("add --mpi=pmix"));
    }

    @Test
    void optionsRejectNonPositiveDurations() {
        assertThrows(IllegalArgumentException.class,
                () -> MpiProcessGroup.Options.defaults().withTimeout(Duration.ZERO));
        assertThrows(IllegalArgumentException.class,
                () -> MpiProcessGroup.Options.defaults().withLibrary(" "));
    }
}
