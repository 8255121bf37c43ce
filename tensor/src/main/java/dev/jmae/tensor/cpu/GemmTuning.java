package dev.jmae.tensor.cpu;

import dev.jmae.tensor.Settings;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The machine-dependent choices of the {@code cpu} GEMM ({@link Gemm}): which register tile runs
 * products whose N is a whole number of its panels, the deepest K strip of each tile, the packed
 * block sizes, the thread split and when a transposed A is packed. Every tuning computes the same
 * products to within rounding; the K strips ({@code kcWide}, {@code kcTall}) decide where partial
 * sums are added into C, so two tunings with different strips can differ in the last bits, while
 * tile, blocks and tasks change only speed. A run that must stay bit-identical (a resume, a golden
 * test) pins one tuning.
 *
 * <p>The tuning in force is chosen once per process, at the first GEMM ({@link #current()}):
 * an {@link #install installed} one; else the system property {@value Settings#GEMM_TUNING}
 * (environment variable {@value Settings#GEMM_TUNING_ENV} when unset): {@code default} for
 * {@link #DEFAULT}, a spec string for that tuning, {@code auto} (the default) for the choice cached
 * for this machine in {@link Settings#cacheDir()}, or, if none is cached, a bounded search
 * ({@link GemmTuner}, at most {@value Settings#GEMM_SEARCH_BUDGET} seconds, 3 by default) whose
 * result is cached. {@value Settings#GEMM_SEARCH}{@code =false} skips the search (cached choice or
 * {@link #DEFAULT}).
 *
 * <p>A tuning prints as one line ({@link #spec()}), e.g.
 * {@code tile=5x3 kc=800/512 bblock=163840 ablock=3145728 tasks=4 tinplace=256}, which
 * {@link #parse} reads back: record it with a run and {@link #install} it on resume.
 *
 * @param wide the tile for products whose N is a multiple of its columns (for 6x4 and 4x4 at least
 *     three panels, {@link #tileFor}; {@link Tile#T8X2}: none, 8x2 everywhere); other products run
 *     8x2 (8x1 for a last panel of one vector)
 * @param kcWide the deepest K strip of the wide tile (depths)
 * @param kcTall the deepest K strip of the 8x2 tile (depths)
 * @param bBlockFloats the largest packed B block [KC, NC], in floats (kept in L2)
 * @param aBlockFloats the largest packed A block [MC, KC], in floats (shared by all threads)
 * @param tasksPerThread tasks a parallel product is cut into per pool thread
 * @param inPlaceTransposedK the deepest strip at which a transposed A (stored [K, M]) is read in
 *     place rather than packed; 0 always packs it
 */
public record GemmTuning(Tile wide, int kcWide, int kcTall, int bBlockFloats, int aBlockFloats,
                         int tasksPerThread, int inPlaceTransposedK) {

    /**
     * The register tiles: rows of C by vectors of columns, each a micro-kernel in
     * {@link GemmKernels}. All have at most 8 rows (the transposed-A packing copies 8 lanes per depth).
     */
    public enum Tile {
        /** 5 rows x 3 vectors (15 accumulators): one 512-bit FMA unit (Zen 4), A panel 5 x KC. */
        T5X3(5, 3),
        /** 6 rows x 4 vectors (24 accumulators): fewer loads per FMA for two FMA units. */
        T6X4(6, 4),
        /** 4 rows x 4 vectors (16 accumulators). */
        T4X4(4, 4),
        /** 6 rows x 2 vectors (12 accumulators): fits the 16 registers of AVX2. */
        T6X2(6, 2),
        /** 8 rows x 2 vectors (16 accumulators): the tile for every other N; as the wide tile, none. */
        T8X2(8, 2);

        final int rows;
        final int vectors;

        Tile(int rows, int vectors) {
            this.rows = rows;
            this.vectors = vectors;
        }

        /** @return rows of C per tile (MR) */
        public int rows() {
            return rows;
        }

        /** @return vectors of columns per tile (NR = vectors x lanes) */
        public int vectors() {
            return vectors;
        }

        /** @return the spec name, e.g. {@code 5x3} */
        public String label() {
            return rows + "x" + vectors;
        }

        static Tile ofLabel(String label) {
            for (Tile t : values()) {
                if (t.label().equals(label)) {
                    return t;
                }
            }
            return null;
        }
    }

    /**
     * The built-in tuning, the constants the GEMM had before it tuned itself (tuned on a Zen 4
     * core): 5x3 (K strips of 800) where N is a multiple of 3 vectors, 8x2 (strips of 512) else,
     * 640 KiB B blocks, 12 MiB A blocks, 4 tasks per thread, a transposed A read in place up to 256
     * depths. Tests pin it, so golden and bit-identity tests do not depend on the machine.
     */
    public static final GemmTuning DEFAULT = new GemmTuning(Tile.T5X3, 800, 512, 160 * 1024, 3 * 1024 * 1024, 4, 256);

    private static volatile GemmTuning installed;

    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException if a field is out of range (a null tile, a strip below 16 or
     *     above 8192 depths, a block below one strip of one panel, tasks outside 1..64, a negative
     *     in-place depth)
     */
    public GemmTuning {
        if (wide == null) {
            throw new IllegalArgumentException(
                    "GEMM tuning: the wide tile is null; hint: one of 5x3, 6x4, 4x4, 6x2, 8x2");
        }
        checkRange("kcWide", kcWide, 16, 8192);
        checkRange("kcTall", kcTall, 16, 8192);
        checkRange("bBlockFloats", bBlockFloats, 16 * 64, 1 << 26);
        checkRange("aBlockFloats", aBlockFloats, 16 * 8, 1 << 26);
        checkRange("tasksPerThread", tasksPerThread, 1, 64);
        checkRange("inPlaceTransposedK", inPlaceTransposedK, 0, 1 << 20);
    }

    private static void checkRange(String name, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException("GEMM tuning: " + name + " must be in [" + min + ", " + max
                    + "], given " + value);
        }
    }

    /**
     * The one-line form {@link #parse} reads back, e.g.
     * {@code tile=5x3 kc=800/512 bblock=163840 ablock=3145728 tasks=4 tinplace=256}.
     *
     * @return the spec string
     */
    public String spec() {
        return String.format(Locale.ROOT, "tile=%s kc=%d/%d bblock=%d ablock=%d tasks=%d tinplace=%d",
                wide.label(), kcWide, kcTall, bBlockFloats, aBlockFloats, tasksPerThread, inPlaceTransposedK);
    }

    @Override
    public String toString() {
        return spec();
    }

    /**
     * Reads a tuning from its {@link #spec()} string, or {@code default} for {@link #DEFAULT}.
     * Every key must be given once: {@code tile} (5x3, 6x4, 4x4, 6x2 or 8x2), {@code kc}
     * (wide/tall strip depths), {@code bblock}, {@code ablock} (floats), {@code tasks},
     * {@code tinplace} (depths), separated by spaces.
     *
     * @param spec the spec string
     * @return the tuning
     * @throws IllegalArgumentException if the string is not a valid spec
     */
    public static GemmTuning parse(String spec) {
        Objects.requireNonNull(spec, "spec");
        String s = spec.trim();
        if (s.equals("default")) {
            return DEFAULT;
        }
        Map<String, String> kv = new LinkedHashMap<>();
        for (String part : s.split("\\s+")) {
            int eq = part.indexOf('=');
            if (eq <= 0) {
                throw bad(spec, "'" + part + "' is not key=value");
            }
            if (kv.put(part.substring(0, eq), part.substring(eq + 1)) != null) {
                throw bad(spec, "key '" + part.substring(0, eq) + "' given twice");
            }
        }
        for (String key : new String[] {"tile", "kc", "bblock", "ablock", "tasks", "tinplace"}) {
            if (!kv.containsKey(key)) {
                throw bad(spec, "key '" + key + "' missing");
            }
        }
        if (kv.size() != 6) {
            kv.keySet().removeAll(java.util.List.of("tile", "kc", "bblock", "ablock", "tasks", "tinplace"));
            throw bad(spec, "unknown key(s) " + kv.keySet());
        }
        Tile tile = Tile.ofLabel(kv.get("tile"));
        if (tile == null) {
            throw bad(spec, "unknown tile '" + kv.get("tile") + "'");
        }
        String[] kc = kv.get("kc").split("/", -1);
        if (kc.length != 2) {
            throw bad(spec, "kc must be WIDE/TALL, given '" + kv.get("kc") + "'");
        }
        try {
            return new GemmTuning(tile, Integer.parseInt(kc[0]), Integer.parseInt(kc[1]),
                    Integer.parseInt(kv.get("bblock")), Integer.parseInt(kv.get("ablock")),
                    Integer.parseInt(kv.get("tasks")), Integer.parseInt(kv.get("tinplace")));
        } catch (NumberFormatException e) {
            throw bad(spec, "a number is malformed (" + e.getMessage() + ")");
        }
    }

    private static IllegalArgumentException bad(String spec, String why) {
        return new IllegalArgumentException("not a GEMM tuning spec: '" + spec + "': " + why
                + "; hint: 'default' or e.g. '" + DEFAULT.spec() + "'");
    }

    /**
     * The tuning in force in this process, chosen at the first call as the class comment says
     * (this may run the bounded search once, or read the cache); later calls return it at once.
     *
     * @return the tuning the {@code cpu} GEMM uses
     * @throws IllegalArgumentException if {@value Settings#GEMM_TUNING} holds an invalid spec
     */
    public static GemmTuning current() {
        GemmTuning t = installed;
        return t != null ? t : resolve();
    }

    /**
     * Makes {@code tuning} the one the {@code cpu} GEMM uses in this process from the next product
     * on (for example the tuning recorded in a run directory, on resume). Call it before the
     * products whose bits must match; products already running finish with the tuning they started with.
     *
     * @param tuning the tuning
     */
    public static void install(GemmTuning tuning) {
        installed = Objects.requireNonNull(tuning, "tuning");
    }

    private static synchronized GemmTuning resolve() {
        GemmTuning t = installed;
        if (t != null) {
            return t;
        }
        String pin = Settings.gemmTuning();
        if (pin.equals("auto")) {
            t = GemmTuner.cachedOrSearch(Settings.cacheDir(), Settings.gemmSearch(), Settings.gemmSearchBudget(),
                    GemmTuner.DEFAULT_SHAPES, GemmTuner::warn).tuning();
        } else {
            try {
                t = parse(pin);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(Settings.GEMM_TUNING + " (or " + Settings.GEMM_TUNING_ENV + "): "
                        + e.getMessage(), e);
            }
        }
        installed = t;
        return t;
    }

    /**
     * The tile for a product with N columns: the wide tile when N is a whole number of its panels
     * (and, for a tile of four vectors, at least {@value #MIN_WIDE4_PANELS} of them), else 8x2.
     *
     * <p>With 64-column panels, N = 128 (the 32-px decoder's width) would run 6x4 at its 800-deep
     * strips, and the decoder's weight gradients over 4160 tokens (512/384/128 x 128) then could
     * not read their transposed A in place ({@link GemmDeep}, at most 512 depths): 0.5-0.7x their
     * speed on 8x2 (journal, 2026-12-07 20:07-21:45), enough to make the 32-px MAE step slower.
     */
    Tile tileFor(int n) {
        int cols = wide.vectors * GemmKernels.L;
        boolean enough = wide.vectors < 4 || n >= MIN_WIDE4_PANELS * cols;
        return n % cols == 0 && enough ? wide : Tile.T8X2;
    }

    /** The fewest panels a wide tile of four vectors takes (see {@link #tileFor}). */
    static final int MIN_WIDE4_PANELS = 3;

    /** The deepest K strip of a tile. */
    int kcMax(Tile tile) {
        return tile == wide && wide != Tile.T8X2 ? kcWide : kcTall;
    }
}
