package dev.jmae.gpu;

import java.util.Locale;

/**
 * The family of kernels an OpenCL device gets, chosen from {@code CL_DEVICE_TYPE} when its programs
 * are built (passed to the compiler as {@code -D VARIANT_GPU} or {@code -D VARIANT_CPU}) and used by
 * the host to pick launch geometry.
 *
 * <p>The system property {@code jmae.opencl.variant} ({@code gpu} or {@code cpu}) overrides the
 * choice, e.g. to run the GPU-style kernels on PoCL for testing.
 */
public enum Variant {
    /** GPU-style: local-memory tiles, wide work-groups, tree reductions across work-items. */
    GPU,
    /** CPU-style (PoCL and other CPU drivers): packed panels and explicit float16 vectors, narrow work-groups. */
    CPU;

    /**
     * The compiler define that selects this variant in the {@code .cl} sources.
     *
     * @return {@code VARIANT_GPU} or {@code VARIANT_CPU}
     */
    String define() {
        return "VARIANT_" + name();
    }

    /**
     * Parses {@code gpu} or {@code cpu}.
     *
     * @param text the name, any case
     * @return the variant
     * @throws IllegalArgumentException if the text names neither
     */
    static Variant parse(String text) {
        try {
            return valueOf(text.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("jmae.opencl.variant: expected gpu or cpu, got '" + text + "'", e);
        }
    }
}
