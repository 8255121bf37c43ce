package dev.jmae.gpu;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.BackendProvider;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Test support for the OpenCL backend: the availability check every test calls first, the two
 * kernel families on the one device, and SPI calls shaped the way the Tensor API shapes them (for
 * running the GPU-style kernels, which the public API only reaches on a GPU).
 */
final class OpenClTesting {

    private OpenClTesting() {
    }

    /**
     * The device under test, {@code opencl:0}. Called inside each test (not in {@code @BeforeAll},
     * which would make Surefire report zero tests): when no usable OpenCL device exists the test
     * fails if the environment variable CI is "true" and is skipped otherwise.
     *
     * @return opencl:0
     */
    static Device device() {
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

    /** @return the registered backend of opencl:0 (after the availability check) */
    static OpenClBackend backend() {
        return (OpenClBackend) Backends.of(device());
    }

    /**
     * The backend of opencl:0 driven by one kernel family (the registered one for its natural
     * variant, a sibling sharing buffers and counters for the other).
     *
     * @param variant the kernel family
     * @return the backend
     */
    static OpenClBackend backend(Variant variant) {
        OpenClBackend b = backend();
        return b.variant() == variant ? b : b.withVariant(variant);
    }

    /** Both kernel families. */
    static Variant[] variants() {
        return Variant.values();
    }

    /** @return the reference backend, for SPI-level calls */
    static Backend reference() {
        return Backends.of(Device.REFERENCE);
    }

    // ---- SPI calls shaped like the Tensor API's (inputs must live on opencl:0) ----

    /** Like Tensor.matmul for operands of rank >= 2 (batch dims broadcast), with an optional bias. */
    static Tensor matmul(Backend be, Tensor a, Tensor b, Tensor bias) {
        int m = a.size(-2);
        int k = a.size(-1);
        int n = b.size(-1);
        int[] batch = Shape.broadcast("matmul", Arrays.copyOf(a.shape(), a.ndim() - 2), Arrays.copyOf(b.shape(), b.ndim() - 2));
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
