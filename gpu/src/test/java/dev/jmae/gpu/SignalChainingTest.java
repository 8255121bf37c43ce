package dev.jmae.gpu;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The guard that keeps OpenCL drivers out of a JVM without signal chaining
 * ({@link OpenClProvider#signalChainingProblem}).
 */
class SignalChainingTest {

    private static final List<String> WITHOUT = List.of(
            "7f0000000000-7f0000001000 r-xp 00000000 fd:00 12 /usr/lib/jvm/jdk/lib/server/libjvm.so",
            "7f0000002000-7f0000003000 r-xp 00000000 fd:00 13 /usr/lib/x86_64-linux-gnu/libjsig.so.bak",
            "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0 [stack]");

    private static final List<String> WITH = List.of(
            "7f0000000000-7f0000001000 r-xp 00000000 fd:00 12 /usr/lib/jvm/jdk/lib/server/libjvm.so",
            "7f0000004000-7f0000005000 r-xp 00000000 fd:00 14 /usr/lib/jvm/jdk/lib/libjsig.so");

    @Test
    void refusesWithoutLibjsigAndSaysHowToStartTheJvm() {
        String why = OpenClProvider.signalChainingProblem(WITHOUT, "/usr/lib/jvm/jdk", true);
        assertNotNull(why);
        assertTrue(why.contains("LD_PRELOAD=/usr/lib/jvm/jdk/lib/libjsig.so"), why);
        assertTrue(why.contains("SIGSEGV"), why);
        assertTrue(why.contains("-D" + OpenClProvider.CHAINING_PROPERTY + "=false"), why);
    }

    @Test
    void allowsWhenLibjsigIsMapped() {
        assertNull(OpenClProvider.signalChainingProblem(WITH, "/usr/lib/jvm/jdk", true));
    }

    @Test
    void allowsWhenTheCheckIsSwitchedOffOrTheMapsAreUnknown() {
        assertNull(OpenClProvider.signalChainingProblem(WITHOUT, "/usr/lib/jvm/jdk", false));
        assertNull(OpenClProvider.signalChainingProblem(null, "/usr/lib/jvm/jdk", true));
    }
}
