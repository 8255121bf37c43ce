package dev.jmae.tensor.testing;

import dev.jmae.tensor.Backend;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The families table of {@code docs/kernels.md}, parsed, and the checks that hold it to the code:
 * the kernel-family accessors of {@link Backend}, their interfaces and ops, and each backend's
 * family classes (same stem, the backend's prefix). Shared by the tensor and gpu modules' tests.
 *
 * @param columns the header cells
 * @param rows family name to its row's cells, in table order
 */
public record KernelsTable(List<String> columns, Map<String, List<String>> rows) {

    /** Where the table lives, from a module's directory (tests run there). */
    public static final Path FILE = Path.of("..", "docs", "kernels.md");

    /**
     * Reads the table under the {@code ## Families} heading of docs/kernels.md.
     *
     * @return the table
     */
    public static KernelsTable read() {
        List<String> lines;
        try {
            lines = Files.readAllLines(FILE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + FILE.toAbsolutePath(), e);
        }
        int i = lines.indexOf("## Families");
        assertTrue(i >= 0, FILE + " has no '## Families' heading");
        while (!lines.get(i).startsWith("|")) {
            i++;
        }
        List<String> columns = cells(lines.get(i));
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (i += 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
            List<String> c = cells(lines.get(i));
            assertEquals(columns.size(), c.size(), "row of " + FILE + ": " + lines.get(i));
            rows.put(c.get(0), c);
        }
        return new KernelsTable(columns, rows);
    }

    private static List<String> cells(String line) {
        String[] parts = line.substring(1, line.length() - 1).split("\\|");
        List<String> out = new ArrayList<>();
        for (String p : parts) {
            out.add(p.trim().replace("`", ""));
        }
        return out;
    }

    /**
     * The kernel-family accessors of {@link Backend}: no-argument methods returning an interface
     * whose name ends in {@code Kernels}.
     *
     * @return accessor name to interface, in name order
     */
    public static Map<String, Class<?>> families() {
        Map<String, Class<?>> out = new java.util.TreeMap<>();
        for (Method m : Backend.class.getMethods()) {
            if (m.getParameterCount() == 0 && m.getReturnType().isInterface()
                    && m.getReturnType().getSimpleName().endsWith("Kernels")) {
                out.put(m.getName(), m.getReturnType());
            }
        }
        return out;
    }

    /**
     * The stem of a family's files: its accessor name with a capital first letter.
     *
     * @param family the accessor name, e.g. {@code rows}
     * @return the stem, e.g. {@code Rows}
     */
    public static String stem(String family) {
        return family.substring(0, 1).toUpperCase(Locale.ROOT) + family.substring(1);
    }

    /** Checks that the rows are exactly the families, with their interfaces and ops. */
    public void assertFamiliesMatchTheInterfaces() {
        Map<String, Class<?>> fams = families();
        assertEquals(fams.keySet(), new TreeSet<>(rows.keySet()), FILE + ": the families table rows");
        int iface = columns.indexOf("interface");
        int ops = columns.indexOf("ops");
        for (Map.Entry<String, Class<?>> e : fams.entrySet()) {
            List<String> row = rows.get(e.getKey());
            assertEquals(e.getValue().getSimpleName(), row.get(iface), FILE + ": interface of " + e.getKey());
            Set<String> declared = new TreeSet<>();
            for (Method m : e.getValue().getMethods()) {
                if (!Modifier.isStatic(m.getModifiers())) {
                    declared.add(m.getName());
                }
            }
            assertEquals(declared, new TreeSet<>(Arrays.asList(row.get(ops).split(",\\s*"))),
                    FILE + ": ops of " + e.getKey());
        }
    }

    /**
     * Checks one backend's column: every family's implementation class is the one the table
     * names, and its name is the backend's prefix plus the family's stem.
     *
     * @param column the column header (the device type)
     * @param prefix the backend's file prefix, e.g. {@code Cpu}
     * @param backend the backend
     */
    public void assertColumn(String column, String prefix, Backend backend) {
        int c = columns.indexOf(column);
        assertTrue(c >= 0, FILE + " has no column '" + column + "': " + columns);
        for (Map.Entry<String, Class<?>> e : families().entrySet()) {
            Object impl;
            try {
                impl = Backend.class.getMethod(e.getKey()).invoke(backend);
            } catch (ReflectiveOperationException ex) {
                throw new AssertionError(ex);
            }
            String name = impl.getClass().getSimpleName();
            assertEquals(prefix + stem(e.getKey()), name, column + " backend: the " + e.getKey() + " family's file");
            assertEquals(name, rows.get(e.getKey()).get(c), FILE + ": " + column + " cell of " + e.getKey());
            assertTrue(e.getValue().isInstance(impl));
        }
    }
}
