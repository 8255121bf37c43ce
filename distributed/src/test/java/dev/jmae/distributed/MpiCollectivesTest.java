package dev.jmae.distributed;

import dev.jmae.distributed.testing.MpiLauncher;
import dev.jmae.distributed.testing.MpiLauncher.Result;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Collectives of the MPI process group on two ranks ({@code mpirun -np 2}, one thread per rank),
 * checked on both ranks against values worked out by hand; every value is a small integer or
 * half, so float32 sums are exact and the expected strings are exact.
 */
class MpiCollectivesTest {

    private static final Duration LIMIT = Duration.ofSeconds(120);

    @Test
    void collectivesGiveExactResultsOnBothRanks() {
        Result r = MpiLauncher.run(2, MpiWorker.class, LIMIT, "collectives");
        assertEquals(0, r.exitCode(), r.output());
        for (int rank = 0; rank < 2; rank++) {
            assertEquals("2", r.value(rank, "worldSize"));
            assertEquals("MPI_THREAD_MULTIPLE", r.value(rank, "threadLevel"));
            // rank r holds [r+1, 2(r+1), 0.5, -r, 3]
            assertEquals("[3.0, 6.0, 1.0, -1.0, 6.0]", r.value(rank, "allReduceSUM"));
            assertEquals("[1.5, 3.0, 0.5, -0.5, 3.0]", r.value(rank, "allReduceAVG"));
            assertEquals("[2.0, 4.0, 0.5, 0.0, 3.0]", r.value(rank, "allReduceMAX"));
            assertEquals("[1.0, 2.0, 0.5, -1.0, 3.0]", r.value(rank, "allReduceMIN"));
            // (1 + 2) x [[1,2,3],[4,5,6]] transposed, read row-major
            assertEquals("[3.0, 12.0, 6.0, 15.0, 9.0, 18.0]", r.value(rank, "allReduceStrided"));
            assertEquals("[10.0, 20.0, 30.0]", r.value(rank, "broadcast"));
            assertEquals("[2, 2]", r.value(rank, "allGatherShape"));
            assertEquals("[0.0, 0.5, 1.0, 1.5]", r.value(rank, "allGather"));
            assertEquals("passed", r.value(rank, "barrier"));
            assertEquals("from rank 0", r.value(rank, "broadcastBytes"));
            assertEquals("[r0, r1xxx]", r.value(rank, "allGatherBytes"));
            // SUM of [0, 1] and MAX of [0, 10]; the second collective started after the first ended
            assertEquals("[1.0, 10.0] ordered=true", r.value(rank, "async"));
            assertEquals("0", r.value(rank, "segmentWrong"));
            assertEquals("true", r.value(rank, "closed"));
        }
    }

    @Test
    void mpiErrorNamesTheCallAndBreaksTheGroup() {
        Result r = MpiLauncher.run(2, MpiWorker.class, LIMIT, "truncate");
        // rank 1 receives 8 floats into 4: Open MPI reports the truncation on the receiver
        String error = r.value(1, "error");
        assertTrue(error.startsWith("MPI_Bcast failed on rank 1 of 2: MPI_ERR_TRUNCATE"), error);
        assertTrue(error.contains("(MPI error code 15)"), error);
        String after = r.value(1, "afterError");
        assertTrue(
                after.startsWith("MPI_Barrier on rank 1 of 2: the process group is unusable after an earlier failure"),
                after);
        // rank 1 exits without MPI_Finalize, so mpirun reports the job as failed
        assertNotEquals(0, r.exitCode(), r.output());
    }

    @Test
    void differingConfigsFailOnEveryRankNamingTheField() {
        Result r = MpiLauncher.run(2, MpiWorker.class, LIMIT, "config");
        assertEquals(0, r.exitCode(), r.output());
        for (int rank = 0; rank < 2; rank++) {
            assertEquals("passed", r.value(rank, "same"));
            assertTrue(r.value(rank, "different").startsWith(
                    "the ranks' configs differ: field 'batch_size' is 64 on rank 0 but 32 on rank 1;"), r.output());
        }
    }
}
