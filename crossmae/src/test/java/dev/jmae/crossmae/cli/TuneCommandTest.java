package dev.jmae.crossmae.cli;

import dev.jmae.tensor.Settings;
import dev.jmae.tensor.cpu.GemmTuning;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jmae tune}: the forced search prints its table and caches the marked choice; {@code --show}. */
class TuneCommandTest {

    @TempDir
    Path dir;

    @Test
    void tunePrintsTheTableAndCachesTheChosenRow() throws Exception {
        String old = System.getProperty(Settings.CACHE_DIR);
        System.setProperty(Settings.CACHE_DIR, dir.toString());
        try {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            assertEquals(0,
                    Main.run(new String[] {"tune", "--budget", "0.01", "--shapes", "NN:40x96x30,TN:33x64x50"},
                            new PrintWriter(out), new PrintWriter(err)),
                    err.toString());
            String text = out.toString();
            Matcher chosen = Pattern.compile("chosen \\(\\*\\): (.*)").matcher(text);
            assertTrue(chosen.find(), text);
            GemmTuning t = GemmTuning.parse(chosen.group(1));
            List<String> marked = text.lines().filter(l -> l.startsWith("  * ")).toList();
            assertTrue(!marked.isEmpty() && marked.stream().allMatch(l -> l.contains(t.spec())), text);
            assertTrue(text.lines().filter(l -> l.matches("  \\s+[12] .*")).count() >= 10,
                    "candidate rows in\n" + text);
            List<Path> files;
            try (var s = Files.list(dir)) {
                files = s.toList();
            }
            assertEquals(1, files.size(), files.toString());
            assertTrue(text.contains("cached in " + files.get(0)), text);
            Properties cached = new Properties();
            try (var r = Files.newBufferedReader(files.get(0))) {
                cached.load(r);
            }
            assertEquals(t.spec(), cached.getProperty("spec"));
            // the test JVM pins the default, and says so
            assertTrue(text.contains("jmae.gemm.tuning=default is set"), text);
        } finally {
            if (old == null) {
                System.clearProperty(Settings.CACHE_DIR);
            } else {
                System.setProperty(Settings.CACHE_DIR, old);
            }
        }
    }

    @Test
    void showPrintsThePinnedTuningAndBadBudgetsAreRejected() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new String[] {"tune", "--show"}, new PrintWriter(out), new PrintWriter(err)),
                err.toString());
        assertTrue(out.toString().contains("tuning: " + GemmTuning.DEFAULT.spec()), out.toString());
        StringWriter err2 = new StringWriter();
        assertNotEquals(0, Main.run(new String[] {"tune", "--budget", "0"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err2)));
        assertTrue(err2.toString().contains("--budget"), err2.toString());
        StringWriter err3 = new StringWriter();
        assertNotEquals(0, Main.run(new String[] {"tune", "--shapes", "XN:1x2x3"}, new PrintWriter(new StringWriter()),
                new PrintWriter(err3)));
        assertTrue(err3.toString().contains("--shapes"), err3.toString());
    }
}
