package dev.jmae.crossmae.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image files with javax.imageio (TwelveMonkeys' JPEG reader registers itself) into
 * {@link Image}s the way PIL's {@code Image.open(f).convert("RGB")} or {@code .convert("L")}
 * does, which is what torchvision's ImageFolder loader calls.
 *
 * <ul>
 *   <li>Gray images keep their stored values (PIL does no gamma conversion; Java's
 *       {@code getRGB} on a gray image would), replicated to 3 channels for RGB. Gray samples of
 *       1, 2 or 4 bits are scaled to 0..255 like PIL's unpackers; 16-bit samples keep their high
 *       byte (PIL would clip them to 255, which no one wants).</li>
 *   <li>RGB, palette and alpha images give their color components (alpha is dropped without
 *       compositing, like PIL's convert).</li>
 *   <li>To gray: PIL's ITU-R 601-2 luma in fixed point, L = (19595 R + 38470 G + 7471 B + 2^15) >> 16.</li>
 * </ul>
 *
 * <p>An image whose header claims more than {@link #MAX_PIXELS} pixels, or more pixels than its
 * file's size can hold, is refused before the decoder allocates its raster (a 875 KB PNG can
 * claim 30000x30000).
 *
 * <p>A decoder warning that the data ends early (a truncated JPEG decodes to a partly gray
 * picture in Java, with the warning "Truncated File - Missing EOI marker") makes the image
 * broken, like PIL's "image file is truncated" without {@code LOAD_TRUNCATED_IMAGES}.
 * Known differences from PIL, left alone: JPEGs with an embedded non-sRGB ICC profile and CMYK
 * JPEGs are color-converted by the Java reader, while PIL returns the stored values.
 */
final class ImageDecoding {

    /**
     * The most pixels an image may have: PIL's {@code Image.MAX_IMAGE_PIXELS} (89,478,485, a
     * 0.25 GiB RGBA image), above which PIL warns of a decompression bomb (it refuses at twice
     * that). Decoding one that large holds the decoded raster plus jmae's planar copy, about
     * 6 bytes per pixel for RGB (~0.5 GB).
     */
    static final long MAX_PIXELS = 89_478_485L;
    /**
     * The most pixels one byte of a file can justify: deflate's largest ratio (1032:1) at one bit
     * per pixel, the densest PNG packs an image.
     */
    static final long MAX_PIXELS_PER_FILE_BYTE = 1032L * 8;
    /**
     * The most bytes of decoded raster one byte of a file can justify: above the largest ratios
     * of deflate (PNG, 1032), JPEG (a 64-pixel block in two bits, 768 bytes of RGB per byte) and
     * GIF's LZW (about 2730). Only BMP's run-length "skip" codes compress further, and no real
     * image relies on them.
     */
    static final long MAX_RASTER_BYTES_PER_FILE_BYTE = 4096;

    private ImageDecoding() {
    }

    /** Why a file could not be decoded, in the decoder's words. */
    static final class DecodeException extends Exception {
        DecodeException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Decodes an image file's bytes.
     *
     * @param bytes the file content
     * @param channels 3 for RGB, 1 for gray
     * @return the image, [channels, H, W]
     * @throws DecodeException if no reader recognizes the content, the reader fails, or it warns that data is missing
     */
    static Image decode(byte[] bytes, int channels) throws DecodeException {
        BufferedImage img;
        // an in-memory stream: ImageIO.createImageInputStream would cache through a temporary file
        try (ImageInputStream iis = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(iis);
            if (!readers.hasNext()) {
                throw new DecodeException("not a recognized image format (" + bytes.length + " bytes, first bytes "
                        + HexFormat.ofDelimiter(" ").formatHex(bytes, 0, Math.min(8, bytes.length)) + ")", null);
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            try {
                reader.setInput(iis, true, true);
                // the header's size, checked before the decoder allocates anything for the pixels
                String format = reader.getOriginatingProvider().getFormatNames()[0];
                int width = reader.getWidth(0);
                int height = reader.getHeight(0);
                checkSize(width, height, 1, bytes.length, format);
                checkSize(width, height, bitsPerPixel(reader), bytes.length, format);
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
            for (String w : warnings) {
                String lower = w.toLowerCase(Locale.ROOT);
                if (lower.contains("truncated") || lower.contains("premature end")) {
                    throw new DecodeException(reader.getOriginatingProvider().getFormatNames()[0]
                            + " decoder: " + w + " (image file is truncated)", null);
                }
            }
        } catch (IOException | RuntimeException e) {
            // decoders signal corrupt data with IIOException and also with unchecked exceptions
            throw new DecodeException(e.getClass().getSimpleName() + ": " + e.getMessage(), e);
        }
        if (img == null) {
            throw new DecodeException("the decoder returned no image", null);
        }
        return convert(img, channels);
    }

    /** Bits per pixel of the raster the reader would decode into (1 when it cannot say). */
    private static int bitsPerPixel(ImageReader reader) throws IOException {
        ImageTypeSpecifier type = reader.getRawImageType(0);
        if (type == null) {
            Iterator<ImageTypeSpecifier> types = reader.getImageTypes(0);
            type = types != null && types.hasNext() ? types.next() : null;
        }
        return type == null ? 1 : Math.max(1, type.getColorModel().getPixelSize());
    }

    /**
     * Refuses an image whose header claims more than {@link #MAX_PIXELS} pixels, or more than its
     * file's size can hold (called first with 1 bit per pixel, from the size alone, then with the
     * raster's depth, which some readers learn only by reading past the header) ({@link #MAX_PIXELS_PER_FILE_BYTE} pixels and
     * {@link #MAX_RASTER_BYTES_PER_FILE_BYTE} raster bytes per file byte). What decoding then
     * allocates is at most the raster plus 4 bytes per pixel for the planar copies, so at most
     * about 35,000 bytes per file byte.
     *
     * @throws DecodeException naming the size and the limit
     */
    static void checkSize(int width, int height, int bitsPerPixel, int fileBytes, String format)
            throws DecodeException {
        long pixels = (long) width * height;
        if (width <= 0 || height <= 0) {
            throw new DecodeException(format + " header gives a size of " + width + "x" + height, null);
        }
        if (pixels > MAX_PIXELS) {
            throw new DecodeException(String.format(Locale.ROOT, "%s header gives %dx%d = %,d pixels, more than the"
                    + " %,d jmae decodes (PIL's decompression-bomb limit); hint: downscale the image", format, width,
                    height, pixels, MAX_PIXELS), null);
        }
        if (pixels > MAX_PIXELS_PER_FILE_BYTE * fileBytes) {
            throw new DecodeException(String.format(Locale.ROOT,
                    "%s header gives %dx%d = %,d pixels, more than a %,d-byte"
                            + " file can hold; the file is corrupt or truncated",
                    format, width, height, pixels, fileBytes), null);
        }
        long rasterBytes = (pixels * bitsPerPixel + 7) / 8;
        if (rasterBytes > MAX_RASTER_BYTES_PER_FILE_BYTE * fileBytes) {
            throw new DecodeException(String.format(Locale.ROOT, "%s header gives %dx%d = %,d pixels of %d bits, more"
                    + " than a %,d-byte file can hold; the file is corrupt or truncated", format, width, height, pixels,
                    bitsPerPixel, fileBytes), null);
        }
    }

    /**
     * Converts a decoded image to 8-bit planar gray or RGB.
     *
     * @param img the decoded image
     * @param channels 1 or 3
     * @return the image
     */
    static Image convert(BufferedImage img, int channels) {
        int h = img.getHeight();
        int w = img.getWidth();
        int hw = h * w;
        ColorModel cm = img.getColorModel();
        Raster raster = img.getRaster();
        if (!(cm instanceof IndexColorModel) && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY) {
            byte[] gray = new byte[hw];
            int bits = cm.getComponentSize(0);
            int max = (1 << bits) - 1;
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = bits == 8 ? row[x] : bits > 8 ? row[x] >>> (bits - 8) : row[x] * 255 / max;
                    gray[y * w + x] = (byte) v;
                }
            }
            if (channels == 1) {
                return new Image(1, h, w, gray);
            }
            byte[] rgb = new byte[3 * hw];
            for (int c = 0; c < 3; c++) {
                System.arraycopy(gray, 0, rgb, c * hw, hw);
            }
            return new Image(3, h, w, rgb);
        }
        byte[] rgb = new byte[3 * hw];
        boolean direct = !(cm instanceof IndexColorModel) && cm.getColorSpace().isCS_sRGB()
                && !cm.isAlphaPremultiplied()
                && raster.getNumBands() >= 3 && cm.getComponentSize(0) == 8 && cm.getComponentSize(1) == 8
                && cm.getComponentSize(2) == 8;
        int bands = raster.getNumBands();
        int[] row = new int[w * Math.max(bands, 1)];
        for (int y = 0; y < h; y++) {
            if (direct) {
                // bands are R, G, B (, A) for sRGB component and packed models
                raster.getPixels(0, y, w, 1, row);
                for (int x = 0; x < w; x++) {
                    rgb[y * w + x] = (byte) row[x * bands];
                    rgb[hw + y * w + x] = (byte) row[x * bands + 1];
                    rgb[2 * hw + y * w + x] = (byte) row[x * bands + 2];
                }
            } else {
                img.getRGB(0, y, w, 1, row, 0, w);
                for (int x = 0; x < w; x++) {
                    int argb = row[x];
                    rgb[y * w + x] = (byte) (argb >>> 16);
                    rgb[hw + y * w + x] = (byte) (argb >>> 8);
                    rgb[2 * hw + y * w + x] = (byte) argb;
                }
            }
        }
        Image out = new Image(3, h, w, rgb);
        return channels == 1 ? toGray(out) : out;
    }

    /**
     * PIL's RGB to L conversion: L = (19595 R + 38470 G + 7471 B + 2^15) >> 16 (ITU-R 601-2 luma
     * weights 0.299, 0.587, 0.114 in 16-bit fixed point, rounded).
     *
     * @param rgb a 3-channel image
     * @return the 1-channel image
     */
    static Image toGray(Image rgb) {
        int hw = rgb.height() * rgb.width();
        byte[] p = rgb.pixels();
        byte[] out = new byte[hw];
        for (int i = 0; i < hw; i++) {
            out[i] = (byte) (((p[i] & 0xFF) * 19595 + (p[hw + i] & 0xFF) * 38470 + (p[2 * hw + i] & 0xFF) * 7471
                    + 0x8000) >> 16);
        }
        return new Image(1, rgb.height(), rgb.width(), out);
    }

    /**
     * PIL's L to RGB conversion: the gray plane replicated three times.
     *
     * @param gray a 1-channel image
     * @return the 3-channel image
     */
    static Image toRgb(Image gray) {
        int hw = gray.height() * gray.width();
        byte[] out = new byte[3 * hw];
        for (int c = 0; c < 3; c++) {
            System.arraycopy(gray.pixels(), 0, out, c * hw, hw);
        }
        return new Image(3, gray.height(), gray.width(), out);
    }
}
