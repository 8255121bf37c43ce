// Optimizer kernels: the fused AdamW step.

// One AdamW step in place (PyTorch semantics). h = [decay = 1 - lr*wd, beta1, 1 - beta1, beta2,
// 1 - beta2, stepSize = lr / (1 - beta1^t), sqrt(1 - beta2^t), eps], computed in double on the
// host. offsets: [param, expAvg, expAvgSq, grad]. One work-item per element.
KERNEL void adamwStep(GLOBAL float* param, GLOBAL float* expAvg, GLOBAL float* expAvgSq, GLOBAL const float* grad,
                      const Ints4 offsets, const int n, const Floats8 h) {
    int i = GLOBAL_ID(0);
    if (i < n) {
        float p = param[offsets.v[0] + i] * h.v[0];
        float g = grad[offsets.v[3] + i];
        float m = h.v[1] * expAvg[offsets.v[1] + i] + h.v[2] * g;
        float v = h.v[3] * expAvgSq[offsets.v[2] + i] + h.v[4] * g * g;
        expAvg[offsets.v[1] + i] = m;
        expAvgSq[offsets.v[2] + i] = v;
        param[offsets.v[0] + i] = p - h.v[5] * m / (sqrtf(v) / h.v[6] + h.v[7]);
    }
}
