package dev.jmae.gpu;

import dev.jmae.tensor.OptimKernels;
import dev.jmae.tensor.Tensor;

/**
 * Host side of {@code kernels/optim.c} ({@code adamwStep}): one launch per parameter, PyTorch's
 * operation order, the bias corrections computed on the host in double and passed as floats.
 */
final class ClOptim implements OptimKernels {

    private static final String FILE = "optim.c";

    private final OpenClBackend backend;
    private final ClRuntime rt;

    ClOptim(OpenClBackend backend) {
        this.backend = backend;
        this.rt = backend.runtime();
    }

    @Override
    public void adamwStep(Tensor param, Tensor expAvg, Tensor expAvgSq, Tensor grad, float lr, float beta1, float beta2,
                   float eps, float weightDecay, int step) {
        int n = param.numel();
        double bc1 = 1.0 - Math.pow(beta1, step);
        double bc2 = 1.0 - Math.pow(beta2, step);
        float[] h = {
            (float) (1.0 - (double) lr * weightDecay), beta1, (float) (1.0 - beta1), beta2, (float) (1.0 - beta2),
            (float) (lr / bc1), (float) Math.sqrt(bc2), eps
        };
        int[] offsets = {param.offset(), expAvg.offset(), expAvgSq.offset(), grad.offset()};
        rt.launch(FILE, "adamwStep", backend.variant(), new long[] {n}, new long[] {backend.elementwiseGroup()},
                OpenClBackend.storage(param), OpenClBackend.storage(expAvg), OpenClBackend.storage(expAvgSq),
                OpenClBackend.storage(grad), offsets, n, h);
    }
}
