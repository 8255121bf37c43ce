package dev.jmae.crossmae.cli;

import dev.jmae.crossmae.train.RunDirectory;
import dev.jmae.crossmae.train.TinyRuns;
import dev.jmae.distributed.testing.MpiLauncher;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * What {@code jmae pretrain --distributed} does when something is wrong, end to end on the real
 * command (the distributed module's fault tests cover the process group alone): a rank killed
 * or frozen mid-run ends the job non-zero within 60 s with messages that say what happened;
 * ranks that disagree on the config stop before anything is written, naming the field; and the
 * launch mistakes (no mpirun, no libmpi, mpirun without --distributed) are refused with a hint.
 */
class DistributedPretrainFaultTest {

    /** The bound on how long the surviving rank may live on after a rank failed. */
    private static final Duration BOUND = Duration.ofSeconds(60);
    private static final Duration LIMIT = Duration.ofSeconds(180);

    @TempDir
    Path dir;

    private Path config(String extra) throws IOException {
        Path data = TinyRuns.dataset(dir);
        Path file = dir.resolve("tiny.json");
        Files.writeString(file, TinyRuns.config(data, "\"batch_size\": 8, \"num_workers\": 1" + extra).toPrettyJson());
        return file;
    }

    /** Starts a long 2-rank run, waits until rank 0 has logged a step, and returns it with rank 1's pid. */
    private record Started(MpiLauncher.Running job, long rank1) {
    }

    private Started startLongRun(Path run, String... extra) throws IOException, InterruptedException {
        Path cfg = config(", \"epochs\": 1000, \"eval_every\": 0, \"save_every\": 1000");
        List<String> args = new java.util.ArrayList<>(List.of("pretrain", "--distributed", "--config", cfg.toString(),
                "--out", run.toString(), "--no-progress"));
        args.addAll(List.of(extra));
        MpiLauncher.Running job = MpiLauncher.start(2, Main.class, args.toArray(String[]::new));
        Path metrics = new RunDirectory(run).metrics();
        long deadline = System.nanoTime() + LIMIT.toNanos();
        while (!(Files.exists(metrics) && Files.readString(metrics).contains("\"type\":\"step\""))) {
            if (!job.process().isAlive() || System.nanoTime() > deadline) {
                job.kill();
                fail("the run logged no step (alive: " + job.process().isAlive() + "); output:\n" + job.output());
            }
            Thread.sleep(200);
        }
        return new Started(job, rankPid(job, 1));
    }

    /** The pid of a rank's JVM among mpirun's descendants, from the OMPI_COMM_WORLD_RANK in its environment. */
    private static long rankPid(MpiLauncher.Running job, int rank) throws IOException {
        for (ProcessHandle p : job.process().descendants().toList()) {
            Path environ = Path.of("/proc", Long.toString(p.pid()), "environ");
            if (!Files.isReadable(environ)) {
                continue;
            }
            String env = new String(Files.readAllBytes(environ), StandardCharsets.UTF_8);
            if (("\0" + env).contains("\0OMPI_COMM_WORLD_RANK=" + rank + "\0")) {
                return p.pid();
            }
        }
        job.kill();
        Assumptions.abort("no /proc/PID/environ naming rank " + rank + " (not Linux?)");
        return -1;
    }

    @Test
    void aRankKilledMidRunEndsTheJobWithinAMinute() throws Exception {
        Started s = startLongRun(dir.resolve("run"));
        long killed = System.nanoTime();
        ProcessHandle.of(s.rank1()).ifPresent(ProcessHandle::destroyForcibly);
        MpiLauncher.Result r = s.job().await(LIMIT);
        Duration after = Duration.ofNanos(System.nanoTime() - killed);
        System.out.println("killed rank 1; the job ended " + after + " later with exit " + r.exitCode());
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(after.compareTo(BOUND) < 0,
                "the job lived on " + after + " after rank 1 was killed:\n" + r.output());
        // mpirun names the rank and the signal; rank 0 says it left with its group open
        assertTrue(r.output().contains("rank 1") && r.output().contains("signal 9"), r.output());
        assertTrue(
                r.output().contains("jmae distributed: rank 0 of 2 is exiting with its MPI process group still open"),
                r.output());
    }

    @Test
    void aFrozenRankTimesOutTheOthersCollective() throws Exception {
        Started s = startLongRun(dir.resolve("run"), "--dist-timeout", "5");
        long stopped = System.nanoTime();
        Process stop = new ProcessBuilder("kill", "-STOP", Long.toString(s.rank1())).start();
        assertEquals(0, stop.waitFor(), "kill -STOP");
        MpiLauncher.Result r = s.job().await(LIMIT);
        Duration after = Duration.ofNanos(System.nanoTime() - stopped);
        System.out.println("froze rank 1; the job ended " + after + " later with exit " + r.exitCode());
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(after.compareTo(BOUND) < 0, "the job lived on " + after + " after rank 1 froze:\n" + r.output());
        assertTrue(r.output().contains("did not complete within 5 s on rank 0 of 2"), r.output());
        assertTrue(r.output().contains("jmae pretrain: "), "the CLI reports the failure: " + r.output());
    }

    @Test
    void ranksThatDisagreeOnTheConfigFailAtStartNamingTheField() throws IOException {
        Path cfg = config("");
        Path run = dir.resolve("run");
        List<String> common = List.of("pretrain", "--distributed", "--config", cfg.toString(), "--out", run.toString(),
                "--no-progress");
        List<String> other = new java.util.ArrayList<>(common);
        other.addAll(List.of("--set", "mask_ratio=0.8"));
        MpiLauncher.Result r = MpiLauncher.runEach(Main.class, LIMIT, List.of(common, other));
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(
                r.output()
                        .contains("the ranks' configs differ: field 'mask_ratio' is 0.75 on rank 0 but 0.8 on rank 1"),
                r.output());
        assertFalse(Files.exists(new RunDirectory(run).config()), "nothing is written when the ranks disagree");
    }

    @Test
    void mpirunWithoutDistributedIsRefused() throws IOException {
        Path cfg = config("");
        MpiLauncher.Result r = MpiLauncher.run(2, Main.class, LIMIT, "pretrain", "--config", cfg.toString(), "--out",
                dir.resolve("run").toString(), "--no-progress");
        assertNotEquals(0, r.exitCode(), r.output());
        assertTrue(
                r.output().contains("this process is one of 2 ranks that an MPI launcher started, but --distributed is"
                        + " not set") && r.output().contains("hint: add --distributed"),
                r.output());
    }

    private record Cli(int code, String err) {
    }

    private static Cli cli(String... args) {
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(new StringWriter()), new PrintWriter(err));
        return new Cli(code, err.toString());
    }

    @Test
    void distributedWithoutALauncherSaysHowToLaunch() throws IOException {
        Assumptions.assumeTrue(MpiLauncher.mpirun() != null || "true".equals(System.getenv("CI")),
                "Open MPI is not installed (the missing-library case is tested below)");
        Cli r = cli("pretrain", "--distributed", "--config", config("").toString(), "--out",
                dir.resolve("run").toString());
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("this process was not started by an MPI launcher"), r.err());
        assertTrue(
                r.err().contains(
                        "hint: start every rank with mpirun, e.g. mpirun -np 2 bin/jmae pretrain --distributed"),
                r.err());
    }

    @Test
    void aMissingMpiLibrarySaysHowToInstallIt() throws IOException {
        Path missing = dir.resolve("no-mpi").resolve("libmpi.so.40");
        Cli r = cli("pretrain", "--distributed", "--mpi-library", missing.toString(), "--config", config("").toString(),
                "--out", dir.resolve("run").toString());
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("mpi: cannot load the Open MPI library " + missing), r.err());
        assertTrue(r.err().contains("hint: install Open MPI (Debian/Ubuntu: apt-get install libopenmpi3 openmpi-bin)"),
                r.err());
        assertFalse(Files.exists(dir.resolve("run")), "nothing is written");
    }
}
