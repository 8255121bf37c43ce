package dev.jmae.tensor.cpu;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The bounded search that picks a {@link GemmTuning} for the machine it runs on, and its cache.
 *
 * <p>Search: two stages over a small candidate set, timed on a few representative products
 * ({@link #DEFAULT_SHAPES}: 1024³ NN, whose N is not a multiple of 48, a Linear layer's NT product at the
 * ViT qkv shape, and its weight-gradient TN product with a deep K), on the {@link Parallel} pool.
 * Stage 1 tries every register tile with default blocking; stage 2 varies one blocking parameter at
 * a time around the stage-1 winner (A and B block sizes, tasks per thread, when a transposed A is
 * packed, the wide tile's K strip, shorter and longer). Within a stage the candidates are run in
 * interleaved rounds (every candidate on every shape once per round) until the stage's half of the
 * budget is spent, at least three rounds; each (candidate, shape) scores its median time over the
 * rounds after the first (which runs every candidate on the full-size products once: first-touch
 * buffers and late compilations made 1024³ run at 14-16 GFLOP/s in it), so that a core briefly
 * taken by another process does not count, while a tuning that is fast only in its best round
 * does not win (every tile is first run on small products, untimed, so that its kernel is compiled
 * before stage 1; by the fastest time, 6x4 and 5x3 scored level on Zen 5, by the median of
 * interleaved calls 6x4 was 7-12% faster). The score is the geometric mean of GFLOP/s over the
 * shapes, where a product's time is the CPU time of the {@link Parallel} pool's
 * threads divided by their number ({@link Parallel#cpuNanos()}), when that is less than the wall
 * time: on a shared machine the wall time mostly measures how long other processes held the cores,
 * the CPU time what the product cost; a stage's first row (the default, then the stage-1 winner)
 * stays unless another beats it by more than 3%. The search is only as good as the machine is
 * quiet: run {@code jmae tune} with a longer budget when other processes were busy.
 *
 * <p>Cache: one small properties file per machine, {@code gemm-tuning-<hash>.properties} in the
 * cache directory, where the hash is of the {@link #machineKey()} (CPU model name, vendor, family,
 * model and stepping, vector width, FMA and AVX flags, processors, pool threads, JDK version),
 * which the file also holds in full. It is written to a temporary file and renamed over the old
 * one. A file that cannot be read or parsed, or whose key is another machine's, is ignored with a
 * warning and the search runs again.
 */
public final class GemmTuner {

    /** Cache file format tag. */
    static final String FORMAT = "jmae-gemm-tuning-1";

    /**
     * One timed product: M, N, K and the layout (T: A stored [K, M], B stored [N, K]).
     *
     * @param m rows of C
     * @param n columns of C
     * @param k depth
     * @param transA A stored transposed
     * @param transB B stored transposed
     */
    public record Shape(int m, int n, int k, boolean transA, boolean transB) {

        /** @return e.g. {@code NT 768x2304x768} (layout, then M x N x K) */
        public String label() {
            return (transA ? "T" : "N") + (transB ? "T" : "N") + " " + m + "x" + n + "x" + k;
        }

        double flops() {
            return 2.0 * m * n * k;
        }
    }

    /**
     * One candidate tried: its tuning, GFLOP/s per shape (best of the rounds) and their geometric mean.
     *
     * @param tuning the candidate
     * @param stage 1 (tiles) or 2 (blocking around the stage-1 winner)
     * @param gflops GFLOP/s per shape, in the order of the result's shapes
     * @param score geometric mean of {@code gflops}
     */
    public record Row(GemmTuning tuning, int stage, double[] gflops, double score) {
    }

    /**
     * What a search found.
     *
     * @param key the machine key the choice is cached under
     * @param shapes the timed products
     * @param rows every candidate tried, in order
     * @param chosen the winner
     * @param cacheFile where it was cached (null when writing failed; a warning said why)
     * @param seconds how long the search took
     */
    public record Result(String key, List<Shape> shapes, List<Row> rows, GemmTuning chosen, Path cacheFile,
                         double seconds) {
    }

    /** Where a tuning came from. */
    public enum Source {
        /** read from the cache file */
        CACHED,
        /** found by a search just now (and cached) */
        SEARCHED,
        /** the built-in {@link GemmTuning#DEFAULT}: searching was off and nothing was cached */
        DEFAULT
    }

    /**
     * A tuning and where it came from.
     *
     * @param tuning the tuning
     * @param source where it came from
     * @param cacheFile the machine's cache file (whether or not it exists)
     * @param result the search's result when {@code source} is SEARCHED, else null
     */
    public record Outcome(GemmTuning tuning, Source source, Path cacheFile, Result result) {
    }

    /**
     * The products the search times, about 25 GFLOP per candidate and round: 1024³ NN, a ViT-B qkv
     * Linear layer's forward product (X·Wᵀ, NT [3200, 768]×[768, 2304]) and its weight gradient
     * (dYᵀ·X, TN [768, 3200]×[3200, 2304], deep K, A packed). Smaller stand-ins (768-row
     * products) picked a tile that was slower on these shapes (2026-12-07).
     */
    public static final List<Shape> DEFAULT_SHAPES = List.of(
            new Shape(1024, 1024, 1024, false, false),
            new Shape(3200, 2304, 768, false, true),
            new Shape(768, 2304, 3200, true, false));

    /** How much better than the incumbent a challenger must score to be chosen (3%). */
    static final double MARGIN = 1.03;

    /** Searches run in this process (the cache test checks that a cached choice is not searched again). */
    static final AtomicInteger SEARCHES = new AtomicInteger();

    private GemmTuner() {
    }

    /**
     * The tuning cached for this machine in {@code cacheDir}, or when there is none (or it is corrupt
     * or foreign, with a warning) a new search's, cached; or {@link GemmTuning#DEFAULT} when
     * {@code search} is false and nothing usable is cached.
     *
     * @param cacheDir the cache directory (created when needed)
     * @param search whether a search may run
     * @param budgetSeconds the search's time budget
     * @param shapes the products the search times
     * @param warn where warnings go (one line each)
     * @return the tuning and where it came from
     */
    public static synchronized Outcome cachedOrSearch(Path cacheDir, boolean search, double budgetSeconds,
                                                      List<Shape> shapes, Consumer<String> warn) {
        String key = machineKey();
        Path file = cacheFile(cacheDir, key);
        GemmTuning cached = readCache(file, key, warn);
        if (cached != null) {
            return new Outcome(cached, Source.CACHED, file, null);
        }
        if (!search) {
            return new Outcome(GemmTuning.DEFAULT, Source.DEFAULT, file, null);
        }
        Result r = search(cacheDir, budgetSeconds, shapes, warn);
        return new Outcome(r.chosen(), Source.SEARCHED, file, r);
    }

    /**
     * Runs the search (whatever is cached) and caches its winner in {@code cacheDir}.
     *
     * @param cacheDir the cache directory (created when needed)
     * @param budgetSeconds the time budget; each stage runs at least three rounds, so a tiny budget
     *     still times every candidate twice after a first, untimed round
     * @param shapes the products to time, at least one
     * @param warn where warnings go (a cache file that could not be written)
     * @return the table and the choice
     * @throws IllegalArgumentException if {@code shapes} is empty or the budget is not positive
     */
    public static synchronized Result search(Path cacheDir, double budgetSeconds, List<Shape> shapes,
                                             Consumer<String> warn) {
        if (shapes.isEmpty() || !(budgetSeconds > 0)) {
            throw new IllegalArgumentException("GEMM search needs at least one shape and a positive budget, given "
                    + shapes.size() + " shapes and " + budgetSeconds + " s");
        }
        SEARCHES.incrementAndGet();
        long start = System.nanoTime();
        Operands ops = new Operands(shapes);
        List<Row> rows = new ArrayList<>();
        long stageNanos = (long) (budgetSeconds * 0.5e9);
        List<GemmTuning> tiles = new ArrayList<>();
        for (GemmTuning.Tile t : GemmTuning.Tile.values()) {
            tiles.add(withTile(t));
        }
        warmUp(tiles);
        List<Row> stage1 = measure(tiles, 1, ops, stageNanos);
        rows.addAll(stage1);
        GemmTuning best = best(stage1).tuning();
        List<Row> stage2 = measure(variants(best), 2, ops, stageNanos);
        rows.addAll(stage2);
        GemmTuning chosen = best(stage2).tuning();
        String key = machineKey();
        Path file = cacheFile(cacheDir, key);
        double seconds = (System.nanoTime() - start) / 1e9;
        try {
            writeCache(file, key, chosen, shapes, rows);
        } catch (IOException | RuntimeException e) {
            warn.accept(
                    "could not cache the GEMM tuning in " + file + " (" + e + "); it is used for this process only");
            file = null;
        }
        return new Result(key, List.copyOf(shapes), List.copyOf(rows), chosen, file, seconds);
    }

    /**
     * Every tuning the search can try: each tile's stage-1 candidate and the stage-2 variants of
     * it (the parity tests run all of them).
     */
    static List<GemmTuning> candidates() {
        java.util.LinkedHashSet<GemmTuning> all = new java.util.LinkedHashSet<>();
        for (GemmTuning.Tile t : GemmTuning.Tile.values()) {
            all.addAll(variants(withTile(t)));
        }
        return List.copyOf(all);
    }

    /**
     * The stage-1 candidate for a tile: default blocking, a K strip keeping its A panel near 16 KiB
     * (6x4: 19 KiB at 800 depths, up to 10% faster than 640 at the qkv and mlp shapes on Zen 5 and
     * level at 1024³; stage 2 tries 480 as well).
     */
    private static GemmTuning withTile(GemmTuning.Tile t) {
        GemmTuning d = GemmTuning.DEFAULT;
        int kcWide = switch (t) {
            case T5X3 -> d.kcWide();
            case T6X4 -> 800;
            case T6X2 -> 640;
            case T4X4 -> 960;
            case T8X2 -> d.kcTall();
        };
        return new GemmTuning(t, kcWide, d.kcTall(), d.bBlockFloats(), d.aBlockFloats(), d.tasksPerThread(),
                d.inPlaceTransposedK());
    }

    /**
     * Runs every tile's kernel on small products in every layout until C2 has had the chance to
     * compile it (a few hundred thousand inner-loop iterations each), so that stage 1 does not
     * time the interpreter: about 0.5 GFLOP in all.
     */
    private static void warmUp(List<GemmTuning> tiles) {
        List<Shape> small = new ArrayList<>();
        for (boolean ta : new boolean[] {false, true}) {
            for (boolean tb : new boolean[] {false, true}) {
                small.add(new Shape(48, 192, 320, ta, tb));
            }
        }
        Operands ops = new Operands(small);
        for (int rep = 0; rep < 8; rep++) {
            for (GemmTuning t : tiles) {
                for (int s = 0; s < small.size(); s++) {
                    ops.run(t, s);
                }
            }
        }
    }

    /** Stage 2: the winner and one-parameter changes of it. */
    private static List<GemmTuning> variants(GemmTuning w) {
        List<GemmTuning> v = new ArrayList<>();
        v.add(w);
        // a shorter and a longer K strip of the wide tile: the A panel kept nearer half of a 32 KiB
        // L1, or filling more of a 48 KiB one (6x4 ran up to 10% faster at 800 depths than at 640 on Zen 5)
        for (int kc : new int[] {Math.max(128, w.kcWide() * 3 / 5 / 16 * 16), w.kcWide() * 5 / 4 / 16 * 16}) {
            v.add(new GemmTuning(w.wide(), kc, w.wide() == GemmTuning.Tile.T8X2 ? kc : w.kcTall(),
                    w.bBlockFloats(), w.aBlockFloats(), w.tasksPerThread(), w.inPlaceTransposedK()));
        }
        for (int ab : new int[] {128 * 1024, 512 * 1024}) {
            v.add(new GemmTuning(w.wide(), w.kcWide(), w.kcTall(), w.bBlockFloats(), ab, w.tasksPerThread(),
                    w.inPlaceTransposedK()));
        }
        for (int bb : new int[] {w.bBlockFloats() / 2, w.bBlockFloats() * 2}) {
            v.add(new GemmTuning(w.wide(), w.kcWide(), w.kcTall(), bb, w.aBlockFloats(), w.tasksPerThread(),
                    w.inPlaceTransposedK()));
        }
        for (int tasks : new int[] {2, 8}) {
            if (tasks != w.tasksPerThread()) {
                v.add(new GemmTuning(w.wide(), w.kcWide(), w.kcTall(), w.bBlockFloats(), w.aBlockFloats(), tasks,
                        w.inPlaceTransposedK()));
            }
        }
        for (int tin : new int[] {0, 1024}) {
            v.add(new GemmTuning(w.wide(), w.kcWide(), w.kcTall(), w.bBlockFloats(), w.aBlockFloats(),
                    w.tasksPerThread(), tin));
        }
        return v;
    }

    /**
     * The stage's winner: the first row (the default tuning in stage 1, the stage-1 winner in stage
     * 2) unless another scores more than {@link #MARGIN} higher, so that noise alone does not move
     * the choice away from the incumbent.
     */
    private static Row best(List<Row> rows) {
        Row first = rows.get(0);
        Row best = first;
        for (Row r : rows) {
            if (r.score() > best.score()) {
                best = r;
            }
        }
        return best.score() > first.score() * MARGIN ? best : first;
    }

    /**
     * Interleaved rounds until the stage budget is spent (at least three); per cell the median time
     * of the rounds after the first.
     */
    private static List<Row> measure(List<GemmTuning> candidates, int stage, Operands ops, long nanos) {
        int nShapes = ops.shapes.size();
        List<double[][]> rounds = new ArrayList<>();
        long start = System.nanoTime();
        for (int round = 0; round < 3 || System.nanoTime() - start < nanos; round++) {
            double[][] times = new double[candidates.size()][nShapes];
            for (int c = 0; c < candidates.size(); c++) {
                for (int s = 0; s < nShapes; s++) {
                    long t0 = System.nanoTime();
                    long cpu0 = Parallel.cpuNanos();
                    ops.run(candidates.get(c), s);
                    long wall = System.nanoTime() - t0;
                    double cpu = (double) (Parallel.cpuNanos() - cpu0) / Parallel.threads();
                    // the pool's CPU time per thread: the wall time the product would take with the
                    // cores to itself (a product that ran on one thread only takes its wall time)
                    times[c][s] = 2L * ops.shapes.get(s).m() * ops.shapes.get(s).n()
                            * ops.shapes.get(s).k() < Gemm.PARALLEL_MIN_FLOPS ? wall : Math.min(wall, cpu);
                }
            }
            if (round > 0) {
                rounds.add(times);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int c = 0; c < candidates.size(); c++) {
            double[] g = new double[nShapes];
            double logSum = 0;
            for (int s = 0; s < nShapes; s++) {
                double[] times = new double[rounds.size()];
                for (int r = 0; r < times.length; r++) {
                    times[r] = rounds.get(r)[c][s];
                }
                g[s] = ops.shapes.get(s).flops() / median(times);
                logSum += Math.log(g[s]);
            }
            rows.add(new Row(candidates.get(c), stage, g, Math.exp(logSum / nShapes)));
        }
        return rows;
    }

    /** The median of the values (the mean of the middle two for an even count); sorts them. */
    private static double median(double[] values) {
        Arrays.sort(values);
        int h = values.length / 2;
        return values.length % 2 == 1 ? values[h] : (values[h - 1] + values[h]) / 2;
    }

    /** Seeded operands of every shape, and the product run. */
    private static final class Operands {
        final List<Shape> shapes;
        final float[][] a;
        final float[][] b;
        final float[][] c;

        Operands(List<Shape> shapes) {
            this.shapes = shapes;
            SplittableRandom rnd = new SplittableRandom(17);
            a = new float[shapes.size()][];
            b = new float[shapes.size()][];
            c = new float[shapes.size()][];
            for (int s = 0; s < shapes.size(); s++) {
                Shape sh = shapes.get(s);
                a[s] = random(rnd, sh.m() * sh.k());
                b[s] = random(rnd, sh.k() * sh.n());
                c[s] = new float[sh.m() * sh.n()];
            }
        }

        private static float[] random(SplittableRandom rnd, int size) {
            float[] x = new float[size];
            for (int i = 0; i < size; i++) {
                x[i] = (float) rnd.nextDouble(-1, 1);
            }
            return x;
        }

        void run(GemmTuning t, int s) {
            Shape sh = shapes.get(s);
            int m = sh.m();
            int n = sh.n();
            int k = sh.k();
            Gemm.sgemm(t, m, n, k, a[s], 0, sh.transA() ? 1 : k, sh.transA() ? m : 1,
                    b[s], 0, sh.transB() ? 1 : n, sh.transB() ? k : 1, c[s], 0, n, null, 0, 0, false);
        }
    }

    /**
     * What the cache is keyed by: CPU model, architecture, vector width, the FMA/AVX2/AVX-512 flags,
     * processors, pool threads and JDK version, e.g. {@code cpu=AMD EPYC (AuthenticAMD family 26 model 2
     * stepping 1); arch=amd64; vector=512-bit; flags=fma,avx2,avx512f; processors=2; threads=2; jdk=25.0.3+9-LTS}
     * (vendor, family, model and stepping from /proc/cpuinfo, since VMs often name the model vaguely).
     *
     * @return the key
     */
    public static String machineKey() {
        String model = System.getProperty("os.arch");
        String flags = "";
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8);
            String m = field(lines, "model name");
            if (m == null) {
                m = field(lines, "CPU part");
            }
            if (m != null) {
                model = m;
            }
            // VMs often report a bare "AMD EPYC": vendor, family, model and stepping tell Zen 4 from Zen 5
            String vendor = field(lines, "vendor_id");
            String family = field(lines, "cpu family");
            String number = field(lines, "model");
            String stepping = field(lines, "stepping");
            if (family != null && number != null) {
                model += " (" + (vendor == null ? "" : vendor + " ") + "family " + family + " model " + number
                        + (stepping == null ? "" : " stepping " + stepping) + ")";
            }
            String f = field(lines, "flags");
            if (f == null) {
                f = field(lines, "Features");
            }
            if (f != null) {
                List<String> have = List.of(f.split("\\s+"));
                List<String> keep = new ArrayList<>();
                for (String want : new String[] {"fma", "avx2", "avx512f", "asimd", "sve"}) {
                    if (have.contains(want)) {
                        keep.add(want);
                    }
                }
                flags = String.join(",", keep);
            }
        } catch (IOException | RuntimeException e) {
            // not Linux: the model stays the architecture
        }
        return String.format(Locale.ROOT, "cpu=%s; arch=%s; vector=%d-bit; flags=%s; processors=%d; threads=%d; jdk=%s",
                model.replaceAll("\\s+", " ").trim(), System.getProperty("os.arch"), GemmKernels.S.vectorBitSize(),
                flags, Runtime.getRuntime().availableProcessors(), Parallel.threads(), Runtime.version());
    }

    private static String field(List<String> lines, String name) {
        for (String line : lines) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    /**
     * The cache file for a machine key in a directory.
     *
     * @param cacheDir the cache directory
     * @param key the machine key
     * @return {@code cacheDir/gemm-tuning-<first 16 hex digits of SHA-256(key)>.properties}
     */
    public static Path cacheFile(Path cacheDir, String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return cacheDir.resolve("gemm-tuning-" + HexFormat.of().formatHex(h, 0, 8) + ".properties");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** The cached tuning, or null (with a warning unless the file is simply absent). */
    static GemmTuning readCache(Path file, String key, Consumer<String> warn) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            warn.accept("ignoring the GEMM tuning cache " + file + ": cannot read it (" + e + "); tuning again");
            return null;
        }
        Properties p = new Properties();
        try {
            p.load(new StringReader(text));
        } catch (IOException | IllegalArgumentException e) {
            warn.accept("ignoring the GEMM tuning cache " + file + ": corrupt (" + e.getMessage() + "); tuning again");
            return null;
        }
        if (!FORMAT.equals(p.getProperty("format"))) {
            warn.accept("ignoring the GEMM tuning cache " + file + ": corrupt or another format (format="
                    + p.getProperty("format") + ", expected " + FORMAT + "); tuning again");
            return null;
        }
        if (!key.equals(p.getProperty("key"))) {
            warn.accept("ignoring the GEMM tuning cache " + file + ": it is for another machine or JDK (key '"
                    + p.getProperty("key") + "', this one '" + key + "'); tuning again");
            return null;
        }
        try {
            return GemmTuning.parse(String.valueOf(p.getProperty("spec")));
        } catch (IllegalArgumentException e) {
            warn.accept("ignoring the GEMM tuning cache " + file + ": corrupt (" + e.getMessage() + "); tuning again");
            return null;
        }
    }

    /** Writes the cache file atomically: a temporary file in the same directory, renamed over the old one. */
    static void writeCache(Path file, String key, GemmTuning chosen, List<Shape> shapes, List<Row> rows)
            throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Properties p = new Properties();
        p.setProperty("format", FORMAT);
        p.setProperty("key", key);
        p.setProperty("spec", chosen.spec());
        StringBuilder table = new StringBuilder("jmae GEMM tuning, chosen by the search (GFLOP/s per product):");
        for (Row r : rows) {
            table.append('\n').append(r.tuning().spec()).append(':');
            for (int s = 0; s < shapes.size(); s++) {
                table.append(String.format(Locale.ROOT, " %s %.1f", shapes.get(s).label(), r.gflops()[s]));
            }
        }
        StringWriter w = new StringWriter();
        p.store(w, table.toString());
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            Files.writeString(tmp, w.toString(), StandardCharsets.ISO_8859_1);
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The default warning sink: the System.Logger named after {@link GemmTuning}, level WARNING (stderr by default). */
    static void warn(String message) {
        System.getLogger(GemmTuning.class.getName()).log(System.Logger.Level.WARNING, message);
    }

    /**
     * The search's table as text: one line per candidate (GFLOP/s per shape, the score, the chosen
     * row marked with {@code *}).
     *
     * @param r a search result
     * @return the table, lines ending in newlines
     */
    public static String table(Result r) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "  %-2s %-5s %-62s", "", "stage", "tuning"));
        for (Shape s : r.shapes()) {
            sb.append(String.format(Locale.ROOT, " %18s", s.label()));
        }
        sb.append(String.format(Locale.ROOT, " %9s%n", "geomean"));
        for (Row row : r.rows()) {
            sb.append(String.format(Locale.ROOT, "  %-2s %-5d %-62s", row.tuning().equals(r.chosen()) ? "*" : "",
                    row.stage(), row.tuning().spec()));
            for (double g : row.gflops()) {
                sb.append(String.format(Locale.ROOT, " %18.1f", g));
            }
            sb.append(String.format(Locale.ROOT, " %9.1f%n", row.score()));
        }
        return sb.toString();
    }
}
