package dev.jmae.tensor.reference;

import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.UnaryOp;

import static dev.jmae.tensor.reference.ReferenceBackend.data;

/**
 * Reference neural-network kernels: softmax, layer norm, GELU and attention, written step by step
 * in double precision. Row-wise kernels receive contiguous operands (see {@link
 * dev.jmae.tensor.Backend}); attention operands have a contiguous last dim and arbitrary strides
 * elsewhere.
 */
final class ReferenceNn {

    private static final double INV_SQRT_2 = 0.7071067811865476;
    private static final double INV_SQRT_2PI = 0.3989422804014327;

    private ReferenceNn() {
    }

    // ---- softmax / log-softmax over the last dim ----

    static void softmaxForward(Tensor out, Tensor x, boolean log) {
        float[] o = data(out);
        float[] a = data(x);
        int cols = x.ndim() == 0 ? 1 : x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        for (int r = 0; r < rows; r++) {
            int xo = x.offset() + r * cols;
            int oo = out.offset() + r * cols;
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                max = Math.max(max, a[xo + c]);
            }
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += Math.exp(a[xo + c] - max);
            }
            double logSum = Math.log(sum);
            for (int c = 0; c < cols; c++) {
                double shifted = a[xo + c] - max;
                o[oo + c] = (float) (log ? shifted - logSum : Math.exp(shifted) / sum);
            }
        }
    }

    static void softmaxBackward(Tensor dx, Tensor y, Tensor dy, boolean log) {
        float[] d = data(dx);
        float[] yy = data(y);
        float[] g = data(dy);
        int cols = y.size(-1);
        int rows = cols == 0 ? 0 : y.numel() / cols;
        for (int r = 0; r < rows; r++) {
            int yo = y.offset() + r * cols;
            int go = dy.offset() + r * cols;
            int dxo = dx.offset() + r * cols;
            double dot = 0;
            for (int c = 0; c < cols; c++) {
                dot += log ? g[go + c] : (double) g[go + c] * yy[yo + c];
            }
            for (int c = 0; c < cols; c++) {
                d[dxo + c] = (float) (log
                        ? g[go + c] - Math.exp(yy[yo + c]) * dot
                        : yy[yo + c] * (g[go + c] - dot));
            }
        }
    }

    // ---- layer norm over the last dim ----

    static void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias, float eps) {
        float[] o = data(out);
        float[] a = data(x);
        float[] mu = data(mean);
        float[] rs = data(rstd);
        float[] w = weight == null ? null : data(weight);
        float[] b = bias == null ? null : data(bias);
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        for (int r = 0; r < rows; r++) {
            int xo = x.offset() + r * cols;
            double sum = 0;
            for (int c = 0; c < cols; c++) {
                sum += a[xo + c];
            }
            double m = sum / cols;
            double sq = 0;
            for (int c = 0; c < cols; c++) {
                double dv = a[xo + c] - m;
                sq += dv * dv;
            }
            double inv = 1.0 / Math.sqrt(sq / cols + eps);
            mu[mean.offset() + r] = (float) m;
            rs[rstd.offset() + r] = (float) inv;
            for (int c = 0; c < cols; c++) {
                double y = (a[xo + c] - m) * inv;
                if (w != null) {
                    y *= w[weight.offset() + c];
                }
                if (b != null) {
                    y += b[bias.offset() + c];
                }
                o[out.offset() + r * cols + c] = (float) y;
            }
        }
    }

    static void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor mean, Tensor rstd, Tensor dy,
                                  Tensor x, Tensor weight) {
        float[] d = data(dx);
        float[] a = data(x);
        float[] g = data(dy);
        float[] mu = data(mean);
        float[] rs = data(rstd);
        float[] w = weight == null ? null : data(weight);
        int cols = x.size(-1);
        int rows = cols == 0 ? 0 : x.numel() / cols;
        double[] dw = new double[cols];
        double[] db = new double[cols];
        for (int r = 0; r < rows; r++) {
            int xo = x.offset() + r * cols;
            int go = dy.offset() + r * cols;
            double m = mu[mean.offset() + r];
            double inv = rs[rstd.offset() + r];
            // g = dy * weight; dx = inv * (g - mean(g) - xhat * mean(g * xhat))
            double meanG = 0;
            double meanGX = 0;
            for (int c = 0; c < cols; c++) {
                double xhat = (a[xo + c] - m) * inv;
                double gc = g[go + c] * (w == null ? 1.0 : w[weight.offset() + c]);
                meanG += gc;
                meanGX += gc * xhat;
                dw[c] += g[go + c] * xhat;
                db[c] += g[go + c];
            }
            meanG /= cols;
            meanGX /= cols;
            for (int c = 0; c < cols; c++) {
                double xhat = (a[xo + c] - m) * inv;
                double gc = g[go + c] * (w == null ? 1.0 : w[weight.offset() + c]);
                d[dx.offset() + r * cols + c] = (float) (inv * (gc - meanG - xhat * meanGX));
            }
        }
        if (dweight != null) {
            float[] o = data(dweight);
            for (int c = 0; c < cols; c++) {
                o[dweight.offset() + c] = (float) dw[c];
            }
        }
        if (dbias != null) {
            float[] o = data(dbias);
            for (int c = 0; c < cols; c++) {
                o[dbias.offset() + c] = (float) db[c];
            }
        }
    }

    // ---- GELU ----

    static void geluForward(Tensor out, Tensor x) {
        float[] o = data(out);
        float[] a = data(x);
        for (int i = 0, n = x.numel(); i < n; i++) {
            double v = a[x.offset() + i];
            o[out.offset() + i] = (float) (0.5 * v * (1.0 + UnaryOp.erf(v * INV_SQRT_2)));
        }
    }

    static void geluBackward(Tensor dx, Tensor dy, Tensor x) {
        float[] d = data(dx);
        float[] g = data(dy);
        float[] a = data(x);
        for (int i = 0, n = x.numel(); i < n; i++) {
            double v = a[x.offset() + i];
            double cdf = 0.5 * (1.0 + UnaryOp.erf(v * INV_SQRT_2));
            double pdf = INV_SQRT_2PI * Math.exp(-0.5 * v * v);
            d[dx.offset() + i] = (float) (g[dy.offset() + i] * (cdf + v * pdf));
        }
    }

    // ---- attention ----

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

    static void attentionForward(Tensor out, Tensor lse, Tensor q, Tensor k, Tensor v, float scale) {
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

    static void attentionBackward(Tensor dq, Tensor dk, Tensor dv, Tensor out, Tensor lse, Tensor dout, Tensor q,
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
