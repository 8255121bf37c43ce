package dev.jmae.tensor.reference;

import dev.jmae.tensor.RowKernels;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.UnaryOp;

import static dev.jmae.tensor.reference.ReferenceBackend.data;

/**
 * Reference row kernels, written step by step in double precision: softmax and log-softmax
 * (max-subtracted), layer norm (two-pass mean and biased variance) and exact GELU (erf), forward
 * and backward, over the last dimension of contiguous operands.
 */
public final class ReferenceRows implements RowKernels {

    private static final double INV_SQRT_2 = 0.7071067811865476;
    private static final double INV_SQRT_2PI = 0.3989422804014327;

    /** Creates the kernels (one instance per reference backend). */
    public ReferenceRows() {
    }

    @Override
    public void softmaxForward(Tensor out, Tensor x) {
        softmax(out, x, false);
    }

    @Override
    public void softmaxBackward(Tensor dx, Tensor y, Tensor dy) {
        softmaxGrad(dx, y, dy, false);
    }

    @Override
    public void logSoftmaxForward(Tensor out, Tensor x) {
        softmax(out, x, true);
    }

    @Override
    public void logSoftmaxBackward(Tensor dx, Tensor y, Tensor dy) {
        softmaxGrad(dx, y, dy, true);
    }

    private static void softmax(Tensor out, Tensor x, boolean log) {
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

    private static void softmaxGrad(Tensor dx, Tensor y, Tensor dy, boolean log) {
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

    @Override
    public void layerNormForward(Tensor out, Tensor mean, Tensor rstd, Tensor x, Tensor weight, Tensor bias,
                                 float eps) {
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

    @Override
    public void layerNormBackward(Tensor dx, Tensor dweight, Tensor dbias, Tensor mean, Tensor rstd, Tensor dy,
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

    @Override
    public void geluForward(Tensor out, Tensor x) {
        float[] o = data(out);
        float[] a = data(x);
        for (int i = 0, n = x.numel(); i < n; i++) {
            double v = a[x.offset() + i];
            o[out.offset() + i] = (float) (0.5 * v * (1.0 + UnaryOp.erf(v * INV_SQRT_2)));
        }
    }

    @Override
    public void geluBackward(Tensor dx, Tensor dy, Tensor x) {
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
}
