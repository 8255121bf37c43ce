package dev.jmae.crossmae.testing;

import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Settings;
import org.junit.jupiter.api.Assumptions;

import java.util.List;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The devices the device-parameterized crossmae tests run on (the golden fixtures, the tiny training
 * runs): their defaults, or only the device named by the system property {@code jmae.test.device}
 * ({@link Settings#testDevice()}), e.g. {@code cuda:0} in the device check (tools/device-check).
 */
public final class TestDevices {

    private TestDevices() {
    }

    /**
     * The devices to run on.
     *
     * @param defaults the test's usual devices, e.g. cpu and reference
     * @return the device named by jmae.test.device alone, else the defaults
     */
    public static List<String> or(List<String> defaults) {
        String named = Settings.testDevice();
        return named == null ? defaults : List.of(named);
    }

    /**
     * The device under test for tests that compare a device with the cpu: jmae.test.device, else
     * {@code opencl:0}; checked like {@link #require}.
     *
     * @return the device
     */
    public static Device underTest() {
        String named = Settings.testDevice();
        Device d = named == null ? new Device("opencl", 0) : Device.parse(named);
        require(d);
        return d;
    }

    /**
     * Checks that a provider's device is usable. Heap devices always are; for another, an
     * unavailable device fails the test where the environment variable CI is "true" or the device
     * was named by jmae.test.device, and skips it otherwise.
     *
     * @param d the device
     */
    public static void require(Device d) {
        if (d.type().equals("cpu") || d.type().equals("reference")) {
            return;
        }
        String reason = "no '" + d.type() + "' BackendProvider on the class path";
        for (BackendProvider p : Backends.providers()) {
            if (p.type().equals(d.type())) {
                reason = p.unavailableReason();
                if (reason == null && p.deviceCount() <= d.index()) {
                    reason = "the " + d.type() + " provider reports " + p.deviceCount() + " device(s)";
                }
                break;
            }
        }
        if (reason != null) {
            boolean named = Settings.testDevice() != null;
            if ("true".equals(System.getenv("CI")) || named) {
                fail(d + " must be available" + (named ? " (named by jmae.test.device)" : " in CI") + ": " + reason);
            }
            Assumptions.assumeTrue(false, d + " unavailable: " + reason);
        }
    }
}
