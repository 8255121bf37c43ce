package dev.jmae.crossmae.train;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 20, bad-input finding 2: the numbered checkpoints ({@code keep_every}) and fine-tuning's
 * checkpoint-best are copied atomically, so a kill during the copy never leaves a truncated file
 * under the final name. The copy's source is a named pipe fed by the test, which holds the copy
 * in the middle of its data for as long as it likes: at that moment the final name must not
 * exist (the plain {@code Files.copy} it replaces had already created it, and a kill now would
 * leave it truncated).
 */
class RunCheckpointsTest {

    @TempDir
    Path dir;

    private static List<Path> entries(Path d) throws Exception {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
            s.forEach(out::add);
        }
        return out;
    }

    @Test
    @org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
    void aNumberedCopyNeverAppearsHalfWrittenUnderItsName() throws Exception {
        Path pipe = dir.resolve("source");
        Process mk = new ProcessBuilder("mkfifo", pipe.toString()).start();
        assumeTrue(mk.waitFor(10, TimeUnit.SECONDS) && mk.exitValue() == 0, "mkfifo is needed for this test");
        Path target = dir.resolve("out").resolve("checkpoint-0002.safetensors");
        Files.createDirectories(target.getParent());
        byte[] data = new byte[1 << 16];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 31 + 7);
        }
        CompletableFuture<Void> copy = CompletableFuture.runAsync(() -> {
            try {
                RunCheckpoints.copyAtomically(pipe, target);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try (OutputStream w = Files.newOutputStream(pipe)) {
            w.write(data, 0, data.length / 2);
            w.flush();
            // wait until the copy has written the first half somewhere in the directory
            long deadline = System.nanoTime() + 10_000_000_000L;
            Path written = null;
            while (System.nanoTime() < deadline) {
                for (Path p : entries(target.getParent())) {
                    if (Files.isRegularFile(p) && Files.size(p) >= data.length / 2) {
                        written = p;
                    }
                }
                if (written != null || Files.exists(target)) {
                    break;
                }
                Thread.sleep(5);
            }
            assertFalse(Files.exists(target),
                    "mid-copy, the final name must not exist (a kill now would leave it truncated)");
            assertTrue(written != null && written.getFileName().toString().startsWith("." + target.getFileName()),
                    "the half copy is a hidden temporary sibling: " + entries(target.getParent()));
            w.write(data, data.length / 2, data.length - data.length / 2);
        }
        copy.get(10, TimeUnit.SECONDS);
        assertArrayEquals(data, Files.readAllBytes(target));
        assertTrue(entries(target.getParent()).equals(List.of(target)),
                "no temporary file is left: " + entries(target.getParent()));
    }
}
