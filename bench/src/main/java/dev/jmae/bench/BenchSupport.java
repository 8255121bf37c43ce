package dev.jmae.bench;

import dev.jmae.tensor.Backends;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

/** Shared helpers for the benchmarks: seeded data and the OpenCL device, when there is one. */
final class BenchSupport {

    private BenchSupport() {
    }

    /** Seeded N(0, 1) values. */
    static float[] randn(long seed, int n) {
        Generator g = new Generator(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) g.nextGaussian();
        }
        return v;
    }

    static Tensor tensor(Device d, long seed, int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        return Tensor.of(d, randn(seed, n), shape);
    }

    /** The first OpenCL device, or null when none is usable (its benchmarks then report the reason). */
    static Device opencl() {
        for (BackendProvider p : Backends.providers()) {
            if (p.type().equals("opencl") && p.unavailableReason() == null && p.deviceCount() > 0) {
                return new Device("opencl", 0);
            }
        }
        return null;
    }

    static Device requireOpencl() {
        Device d = opencl();
        if (d == null) {
            String why = "no OpenCL provider on the class path";
            for (BackendProvider p : Backends.providers()) {
                if (p.type().equals("opencl")) {
                    why = p.unavailableReason() != null ? p.unavailableReason() : "the provider lists no device";
                }
            }
            throw new IllegalStateException("no OpenCL device (" + why + "); exclude the opencl benchmarks with -e opencl."
                    + " JMH forks inherit the environment, so LD_PRELOAD set for the launching java reaches them");
        }
        return d;
    }
}
