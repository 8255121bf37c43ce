package dev.jmae.distributed;

import dev.jmae.distributed.testing.MpiLauncher;
import dev.jmae.distributed.testing.MpiLauncher.Result;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A rank that fails mid-run ends the whole job, non-zero, with a message saying what happened,
 * well within 60 s (the bound): mpirun kills the others when a rank dies; the process
 * group's timeout catches a rank that hangs; its watchdog aborts a job whose survivor ignores
 * the timeout. Rank 1 fails at its fourth all-reduce while rank 0 keeps all-reducing.
 */
@Tag("slow")
class MpiFaultTest {

    private static final Duration BOUND = Duration.ofSeconds(60);
    /** The job may take longer than the bound only to be reported as a failure, not to hang the suite. */
    private static final Duration LIMIT = Duration.ofSeconds(150);

    private static Result runFault(String how, String timeoutMillis) {
        Result r = MpiLauncher.run(2, MpiWorker.class, LIMIT, how, timeoutMillis);
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(r.elapsed().compareTo(BOUND) < 0, "took " + r.elapsed() + ":\n" + r.output());
        assertTrue(r.output().contains("rank=1 failing=" + how), r.output());
        return r;
    }

    @Test
    void rankThatExitsEndsTheJob() {
        Result r = runFault("dies", "600000");
        // mpirun's message names the failed rank and its status; ours says where rank 0 was waiting
        assertTrue(r.output().contains("Exit code:    7"), r.output());
        assertTrue(r.output().contains("jmae distributed: rank 0 of 2 is exiting with its MPI process group still open,"
                + " while waiting in MPI_Allreduce"), r.output());
    }

    @Test
    void rankKilledWithSigkillEndsTheJob() {
        Result r = runFault("killed", "600000");
        assertTrue(r.output().contains("exited on signal 9"), r.output());
        assertTrue(r.output().contains("jmae distributed: rank 0 of 2 is exiting with its MPI process group still open,"
                + " while waiting in MPI_Allreduce"), r.output());
    }

    @Test
    void hungRankTimesOutTheCollective() {
        Result r = runFault("hangs", "3000");
        assertTrue(r.output()
                .contains("MPI_Allreduce (collective #5: 16 floats, AVG) did not complete within 3 s on rank 0"
                        + " of 2"),
                r.output());
    }

    @Test
    void watchdogAbortsWhenTheTimeoutIsIgnored() {
        Result r = runFault("swallows", "3000");
        assertTrue(r.output().contains("rank=0 swallowed=MPI_Allreduce"), r.output());
        assertTrue(r.output().contains("still blocked 3 s later, so aborting the job"), r.output());
        // MPI_Abort's error code is the job's exit status
        assertTrue(r.exitCode() == MpiProcessGroup.EXIT_TIMEOUT, "exit " + r.exitCode() + "\n" + r.output());
    }
}
