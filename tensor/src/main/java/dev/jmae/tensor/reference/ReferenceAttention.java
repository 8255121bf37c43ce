package dev.jmae.tensor.reference;

import dev.jmae.tensor.AttentionKernels;
import dev.jmae.tensor.Tensor;

import static dev.jmae.tensor.reference.ReferenceBackend.data;

/**
 * Reference attention: per (batch, head) the full score matrix S = scale·Q·Kᵀ [M, N] in double,
 * its softmax, out = P·V and lse = log(sum(exp(S))) per query row; the backward recomputes P from
 * the saved log-sum-exp. Operands have a contiguous last dim and arbitrary strides elsewhere.
 */
public final class ReferenceAttention implements AttentionKernels {

    /** Creates the kernels (one instance per reference backend). */
    public ReferenceAttention() {
    }

    /** Element (b, h, i, j) of a 4-d tensor whose last dim is contiguous. */
    private static int at(Tensor t, int b, int h, int i) {
        return t.offset() + b * t.stride(0) + h * t.stride(1) + i * t.stride(2);
    }

    /** Scaled scores scale·q_i·k_j of one (b, h) pair, in double. */
    private static double[][] scores(Tensor q, Tensor k, int b, int h, float scale) {
        float[] qq = data(q);
        float[] kk = data(k);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        double[][] s = new double[m][n];
        for (int i = 0; i < m; i++) {
            int qo = at(q, b, h, i);
            for (int j = 0; j < n; j++) {
                int ko = at(k, b, h, j);
                double dot = 0;
                for (int c = 0; c < dh; c++) {
                    dot += (double) qq[qo + c] * kk[ko + c];
                }
                s[i][j] = scale * dot;
            }
        }
        return s;
    }

    @Override
    public void attentionForward(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, float scale) {
        float[] o = data(out);
        float[] l = data(lse);
        float[] vv = data(v);
        int batch = q.size(0);
        int heads = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                double[][] s = scores(q, k, b, h, scale);
                for (int i = 0; i < m; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < n; j++) {
                        max = Math.max(max, s[i][j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < n; j++) {
                        sum += Math.exp(s[i][j] - max);
                    }
                    l[lse.offset() + (b * heads + h) * m + i] = (float) (max + Math.log(sum));
                    int oo = at(out, b, h, i);
                    for (int c = 0; c < dh; c++) {
                        double acc = 0;
                        for (int j = 0; j < n; j++) {
                            acc += Math.exp(s[i][j] - max) / sum * vv[at(v, b, h, j) + c];
                        }
                        o[oo + c] = (float) acc;
                    }
                }
            }
        }
    }

    @Override
    public void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor out, Tensor lse, Tensor dout, Tensor q,
                                  Tensor k, Tensor v, float scale) {
        float[] gq = data(dq);
        float[] gk = data(dk);
        float[] gv = data(dv);
        float[] oo = data(out);
        float[] l = data(lse);
        float[] go = data(dout);
        float[] qq = data(q);
        float[] kk = data(k);
        float[] vv = data(v);
        int batch = q.size(0);
        int heads = q.size(1);
        int m = q.size(2);
        int n = k.size(2);
        int dh = q.size(3);
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                double[][] s = scores(q, k, b, h, scale);
                // P from the saved log-sum-exp, Dr = rowsum(dout * out)
                double[][] p = new double[m][n];
                double[] dr = new double[m];
                for (int i = 0; i < m; i++) {
                    double lsei = l[lse.offset() + (b * heads + h) * m + i];
                    for (int j = 0; j < n; j++) {
                        p[i][j] = Math.exp(s[i][j] - lsei);
                    }
                    for (int c = 0; c < dh; c++) {
                        dr[i] += (double) go[at(dout, b, h, i) + c] * oo[at(out, b, h, i) + c];
                    }
                }
                // dS = P * (dOut·Vᵀ - Dr)
                double[][] ds = new double[m][n];
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        double dp = 0;
                        for (int c = 0; c < dh; c++) {
                            dp += (double) go[at(dout, b, h, i) + c] * vv[at(v, b, h, j) + c];
                        }
                        ds[i][j] = p[i][j] * (dp - dr[i]);
                    }
                }
                for (int i = 0; i < m; i++) {
                    for (int c = 0; c < dh; c++) {
                        double acc = 0;
                        for (int j = 0; j < n; j++) {
                            acc += ds[i][j] * kk[at(k, b, h, j) + c];
                        }
                        gq[at(dq, b, h, i) + c] = (float) (scale * acc);
                    }
                }
                for (int j = 0; j < n; j++) {
                    for (int c = 0; c < dh; c++) {
                        double accK = 0;
                        double accV = 0;
                        for (int i = 0; i < m; i++) {
                            accK += ds[i][j] * qq[at(q, b, h, i) + c];
                            accV += p[i][j] * go[at(dout, b, h, i) + c];
                        }
                        gk[at(dk, b, h, j) + c] = (float) (scale * accK);
                        gv[at(dv, b, h, j) + c] = (float) accV;
                    }
                }
            }
        }
    }
}
