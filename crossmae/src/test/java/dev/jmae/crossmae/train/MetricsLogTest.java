package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.IIOException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 20, bad-input finding 3: a full disk never leaves half a line in metrics.jsonl (a failed
 * write is cut back to the previous line), a torn last line left by a kill is dropped with a
 * warning instead of failing every later resume, a broken line elsewhere is an error naming the
 * file and the line, and disk-full messages name the file and say the disk is full.
 */
class MetricsLogTest {

    @TempDir
    Path dir;

    private static ObjectNode record(int step) {
        ObjectNode r = MetricsLog.record();
        r.put("type", "step");
        r.put("epoch", 0);
        r.put("step", step);
        r.put("loss", 1.0 / step);
        return r;
    }

    /** A file channel that, like a disk filling up, writes part of one buffer and then fails. */
    private static final class FillingUp implements SeekableByteChannel {
        private final FileChannel file;
        private boolean full;

        FillingUp(FileChannel file) {
            this.file = file;
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            if (!full) {
                return file.write(src);
            }
            ByteBuffer half = src.duplicate();
            half.limit(src.position() + Math.max(1, src.remaining() / 2));
            int n = file.write(half);
            src.position(src.position() + n);
            throw new IOException("No space left on device");
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return file.read(dst);
        }

        @Override
        public long position() throws IOException {
            return file.position();
        }

        @Override
        public SeekableByteChannel position(long p) throws IOException {
            file.position(p);
            return this;
        }

        @Override
        public long size() throws IOException {
            return file.size();
        }

        @Override
        public SeekableByteChannel truncate(long size) throws IOException {
            file.truncate(size);
            return this;
        }

        @Override
        public boolean isOpen() {
            return file.isOpen();
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    @Test
    void aWriteThatFillsTheDiskLeavesNoHalfLineAndSaysTheDiskIsFull() throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        FillingUp ch = new FillingUp(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE));
        try (MetricsLog log = new MetricsLog(file, ch, TinyRuns.QUIET)) {
            log.write(record(1));
            log.write(record(2));
            ch.full = true;
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> log.write(record(3)));
            assertTrue(
                    e.getMessage().startsWith("cannot write " + file + ": the disk is full (No space left on device);"
                            + " hint: free space on " + dir),
                    e.getMessage());
            ch.full = false;
            log.write(record(4));
        }
        String text = Files.readString(file);
        assertTrue(text.endsWith("\n") && text.lines().count() == 3, "whole lines only: " + text);
        List<ObjectNode> read = MetricsLog.read(file);
        assertEquals(List.of(1L, 2L, 4L), read.stream().map(r -> r.get("step").asLong()).toList());
    }

    @Test
    void theRealFullDiskIsNamedToo() throws Exception {
        Path full = Path.of("/dev/full");
        assumeTrue(Files.isWritable(full), "/dev/full is needed for this test");
        try (MetricsLog log = new MetricsLog(full, TinyRuns.QUIET)) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> log.write(record(1)));
            assertTrue(e.getMessage().startsWith("cannot write /dev/full: the disk is full"), e.getMessage());
        }
    }

    @Test
    void aTornLastLineIsSkippedWithAWarningAndDroppedWhenTheLogIsOpened() throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        String whole = "{\"type\":\"step\",\"epoch\":0,\"step\":1,\"loss\":0.5}\n";
        String torn = "{\"type\":\"step\",\"epoch\":0,\"st";
        Files.writeString(file, whole + torn);
        ByteArrayOutputStream warnings = new ByteArrayOutputStream();
        List<ObjectNode> read = MetricsLog.read(file, new PrintStream(warnings, true, StandardCharsets.UTF_8));
        assertEquals(1, read.size());
        assertTrue(warnings.toString(StandardCharsets.UTF_8).contains(file + " line 2 is torn"), warnings.toString());
        warnings.reset();
        try (MetricsLog log = new MetricsLog(file, new PrintStream(warnings, true, StandardCharsets.UTF_8))) {
            log.write(record(2));
        }
        assertTrue(warnings.toString(StandardCharsets.UTF_8).contains(file + " ended in a torn line (" + torn.length()
                + " bytes"),
                warnings.toString());
        assertEquals(List.of(1L, 2L), MetricsLog.read(file).stream().map(r -> r.get("step").asLong()).toList());
    }

    @Test
    void aBrokenLineInTheMiddleIsAnErrorNamingTheFileAndLine() throws Exception {
        Path file = dir.resolve("metrics.jsonl");
        Files.writeString(file, "{\"type\":\"step\",\"step\":1}\nthis is not json\n{\"type\":\"step\",\"step\":2}\n");
        IOException e = assertThrows(IOException.class, () -> MetricsLog.read(file, TinyRuns.QUIET));
        assertTrue(e.getMessage().startsWith(file + " line 2 is not a JSON object: this is not json"), e.getMessage());
    }

    @Test
    void aPlotThatCannotBeWrittenForLackOfSpaceSaysSo() {
        Path png = dir.resolve("loss.png");
        // what XChart's PNG writer (through ImageIO) throws when the disk is full
        IOException xchart = new IIOException("I/O error writing PNG file!",
                new IOException("No space left on device"));
        IOException told = WriteFailures.writing(png, xchart, null);
        assertEquals("cannot write " + png + ": the disk is full (No space left on device); hint: free space on " + dir,
                told.getMessage());
        IOException other = WriteFailures.writing(png, new IIOException("I/O error writing PNG file!",
                new IOException("Read-only file system")), null);
        assertEquals("cannot write " + png + ": I/O error writing PNG file! (Read-only file system)",
                other.getMessage());
    }
}
