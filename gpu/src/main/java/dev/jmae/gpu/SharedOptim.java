package dev.jmae.gpu;

import dev.jmae.tensor.OptimKernels;
import dev.jmae.tensor.Storage;
import dev.jmae.tensor.Tensor;

/**
 * Host side of {@code kernels/optim.c} ({@code adamwStep}): one launch per parameter, PyTorch's
 * operation order, the bias corrections computed on the host in double and passed as floats.
 *
 * <p>Shared by the OpenCL backend ({@code ClOptim}, both variants) and the CUDA backend
 * ({@code CudaOptim}, the GPU variant's planning), which launch through their {@link KernelLauncher}.
 */
public abstract class SharedOptim implements OptimKernels {

    private static final String FILE = "optim.c";

    /** The runtime the kernels are launched on. */
    protected final KernelLauncher launcher;

    /**
     * Creates the family on a runtime.
     *
     * @param launcher the device's launcher
     */
    protected SharedOptim(KernelLauncher launcher) {
        this.launcher = launcher;
    }

    /** @return the device storage of a tensor (a kernel argument) */
    protected static Storage storage(Tensor t) {
        return t.storage();
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
        launcher.launch(FILE, "adamwStep", new long[] {n}, new long[] {launcher.elementwiseGroup()},
                storage(param), storage(expAvg), storage(expAvgSq),
                storage(grad), offsets, n, h);
    }
}
