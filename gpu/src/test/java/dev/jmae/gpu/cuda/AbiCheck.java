package dev.jmae.gpu.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemoryLayout;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One header check: a C program that includes the vendor's headers, redeclares every prototype
 * the Java side binds (a C compiler rejects a redeclaration whose types differ), and prints every
 * constant by its C name and the {@code sizeof} of every type and struct and the {@code offsetof}
 * of every struct member. {@link #mismatches} compares what it prints with the Java values.
 *
 * @param headers the headers to include, e.g. {@code cuda.h}
 * @param prototypes the prototypes as the Java side writes them
 * @param constants C name to the Java value
 * @param structs the struct layouts
 */
record AbiCheck(List<String> headers, List<String> prototypes, Map<String, Long> constants, List<CStruct> structs) {

    /**
     * The constants of a class by reflection: every static final int or long field whose name
     * starts with one of the prefixes (the field name is the C name).
     *
     * @param type the class
     * @param prefixes e.g. {@code CU_}, {@code CUDA_}
     * @return C name to value
     */
    static Map<String, Long> constantsOf(Class<?> type, String... prefixes) {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Field f : type.getDeclaredFields()) {
            int mod = f.getModifiers();
            if (!Modifier.isStatic(mod) || !Modifier.isFinal(mod)
                    || f.getType() != int.class && f.getType() != long.class) {
                continue;
            }
            for (String p : prefixes) {
                if (f.getName().startsWith(p)) {
                    try {
                        f.setAccessible(true);
                        out.put(f.getName(), ((Number) f.get(null)).longValue());
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return out;
    }

    /** @return the scalar and handle types the prototypes use */
    Set<String> valueTypes() {
        Set<String> types = new LinkedHashSet<>();
        for (String p : prototypes) {
            types.addAll(CPrototype.parse(p).valueTypes());
        }
        return types;
    }

    /**
     * The C program.
     *
     * @return its source
     */
    String program() {
        StringBuilder c = new StringBuilder("#include <stdio.h>\n#include <stddef.h>\n");
        for (String h : headers) {
            c.append("#include <").append(h).append(">\n");
        }
        c.append("\n/* the Java side's prototypes: a conflict with the header is a compile error */\n");
        for (String p : prototypes) {
            c.append(p).append(";\n");
        }
        c.append("\nint main(void) {\n");
        for (String name : constants.keySet()) {
            c.append("    printf(\"const %s %lld\\n\", \"").append(name).append("\", (long long) (").append(name)
                    .append("));\n");
        }
        for (String t : valueTypes()) {
            c.append("    printf(\"sizeof %s %zu\\n\", \"").append(t).append("\", sizeof(").append(t).append("));\n");
        }
        for (CStruct s : structs) {
            c.append("    printf(\"sizeof %s %zu\\n\", \"").append(s.cType()).append("\", sizeof(").append(s.cType())
                    .append("));\n");
            for (MemoryLayout m : s.layout().memberLayouts()) {
                if (m.name().isPresent()) {
                    String member = m.name().get();
                    c.append("    printf(\"offsetof %s.%s %zu\\n\", \"").append(s.cType()).append("\", \"")
                            .append(member)
                            .append("\", offsetof(").append(s.cType()).append(", ").append(member).append("));\n");
                }
            }
        }
        c.append("    return 0;\n}\n");
        return c.toString();
    }

    /** What the Java side expects the program to print, line key to value. */
    Map<String, Long> expected() {
        Map<String, Long> out = new LinkedHashMap<>();
        constants.forEach((k, v) -> out.put("const " + k, v));
        for (String t : valueTypes()) {
            out.put("sizeof " + t, CPrototype.layout(t).byteSize());
        }
        for (CStruct s : structs) {
            out.put("sizeof " + s.cType(), s.layout().byteSize());
            for (MemoryLayout m : s.layout().memberLayouts()) {
                m.name().ifPresent(n -> out.put("offsetof " + s.cType() + "." + n, s.offset(n)));
            }
        }
        return out;
    }

    /**
     * Compiles the program; returns the compiler's result without failing.
     *
     * @param cc the compiler
     * @param include the folder holding the first header; the other toolkit include folders
     *     ({@link CudaToolkit#includeDirs()}) follow it, for the headers it includes in turn
     * @param dir a scratch folder
     * @return the compiler's exit status and messages
     */
    NativeTools.Result compile(Path cc, Path include, Path dir) {
        try {
            Path src = dir.resolve("abi_check.c");
            Files.writeString(src, program());
            List<String> cmd = new ArrayList<>(List.of(cc.toString(), "-std=gnu11", "-Wall", "-I" + include));
            for (Path d : CudaToolkit.includeDirs()) {
                if (!d.equals(include) && !d.equals(Path.of("/usr/include"))) {
                    cmd.add("-I" + d);
                }
            }
            cmd.addAll(List.of("-o", dir.resolve("abi_check").toString(), src.toString()));
            return NativeTools.tryRun(cmd);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Compiles and runs the program and returns its output parsed, line key to value.
     *
     * @param cc the compiler
     * @param include the include folder
     * @param dir a scratch folder
     * @return what the headers say
     */
    Map<String, Long> measure(Path cc, Path include, Path dir) {
        NativeTools.Result r = compile(cc, include, dir);
        if (r.exit() != 0) {
            throw new AssertionError("the header check program does not compile against " + include
                    + " (a prototype differs from the header, or a name is unknown):\n" + r.output());
        }
        String out = NativeTools.run(List.of(dir.resolve("abi_check").toString()));
        Map<String, Long> got = new LinkedHashMap<>();
        for (String line : out.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int last = line.lastIndexOf(' ');
            got.put(line.substring(0, last), Long.parseLong(line.substring(last + 1).trim()));
        }
        return got;
    }

    /**
     * The differences between the Java values and the header's.
     *
     * @param measured what {@link #measure} returned
     * @return one line per difference (empty when all agree)
     */
    List<String> mismatches(Map<String, Long> measured) {
        List<String> out = new ArrayList<>();
        expected().forEach((k, v) -> {
            Long h = measured.get(k);
            if (!v.equals(h)) {
                out.add(k + ": Java " + v + ", header " + h);
            }
        });
        return out;
    }
}
