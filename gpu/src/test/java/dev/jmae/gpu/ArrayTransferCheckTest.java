package dev.jmae.gpu;

import dev.jmae.tensor.BackendUnavailableException;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The check {@code ClRuntime.open} makes that floats read from the device reach a Java array. Under
 * {@code -Xcheck:jni} the JVM copies arrays passed by JNI critical access, JOCL's reads then never
 * arrive, and without the check every tensor read from the device was silently zeros (a softmax
 * came back as [0.0, 0.0, ...]). Run in a child JVM started with that flag.
 */
class ArrayTransferCheckTest {

    /** Child JVM entry: opens opencl:0 and prints what happened, one line. */
    public static void main(String[] args) {
        try {
            Backends.of(new Device("opencl", 0));
            System.out.println("OPENED");
        } catch (BackendUnavailableException e) {
            System.out.println("REFUSED " + e.getMessage());
        }
    }

    @Test
    void aJvmThatCopiesCriticalArraysIsRefusedWithTheReason() throws IOException, InterruptedException {
        GpuTesting.openclDevice();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // the child inherits this JVM's environment, LD_PRELOAD (signal chaining) included
        Process p = new ProcessBuilder(List.of(java, "-Xcheck:jni", "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                ArrayTransferCheckTest.class.getName()))
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish: " + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(
                out.contains(
                        "REFUSED device opencl:0 could not be opened: OpenCL: 16 floats written from a Java array"),
                out);
        assertTrue(out.contains("JNI critical access") && out.contains("-Xcheck:jni"), out);
    }

    @Test
    void thisJvmPassesTheCheck() {
        assertEquals(GpuTesting.openclDevice(), GpuTesting.openclBackend().device());
    }
}
