package dev.jmae.tensor.cpu;

import dev.jmae.tensor.OptimKernels;
import dev.jmae.tensor.Tensor;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static dev.jmae.tensor.cpu.CpuBackend.data;

/**
 * CPU AdamW: one vector loop per parameter in PyTorch's operation order, float32 arithmetic, split
 * across the {@link Parallel} pool for large parameters.
 */
final class CpuOptim implements OptimKernels {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    CpuOptim() {
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
        float decay = 1f - lr * weightDecay;
        float stepSize = (float) (lr / (1.0 - Math.pow(beta1, step)));
        float bc2Sqrt = (float) Math.sqrt(1.0 - Math.pow(beta2, step));
        float c1 = 1f - beta1;
        float c2 = 1f - beta2;
        Parallel.forRange(param.numel(), CpuBackend.PARALLEL_MIN_ELEMENTS, (s, e) -> {
            int i = s;
            for (int upper = s + S.loopBound(e - s); i < upper; i += L) {
                FloatVector gi = FloatVector.fromArray(S, g, go + i);
                FloatVector mi = FloatVector.fromArray(S, m, mo + i).mul(beta1).add(gi.mul(c1));
                FloatVector vi = FloatVector.fromArray(S, v, vo + i).mul(beta2).add(gi.mul(gi).mul(c2));
                mi.intoArray(m, mo + i);
                vi.intoArray(v, vo + i);
                FloatVector denom = vi.sqrt().div(bc2Sqrt).add(eps);
                FloatVector pi = FloatVector.fromArray(S, p, po + i).mul(decay);
                pi.sub(mi.div(denom).mul(stepSize)).intoArray(p, po + i);
            }
            for (; i < e; i++) {
                float gi = g[go + i];
                float mi = m[mo + i] * beta1 + gi * c1;
                float vi = v[vo + i] * beta2 + gi * gi * c2;
                m[mo + i] = mi;
                v[vo + i] = vi;
                float denom = (float) Math.sqrt(vi) / bc2Sqrt + eps;
                p[po + i] = p[po + i] * decay - stepSize * (mi / denom);
            }
        });
    }
}
