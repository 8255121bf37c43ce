package dev.jmae.crossmae.testing;

import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The OpenCL device for crossmae tests that run a model on it (PoCL on CI machines). Like the gpu
 * module's OpenClTesting: call {@link #device()} inside each test; without a usable device the
 * test fails when the environment variable CI is "true" and is skipped otherwise.
 */
public final class OpenCl {

    private OpenCl() {
    }

    /**
     * {@code opencl:0}, after checking that it is usable.
     *
     * @return the device
     */
    public static Device device() {
        String reason = "no 'opencl' BackendProvider on the class path";
        for (BackendProvider p : Backends.providers()) {
            if (p.type().equals("opencl")) {
                reason = p.unavailableReason();
                if (reason == null && p.deviceCount() == 0) {
                    reason = "the opencl provider reports no devices";
                }
                break;
            }
        }
        if (reason != null) {
            if ("true".equals(System.getenv("CI"))) {
                fail("OpenCL must be available in CI: " + reason);
            }
            Assumptions.assumeTrue(false, "OpenCL unavailable: " + reason);
        }
        return new Device("opencl", 0);
    }
}
