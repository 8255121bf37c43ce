package dev.jmae.tensor.reference;

import dev.jmae.tensor.OptimKernels;
import dev.jmae.tensor.Tensor;

import static dev.jmae.tensor.reference.ReferenceBackend.data;

/**
 * Reference AdamW: one element at a time in double, PyTorch's operation order
 * ({@code torch.optim.AdamW}, single-tensor path), rounded to float32 when stored.
 */
public final class ReferenceOptim implements OptimKernels {

    /** Creates the kernels (one instance per reference backend). */
    public ReferenceOptim() {
    }

    @Override
    public void adamwStep(Tensor param, Tensor expAvg, Tensor expAvgSq, Tensor grad, float lr, float beta1,
                          float beta2, float eps, float weightDecay, int step) {
        float[] p = data(param);
        float[] m = data(expAvg);
        float[] v = data(expAvgSq);
        float[] g = data(grad);
        int po = param.offset();
        int mo = expAvg.offset();
        int vo = expAvgSq.offset();
        int go = grad.offset();
        double bc1 = 1.0 - Math.pow(beta1, step);
        double bc2 = 1.0 - Math.pow(beta2, step);
        double stepSize = lr / bc1;
        double bc2Sqrt = Math.sqrt(bc2);
        for (int i = 0, n = param.numel(); i < n; i++) {
            double pi = p[po + i] * (1.0 - (double) lr * weightDecay);
            double gi = g[go + i];
            double mi = beta1 * (double) m[mo + i] + (1.0 - beta1) * gi;
            double vi = beta2 * (double) v[vo + i] + (1.0 - beta2) * gi * gi;
            m[mo + i] = (float) mi;
            v[vo + i] = (float) vi;
            p[po + i] = (float) (pi - stepSize * mi / (Math.sqrt(vi) / bc2Sqrt + eps));
        }
    }
}
