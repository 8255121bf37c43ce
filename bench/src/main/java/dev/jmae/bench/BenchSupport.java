package dev.jmae.bench;

import dev.jmae.tensor.Backends;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

/** Shared helpers for the benchmarks: seeded data and the OpenCL and CUDA devices, when there are. */
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
        return device("opencl");
    }

    static Device requireOpencl() {
        return require("opencl", "opencl");
    }

    /** The first CUDA device, or null when none is usable (its benchmarks then report the reason). */
    static Device cuda() {
        return device("cuda");
    }

    static Device requireCuda() {
        return require("cuda", "cuda");
    }

    /** Device 0 of a provider type, or null when the type is unavailable or has no device. */
    static Device device(String type) {
        for (BackendProvider p : Backends.providers()) {
            if (p.type().equals(type) && p.unavailableReason() == null && p.deviceCount() > 0) {
                return new Device(type, 0);
            }
        }
        return null;
    }

    /**
     * Device 0 of a provider type, or an exception that says why there is none (JMH reports it as
     * the benchmark's failure, and the other benchmarks run on).
     */
    static Device require(String type, String exclude) {
        Device d = device(type);
        if (d == null) {
            String why = "no " + type + " provider on the class path";
            for (BackendProvider p : Backends.providers()) {
                if (p.type().equals(type)) {
                    why = p.unavailableReason() != null ? p.unavailableReason() : "the provider lists no device";
                }
            }
            throw new IllegalStateException("no " + type + " device (" + why + "); exclude these benchmarks with -e "
                    + exclude + ". JMH forks inherit the environment, so LD_PRELOAD set for the launching java reaches"
                    + " them");
        }
        return d;
    }

    /**
     * Sets the matmul precision of a CUDA backend (highest: strict fp32; high: TF32 tensor cores).
     *
     * @param backend a CUDA backend
     * @param high whether TF32 is allowed
     */
    static void cudaPrecision(dev.jmae.tensor.Backend backend, boolean high) {
        ((dev.jmae.gpu.cuda.CudaBackend) backend).setMatmulPrecision(
                high ? dev.jmae.gpu.cuda.MatmulPrecision.HIGH : dev.jmae.gpu.cuda.MatmulPrecision.HIGHEST);
    }
}
