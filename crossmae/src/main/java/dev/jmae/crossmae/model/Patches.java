package dev.jmae.crossmae.model;

import dev.jmae.tensor.Tensor;

/**
 * Patchify and unpatchify (docs/model.md §3), and the per-patch target normalization (§10).
 *
 * <p>patchify: [N, C, H, W] → [N, L, P] with patch l = r·g + c in raster order and each patch
 * vector in (i, j, ch) order: element (i·p + j)·C + ch, channel fastest. This is the order of the
 * targets and of {@code decoder_pred}'s output; the patch embedding reads (ch, i, j) instead.
 */
public final class Patches {

    private Patches() {
    }

    /**
     * Images to patch vectors.
     *
     * @param images [N, C, H, W] with H = W divisible by p
     * @param p the patch side
     * @return [N, L, p²·C]
     * @throws IllegalArgumentException if the image is not square or not divisible by p
     */
    public static Tensor patchify(Tensor images, int p) {
        int n = images.size(0);
        int c = images.size(1);
        int h = images.size(2);
        int w = images.size(3);
        if (images.ndim() != 4 || h != w || h % p != 0) {
            throw new IllegalArgumentException("patchify: expected square images [N, C, H, H] with H divisible by " + p
                    + ", got " + java.util.Arrays.toString(images.shape()));
        }
        int g = h / p;
        // [N, C, g, p, g, p] -> [N, g, g, p, p, C]
        return images.reshape(n, c, g, p, g, p).permute(0, 2, 4, 3, 5, 1).reshape(n, g * g, p * p * c);
    }

    /**
     * The inverse of {@link #patchify}.
     *
     * @param x [N, L, p²·C] with L a square
     * @param p the patch side
     * @param c the channel count
     * @return [N, C, g·p, g·p]
     */
    public static Tensor unpatchify(Tensor x, int p, int c) {
        int n = x.size(0);
        int g = (int) Math.round(Math.sqrt(x.size(1)));
        if (g * g != x.size(1) || x.size(2) != p * p * c) {
            throw new IllegalArgumentException("unpatchify: expected [N, g², " + (p * p * c) + "], got "
                    + java.util.Arrays.toString(x.shape()));
        }
        return x.reshape(n, g, g, p, p, c).permute(0, 5, 1, 3, 2, 4).reshape(n, c, g * p, g * p);
    }

    /**
     * Per-patch normalization of targets: (x - mean)/sqrt(var + 1e-6) over the last dim, with the
     * <b>unbiased</b> variance (divide by P-1, torch's default), eps inside the square root
     * (docs/model.md §10, §16.11).
     *
     * @param patches [..., P]
     * @return normalized patches
     */
    public static Tensor normalizePerPatch(Tensor patches) {
        Tensor mean = patches.mean(-1, true);
        Tensor var = patches.var(-1, 1, true);
        return patches.sub(mean).div(var.add(1e-6f).sqrt());
    }
}
