package dev.jmae.gpu.cuda;

import dev.jmae.gpu.KernelSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The two preludes of the shared kernel dialect define the same names, so a shared kernel cannot use
 * something one target lacks; and the shared sources, outside their OpenCL-only VARIANT_CPU
 * sections, spell nothing target-specific (no OpenCL built-ins such as get_global_id or float4, no
 * CUDA ones such as threadIdx or __syncthreads, no test of the target macro).
 */
class PreludeMacrosTest {

    /** Defined by OpenCL C itself; prelude_cuda.h defines them for NVRTC, which has no libc headers. */
    static final Set<String> OPENCL_BUILTINS = Set.of("INFINITY", "NAN", "INT_MAX");

    private static final Pattern DEFINE = Pattern.compile("^\\s*#\\s*define\\s+(\\w+)", Pattern.MULTILINE);
    private static final Pattern FUNCTION = Pattern.compile("^DEVICE\\s+\\w+\\s+(\\w+)\\s*\\(", Pattern.MULTILINE);

    /** The dialect names a prelude defines: macros and DEVICE functions, less TARGET_ markers and JMAE_ helpers. */
    static Set<String> names(String prelude) {
        Set<String> out = new TreeSet<>();
        for (Pattern p : List.of(DEFINE, FUNCTION)) {
            Matcher m = p.matcher(prelude);
            while (m.find()) {
                String n = m.group(1);
                if (!n.startsWith("TARGET_") && !n.startsWith("JMAE_")) {
                    out.add(n);
                }
            }
        }
        return out;
    }

    @Test
    void bothPreludesDefineTheSameDialect() {
        Set<String> opencl = names(KernelSource.read(KernelSource.Target.OPENCL.prelude()));
        Set<String> cuda = names(KernelSource.read(KernelSource.Target.CUDA.prelude()));
        Set<String> openclPlusBuiltins = new TreeSet<>(opencl);
        openclPlusBuiltins.addAll(OPENCL_BUILTINS);
        assertEquals(openclPlusBuiltins, cuda, "the dialect names of prelude_opencl.h (plus OpenCL C's "
                + OPENCL_BUILTINS + ") and prelude_cuda.h differ");
        assertTrue(cuda.containsAll(Set.of("KERNEL", "GLOBAL", "LOCAL", "LOCAL_ARG", "LOCAL_BIND", "BARRIER",
                "THREAD_ID", "GROUP_ID", "GLOBAL_ID", "ATOMIC_MIN", "FLOAT_AS_INT", "expf", "load4")), cuda.toString());
        assertTrue(KernelSource.read(KernelSource.Target.OPENCL.prelude()).contains("#define TARGET_OPENCL 1"));
        assertTrue(KernelSource.read(KernelSource.Target.CUDA.prelude()).contains("#define TARGET_CUDA 1"));
    }

    /** Target-specific spellings a shared kernel must not use (each has a dialect name). */
    static final List<String> FORBIDDEN = List.of(
            // OpenCL C
            "get_global_id", "get_local_id", "get_group_id", "get_local_size", "barrier(", "atomic_min", "as_int(",
            "as_float(", "vload", "vstore", "float4", "float8", "float16", "int4", "int8", "select(", "kernel ",
            "global ", "local ", "__kernel", "__global", "__local", "isnan(", "signbit(", "native_",
            // CUDA
            "threadIdx", "blockIdx", "blockDim", "gridDim", "__syncthreads", "__shared__", "__global__",
            "__device__", "atomicMin", "__int_as_float", "__float_as_int", "__shfl", "asm(",
            // target tests
            "TARGET_OPENCL", "TARGET_CUDA");

    /**
     * The lines of a source that both targets compile: comments removed, and the lines inside an
     * {@code #ifdef VARIANT_CPU} section (or the {@code #else} of an {@code #ifndef VARIANT_CPU}) left out.
     */
    static List<String> sharedLines(String source) {
        String text = source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\n]*", "");
        List<String> out = new ArrayList<>();
        Deque<Boolean> cpuOnly = new ArrayDeque<>();
        Deque<Boolean> isVariantIf = new ArrayDeque<>();
        for (String line : text.split("\n")) {
            String t = line.trim();
            if (t.startsWith("#if")) {
                boolean variant = t.matches("#ifn?def\\s+VARIANT_CPU|#if\\s+defined\\(VARIANT_CPU\\)");
                boolean parentCpu = !cpuOnly.isEmpty() && cpuOnly.peek();
                cpuOnly.push(parentCpu || (variant && !t.startsWith("#ifndef")));
                isVariantIf.push(variant);
            } else if (t.startsWith("#else")) {
                boolean variant = isVariantIf.peek();
                boolean was = cpuOnly.pop();
                boolean parentCpu = !cpuOnly.isEmpty() && cpuOnly.peek();
                cpuOnly.push(parentCpu || (variant ? !was : was));
            } else if (t.startsWith("#endif")) {
                cpuOnly.pop();
                isVariantIf.pop();
            } else if (cpuOnly.isEmpty() || !cpuOnly.peek()) {
                out.add(line);
            }
        }
        assertTrue(cpuOnly.isEmpty(), "unbalanced #if / #endif");
        return out;
    }

    @Test
    void sharedSourcesUseOnlyTheDialect() {
        List<String> files = new ArrayList<>(KernelSource.SHARED);
        files.add(KernelSource.COMMON);
        for (String file : files) {
            List<String> lines = sharedLines(KernelSource.read(file));
            assertTrue(lines.size() > 10, file + ": no shared lines found");
            for (String line : lines) {
                for (String bad : FORBIDDEN) {
                    assertTrue(!line.contains(bad), file + " uses the target-specific '" + bad.trim()
                            + "' outside a VARIANT_CPU section: " + line.trim());
                }
            }
        }
    }

    @Test
    void theSectionFilterDropsOnlyCpuOnlyLines() {
        String src = String.join("\n", "a", "#ifdef VARIANT_CPU", "cpu1", "#else", "shared1", "#endif",
                "#ifndef VARIANT_CPU", "shared2", "#ifdef X", "shared3", "#endif", "#else", "cpu2", "#endif",
                "b // float16 in a comment");
        List<String> lines = sharedLines(src).stream().map(String::trim).toList();
        assertEquals(List.of("a", "shared1", "shared2", "shared3", "b"), lines);
    }
}
