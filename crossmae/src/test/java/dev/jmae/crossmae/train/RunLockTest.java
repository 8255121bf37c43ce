package dev.jmae.crossmae.train;

import dev.jmae.crossmae.config.ConfigException;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 20, bad-input finding 7: a run holds a lock on its directory, so a second run on the same
 * {@code --out} (or {@code --resume}) fails at once naming the holder's pid, instead of both
 * running to exit 0 with interleaved metrics and whichever files were written last; the lock goes
 * when the run ends.
 */
class RunLockTest {

    @TempDir
    Path dir;

    @Test
    void aSecondRunOnADirectoryAnotherProcessHoldsFailsAtOnceNamingItsPid() throws Exception {
        Path runDir = dir.resolve("run");
        Files.createDirectories(runDir);
        // another process holding the directory as a jmae run does: a POSIX lock on .lock, its pid inside
        String holder = "import fcntl, os, sys, time\n"
                + "f = open(sys.argv[1], 'a+')\n"
                + "fcntl.lockf(f, fcntl.LOCK_EX)\n"
                + "f.seek(0); f.truncate(); f.write(str(os.getpid()) + '\\n'); f.flush()\n"
                + "print('locked', flush=True)\n"
                + "time.sleep(60)\n";
        Process p;
        try {
            p = new ProcessBuilder("python3", "-c", holder, runDir.resolve(RunLock.FILE).toString()).start();
        } catch (java.io.IOException e) {
            assumeTrue(false, "python3 is needed for this test: " + e.getMessage());
            return;
        }
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            Path data = TinyRuns.dataset(dir);
            ConfigException e = assertThrows(ConfigException.class,
                    () -> Pretrainer.create(TinyRuns.config(data, ""), runDir,
                            Device.CPU, dir, TinyRuns.QUIET, false));
            assertTrue(
                    e.getMessage().contains(runDir + " is in use by another jmae run (pid " + p.pid() + ", holding "),
                    e.getMessage());
            assertFalse(Files.exists(runDir.resolve("config.json")), "nothing was written");
        } finally {
            p.destroy();
            p.waitFor(10, TimeUnit.SECONDS);
        }
        // the holder is gone, and with it its lock
        Path data = TinyRuns.dataset(dir);
        Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"), runDir, Device.CPU, dir, TinyRuns.QUIET, false).run();
        assertTrue(Files.exists(new RunDirectory(runDir).lastCheckpoint()));
    }

    @Test
    void aSecondRunInTheSameProcessIsRefusedUntilTheFirstEnds() throws Exception {
        Path data = TinyRuns.dataset(dir);
        Path runDir = dir.resolve("run");
        Pretrainer first = Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"), runDir, Device.CPU, dir,
                TinyRuns.QUIET,
                false);
        ConfigException e = assertThrows(ConfigException.class,
                () -> Pretrainer.create(TinyRuns.config(data, "\"epochs\": 1"),
                        runDir, Device.CPU, dir, TinyRuns.QUIET, false));
        assertTrue(e.getMessage().contains("is in use by another jmae run (pid " + ProcessHandle.current().pid()
                + ", this process"), e.getMessage());
        first.run();
        // the lock went with the run: it resumes (here to a second epoch)
        Pretrainer.Summary s = Pretrainer
                .resume(runDir, java.util.Map.of("epochs", "2"), Device.CPU, dir, TinyRuns.QUIET, false,
                        Ranks.single())
                .run();
        assertEquals(2, s.epochsCompleted());
    }
}
