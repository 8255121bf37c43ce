package dev.jmae.gpu.cuda;

import dev.jmae.gpu.KernelSource;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every CUDA kernel source (the shared sources with the CUDA prelude, and the CUDA-only ones)
 * compiles with nvcc for sm_80 and sm_90, device code only and with NVRTC's options
 * ({@link CudaLaunchLimits#NVRTC_OPTIONS}), as the CUDA backend's JIT will; and ptxas's report
 * of each kernel is within its {@link CudaLaunchLimits}: registers within the budget of its
 * occupancy target, no spills, static plus the launch's dynamic shared memory within 48 KiB.
 * Writes the per-kernel table to target/cuda-kernel-resources.md.
 */
class CudaKernelCompileTest {

    static final List<String> ARCHS = List.of("sm_80", "sm_90");

    /** One kernel in ptxas's report. */
    record Entry(String kernel, int registers, int stackBytes, int spillStores, int spillLoads, int sharedBytes) {
    }

    /** The compile of one source for one arch: nvcc's exit code and output, and the kernels. */
    record Compile(int exitCode, String output, Map<String, Entry> kernels) {
    }

    private static final Pattern ENTRY = Pattern.compile("Compiling entry function '(\\w+)' for '(sm_\\d+)'");
    private static final Pattern FRAME = Pattern.compile(
            "(\\d+) bytes stack frame, (\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern USED = Pattern.compile("Used (\\d+) registers");
    private static final Pattern SMEM = Pattern.compile("(\\d+) bytes smem");

    private static final Map<String, Compile> RESULTS = new ConcurrentHashMap<>();

    static List<String> sources() {
        List<String> all = new ArrayList<>(KernelSource.SHARED);
        all.addAll(KernelSource.CUDA_ONLY);
        return all;
    }

    /** Compiles every (source, arch) once, two at a time; later calls return the cached results. */
    static synchronized Map<String, Compile> compileAll() {
        if (!RESULTS.isEmpty()) {
            return RESULTS;
        }
        Path nvcc = Toolchain.nvcc();
        try {
            Path dir = Files.createDirectories(Path.of("target", "cuda-compile"));
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                Map<String, Future<Compile>> pending = new LinkedHashMap<>();
                for (String source : sources()) {
                    Path cu = dir.resolve(source.replace('.', '_') + ".cu");
                    Files.writeString(cu, KernelSource.assemble(KernelSource.Target.CUDA, source));
                    for (String arch : ARCHS) {
                        pending.put(source + "/" + arch, pool.submit(() -> compile(nvcc, dir, cu, arch)));
                    }
                }
                for (Map.Entry<String, Future<Compile>> e : pending.entrySet()) {
                    RESULTS.put(e.getKey(), e.getValue().get());
                }
            } finally {
                pool.shutdown();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException("nvcc runs failed", e);
        }
        return RESULTS;
    }

    private static Compile compile(Path nvcc, Path dir, Path cu, String arch) {
        List<String> cmd = new ArrayList<>(List.of(nvcc.toString(), "-cubin", "-arch=" + arch, "-Xptxas", "-v"));
        cmd.addAll(CudaLaunchLimits.NVRTC_OPTIONS);
        cmd.addAll(List.of("-o", cu.getFileName() + "." + arch + ".cubin", cu.getFileName().toString()));
        Toolchain.Run r = Toolchain.run(dir, 300, cmd);
        return new Compile(r.exitCode(), r.output(), parse(r.output(), arch));
    }

    /** The kernels of one arch in ptxas -v output (an entry's lines follow its "Compiling" line). */
    static Map<String, Entry> parse(String output, String arch) {
        Map<String, Entry> out = new LinkedHashMap<>();
        String[] lines = output.split("\n");
        for (int i = 0; i < lines.length; i++) {
            Matcher m = ENTRY.matcher(lines[i]);
            if (!m.find() || !m.group(2).equals(arch)) {
                continue;
            }
            String kernel = m.group(1);
            int stack = -1;
            int stores = -1;
            int loads = -1;
            int regs = -1;
            int smem = 0;
            for (int j = i + 1; j < lines.length && !ENTRY.matcher(lines[j]).find(); j++) {
                Matcher f = FRAME.matcher(lines[j]);
                if (f.find()) {
                    stack = Integer.parseInt(f.group(1));
                    stores = Integer.parseInt(f.group(2));
                    loads = Integer.parseInt(f.group(3));
                }
                Matcher u = USED.matcher(lines[j]);
                if (u.find()) {
                    regs = Integer.parseInt(u.group(1));
                    Matcher s = SMEM.matcher(lines[j]);
                    smem = s.find() ? Integer.parseInt(s.group(1)) : 0;
                }
            }
            out.put(kernel, new Entry(kernel, regs, stack, stores, loads, smem));
        }
        return out;
    }

    @TestFactory
    Stream<DynamicTest> everyKernelCompilesWithinItsLaunchLimits() {
        List<DynamicTest> tests = new ArrayList<>();
        for (String source : sources()) {
            for (String arch : ARCHS) {
                tests.add(DynamicTest.dynamicTest(source + " " + arch, () -> check(source, arch)));
            }
        }
        tests.add(DynamicTest.dynamicTest("resource table", CudaKernelCompileTest::writeTable));
        return tests.stream();
    }

    private static void check(String source, String arch) {
        Compile c = compileAll().get(source + "/" + arch);
        assertEquals(0, c.exitCode(), () -> "nvcc failed on " + source + " for " + arch + ":\n" + c.output());
        assertFalse(c.output().contains("warning"), () -> source + " " + arch + " compiles with warnings:\n"
                + c.output());
        assertFalse(c.kernels().isEmpty(), () -> "no kernels in ptxas's report of " + source + ":\n" + c.output());
        for (Entry e : c.kernels().values()) {
            CudaLaunchLimits.Kernel limits = CudaLaunchLimits.of(source, e.kernel());
            String what = source + " " + e.kernel() + " (" + arch + "): " + e;
            assertTrue(e.registers() > 0, what + ": no register count parsed");
            assertTrue(e.registers() <= limits.maxRegisters(), what + " uses more than the " + limits.maxRegisters()
                    + " registers that keep " + limits.residentThreadsPerSm() + " threads resident per SM");
            assertEquals(0, e.spillStores() + e.spillLoads(), what + " spills registers");
            assertTrue(e.sharedBytes() + limits.maxDynamicSharedBytes() <= CudaLaunchLimits.SHARED_BYTES_PER_BLOCK,
                    what + ": static shared memory plus the launch's " + limits.maxDynamicSharedBytes()
                            + " dynamic bytes exceed " + CudaLaunchLimits.SHARED_BYTES_PER_BLOCK);
        }
    }

    private static void writeTable() throws IOException {
        Map<String, Compile> all = compileAll();
        StringBuilder sb = new StringBuilder("| source | kernel | threads/block | resident threads/SM "
                + "| register budget | sm_80 registers | sm_90 registers | stack bytes (sm_80/sm_90) "
                + "| static smem bytes | max dynamic smem bytes |\n|---|---|---|---|---|---|---|---|---|---|\n");
        int rows = 0;
        for (String source : sources()) {
            Compile a = all.get(source + "/sm_80");
            Compile b = all.get(source + "/sm_90");
            for (Entry e : a.kernels().values()) {
                Entry f = b.kernels().get(e.kernel());
                CudaLaunchLimits.Kernel k = CudaLaunchLimits.of(source, e.kernel());
                sb.append("| ").append(source).append(" | ").append(e.kernel()).append(" | ")
                        .append(k.maxThreadsPerBlock()).append(" | ").append(k.residentThreadsPerSm()).append(" | ")
                        .append(k.maxRegisters()).append(" | ").append(e.registers()).append(" | ")
                        .append(f == null ? "-" : f.registers()).append(" | ").append(e.stackBytes()).append('/')
                        .append(f == null ? "-" : f.stackBytes()).append(" | ").append(e.sharedBytes()).append(" | ")
                        .append(k.maxDynamicSharedBytes()).append(" |\n");
                rows++;
            }
            assertEquals(a.kernels().keySet(), b.kernels().keySet(), source + ": sm_80 and sm_90 kernel sets differ");
        }
        Files.writeString(Path.of("target", "cuda-kernel-resources.md"), sb.toString());
        assertTrue(rows > 0, "no kernels compiled");
    }
}
