package dev.jmae.crossmae.cli;

import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code jmae devices} and the {@code --matmul-precision} option. */
class DevicesCommandTest {

    @Test
    void everyBackendIsListedWithItsDevicesOrTheReason() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        assertEquals(0, Main.run(new String[] {"devices"}, new PrintWriter(out), new PrintWriter(err)), err.toString());
        String text = out.toString();
        assertTrue(text.contains("cpu: available (") && text.contains("reference: available"), text);
        for (BackendProvider p : Backends.providers()) {
            if (p.type().equals("cpu") || p.type().equals("reference")) {
                continue;
            }
            String reason = p.unavailableReason();
            if (reason != null) {
                assertTrue(text.contains(p.type() + ": unavailable: " + reason), p.type() + " reason in\n" + text);
            } else {
                assertTrue(text.contains(p.type() + ": " + p.deviceCount() + " device(s)"), text);
                for (int i = 0; i < p.deviceCount(); i++) {
                    assertTrue(text.contains("  " + p.type() + ":" + i + "  "), p.type() + ":" + i + " in\n" + text);
                }
            }
        }
        assertTrue(text.contains("cuda: "), "the CUDA provider is on the class path:\n" + text);
    }

    @Test
    void matmulPrecisionIsParsedAndIgnoredWithANoteOffCuda() {
        MatmulPrecisionOption o = new MatmulPrecisionOption();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream console = new PrintStream(buf, true, StandardCharsets.UTF_8);
        o.apply(Device.CPU, console);
        assertEquals("", buf.toString(StandardCharsets.UTF_8), "no option, no note");
        o.precision = "HIGH";
        o.apply(Device.CPU, console);
        assertTrue(buf.toString(StandardCharsets.UTF_8).contains("--matmul-precision high is ignored on cpu"),
                buf.toString(StandardCharsets.UTF_8));
        o.precision = "medium";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.apply(Device.CPU, console));
        assertTrue(e.getMessage().contains("hint:"), e.getMessage());
        assertEquals("", MatmulPrecisionOption.describe(Device.CPU));
    }

    @Test
    void aBadPrecisionIsAUsageError() {
        StringWriter err = new StringWriter();
        int code = Main.run(new String[] {"bench", "--device", "cpu", "--matmul-precision", "fast"},
                new PrintWriter(new StringWriter()), new PrintWriter(err));
        assertEquals(2, code, err.toString());
        assertTrue(err.toString().contains("expected highest (strict fp32) or high"), err.toString());
    }
}
