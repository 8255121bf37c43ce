package dev.jmae.gpu;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Settings;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test support for the device backends: the device under test and the availability check every
 * test calls first, the kernel variants to run, and SPI calls shaped the way the Tensor API shapes
 * them (for running the GPU-style kernels, which the public API only reaches on a GPU).
 *
 * <p>The device under test is {@code opencl:0} unless the system property
 * {@code jmae.test.device} ({@link Settings#testDevice()}) names another, e.g. {@code cuda:0} in the
 * device check (tools/device-check): the parity suites then run their cases on that device. On
 * OpenCL both kernel variants run (the registered backend and a sibling built with the other
 * variant); other devices have the GPU-style kernels only.
 */
final class GpuTesting {

    private GpuTesting() {
    }

    /**
     * The device under test. Called inside each test (not in {@code @BeforeAll}, which would make
     * Surefire report zero tests): when the device is not usable the test fails if the environment
     * variable CI is "true" or the device was named by {@code jmae.test.device}, and is skipped
     * otherwise.
     *
     * @return opencl:0 or the device named by jmae.test.device
     */
    static Device device() {
        Device d = named();
        require(d, Settings.testDevice() != null);
        return d;
    }

    /** The device named by jmae.test.device, else opencl:0 (no availability check). */
    private static Device named() {
        String name = Settings.testDevice();
        return name == null ? new Device("opencl", 0) : Device.parse(name);
    }

    /** @return whether the device under test is an OpenCL device */
    static boolean openclUnderTest() {
        return named().type().equals("opencl");
    }

    /**
     * {@code opencl:0}, for the tests of the OpenCL backend itself, after the availability check.
     *
     * @return opencl:0
     */
    static Device openclDevice() {
        Device d = new Device("opencl", 0);
        require(d, false);
        return d;
    }

    private static void require(Device d, boolean named) {
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
            if ("true".equals(System.getenv("CI")) || named) {
                fail(d + " must be available" + (named ? " (named by jmae.test.device)" : " in CI") + ": " + reason);
            }
            Assumptions.assumeTrue(false, d + " unavailable: " + reason);
        }
    }

    /** @return the registered backend of the device under test (after the availability check) */
    static Backend backend() {
        return Backends.of(device());
    }

    /** @return the registered backend of opencl:0 (after the availability check) */
    static OpenClBackend openclBackend() {
        return (OpenClBackend) Backends.of(openclDevice());
    }

    /**
     * The backend of the device under test driven by one kernel family: on OpenCL the registered
     * one for its natural variant, a sibling sharing buffers and counters for the other; elsewhere
     * the registered backend ({@link #variants()} then lists only the GPU variant).
     *
     * @param variant the kernel family
     * @return the backend
     */
    static Backend backend(Variant variant) {
        Backend b = backend();
        if (!(b instanceof OpenClBackend cl)) {
            return b;
        }
        return cl.variant() == variant ? cl : cl.withVariant(variant);
    }

    /** @return the kernel families to run: both on OpenCL, the GPU-style ones elsewhere */
    static Variant[] variants() {
        return openclUnderTest() ? Variant.values() : new Variant[] {Variant.GPU};
    }

    /** @return the reference backend, for SPI-level calls */
    static Backend reference() {
        return Backends.of(Device.REFERENCE);
    }

    // ---- SPI calls shaped like the Tensor API's (inputs must live on the device under test) ----

    /** Like Tensor.matmul for operands of rank >= 2 (batch dims broadcast), with an optional bias. */
    static Tensor matmul(Backend be, Tensor a, Tensor b, Tensor bias) {
        int m = a.size(-2);
        int k = a.size(-1);
        int n = b.size(-1);
        int[] batch = Shape.broadcast("matmul", Arrays.copyOf(a.shape(), a.ndim() - 2),
                Arrays.copyOf(b.shape(), b.ndim() - 2));
        int[] as = Arrays.copyOf(batch, batch.length + 2);
        as[batch.length] = m;
        as[batch.length + 1] = k;
        int[] bs = Arrays.copyOf(batch, batch.length + 2);
        bs[batch.length] = k;
        bs[batch.length + 1] = n;
        int[] os = Arrays.copyOf(batch, batch.length + 2);
        os[batch.length] = m;
        os[batch.length + 1] = n;
        Tensor out = Tensor.empty(a.device(), os);
        be.linalg().matmul(out, a.expand(as), b.expand(bs), bias);
        return out;
    }

    /** Like Tensor.softmax(-1) / logSoftmax(-1). */
    static Tensor softmax(Backend be, Tensor x, boolean log) {
        Tensor xc = x.contiguous();
        Tensor out = Tensor.empty(x.device(), x.shape());
        if (log) {
            be.rows().logSoftmaxForward(out, xc);
        } else {
            be.rows().softmaxForward(out, xc);
        }
        return out;
    }

    /** Like Functional.softmaxBackward / logSoftmaxBackward along the last dim. */
    static Tensor softmaxBackward(Backend be, Tensor y, Tensor dy, boolean log) {
        Tensor dx = Tensor.empty(y.device(), y.shape());
        if (log) {
            be.rows().logSoftmaxBackward(dx, y.contiguous(), dy.contiguous());
        } else {
            be.rows().softmaxBackward(dx, y.contiguous(), dy.contiguous());
        }
        return dx;
    }

    /** Like Tensor.sum/mean/max/min(dims, keepDim=true). */
    static Tensor reduce(Backend be, dev.jmae.tensor.ReduceOp op, Tensor x, int[] dims) {
        Tensor out = Tensor.empty(x.device(), Shape.reducedKeepDim(x.shape(), dims));
        be.reductions().reduce(op, out, x, dims);
        return out;
    }

    /** Like Tensor.var(dims, correction, keepDim=true). */
    static Tensor var(Backend be, Tensor x, int[] dims, double correction) {
        Tensor out = Tensor.empty(x.device(), Shape.reducedKeepDim(x.shape(), dims));
        be.reductions().var(out, x, dims, correction);
        return out;
    }

    /** Like Tensor.argmax(dim, keepDim=true). */
    static Tensor argmax(Backend be, Tensor x, int dim) {
        Tensor out = Tensor.empty(x.device(), Shape.reducedKeepDim(x.shape(), new int[] {dim}));
        be.reductions().argmax(out, x, dim);
        return out;
    }
}
