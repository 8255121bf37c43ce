package dev.jmae.crossmae.eval;

import dev.jmae.tensor.Tensor;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import dev.jmae.tensor.io.AtomicFiles;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes rows of images as one PNG grid: each row a tensor [N, C, H, W] of normalized images,
 * shown after undoing the normalization (0-255, clipped, truncated), scaled up by an integer
 * factor with nearest-neighbour pixels and separated by a 2-pixel gap.
 */
public final class ImageGrid {

    private ImageGrid() {
    }

    /**
     * Writes the grid.
     *
     * @param file the PNG to write (parent directories are created)
     * @param rows one tensor per row, all [N, C, H, W] with equal N, H, W and C of 1 or 3
     * @param mean normalization mean per channel
     * @param std normalization std per channel
     * @param scale pixel magnification, at least 1
     * @throws IOException if writing fails
     */
    public static void write(Path file, List<Tensor> rows, List<Double> mean, List<Double> std, int scale)
            throws IOException {
        int n = rows.get(0).size(0);
        int c = rows.get(0).size(1);
        int h = rows.get(0).size(2);
        int w = rows.get(0).size(3);
        int gap = 2;
        int cellW = w * scale + gap;
        int cellH = h * scale + gap;
        BufferedImage img = new BufferedImage(n * cellW + gap, rows.size() * cellH + gap, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                img.setRGB(x, y, 0x404040);
            }
        }
        for (int r = 0; r < rows.size(); r++) {
            float[] px = Psnr.toPixels(rows.get(r), mean, std);
            for (int i = 0; i < n; i++) {
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w; x++) {
                        int base = i * c * h * w + y * w + x;
                        int red = (int) px[base];
                        int green = c == 3 ? (int) px[base + h * w] : red;
                        int blue = c == 3 ? (int) px[base + 2 * h * w] : red;
                        int rgb = (red << 16) | (green << 8) | blue;
                        for (int dy = 0; dy < scale; dy++) {
                            for (int dx = 0; dx < scale; dx++) {
                                img.setRGB(gap + i * cellW + x * scale + dx, gap + r * cellH + y * scale + dy, rgb);
                            }
                        }
                    }
                }
            }
        }
        AtomicFiles.replaceStream(file, out -> ImageIO.write(img, "png", out));
    }
}
