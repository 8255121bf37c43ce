package dev.jmae.gpu.cuda;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One C function prototype, written as the vendor's header writes it, and the Foreign Function &amp;
 * Memory descriptor derived from it. Keeping the bindings as C text lets one test redeclare every
 * prototype after including the real header: a C compiler rejects a redeclaration whose types
 * differ ("conflicting types"), so the text, and with it the descriptor, is checked against the
 * header rather than trusted.
 *
 * <p>Parameters must be named. Any parameter or return type containing {@code *} or {@code []} is
 * a pointer ({@link ValueLayout#ADDRESS}); every other type must be listed in {@link #TYPES},
 * whose sizes the same test compares with {@code sizeof}.
 *
 * @param text the prototype as written, e.g. {@code CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize)}
 * @param returnType the return type with {@code const} removed and spaces normalized
 * @param name the exported symbol
 * @param parameterTypes the parameter types, normalized like the return type
 */
record CPrototype(String text, String returnType, String name, List<String> parameterTypes) {

    /**
     * The C scalar and handle types the bindings use, with the layout each is passed as. Enums are
     * 32-bit ints on every ABI NVIDIA supports; handles are pointers to opaque structs.
     */
    static final Map<String, MemoryLayout> TYPES = Map.ofEntries(
            Map.entry("int", ValueLayout.JAVA_INT),
            Map.entry("unsigned int", ValueLayout.JAVA_INT),
            Map.entry("size_t", ValueLayout.JAVA_LONG),
            Map.entry("float", ValueLayout.JAVA_FLOAT),
            Map.entry("uint64_t", ValueLayout.JAVA_LONG),
            Map.entry("int64_t", ValueLayout.JAVA_LONG),
            // driver API (cuda.h)
            Map.entry("CUresult", ValueLayout.JAVA_INT),
            Map.entry("CUdevice", ValueLayout.JAVA_INT),
            Map.entry("CUdeviceptr", ValueLayout.JAVA_LONG),
            Map.entry("CUdevice_attribute", ValueLayout.JAVA_INT),
            Map.entry("CUfunction_attribute", ValueLayout.JAVA_INT),
            Map.entry("CUcontext", ValueLayout.ADDRESS),
            Map.entry("CUstream", ValueLayout.ADDRESS),
            Map.entry("CUmodule", ValueLayout.ADDRESS),
            Map.entry("CUfunction", ValueLayout.ADDRESS),
            Map.entry("CUevent", ValueLayout.ADDRESS),
            // NVRTC (nvrtc.h)
            Map.entry("nvrtcResult", ValueLayout.JAVA_INT),
            Map.entry("nvrtcProgram", ValueLayout.ADDRESS),
            // cuBLASLt (cublasLt.h, library_types.h, cublas_api.h)
            Map.entry("cublasStatus_t", ValueLayout.JAVA_INT),
            Map.entry("cublasComputeType_t", ValueLayout.JAVA_INT),
            Map.entry("cudaDataType_t", ValueLayout.JAVA_INT),
            Map.entry("cudaDataType", ValueLayout.JAVA_INT),
            Map.entry("cublasLtMatmulDescAttributes_t", ValueLayout.JAVA_INT),
            Map.entry("cublasLtMatrixLayoutAttribute_t", ValueLayout.JAVA_INT),
            Map.entry("cublasLtMatmulPreferenceAttributes_t", ValueLayout.JAVA_INT),
            Map.entry("cublasLtHandle_t", ValueLayout.ADDRESS),
            Map.entry("cublasLtMatmulDesc_t", ValueLayout.ADDRESS),
            Map.entry("cublasLtMatrixLayout_t", ValueLayout.ADDRESS),
            Map.entry("cublasLtMatmulPreference_t", ValueLayout.ADDRESS),
            Map.entry("cudaStream_t", ValueLayout.ADDRESS));

    private static final Pattern PROTOTYPE = Pattern.compile(
            "^\\s*(.+?)\\s*\\b([A-Za-z_]\\w*)\\s*\\((.*)\\)\\s*;?\\s*$",
            Pattern.DOTALL);
    private static final java.util.Set<String> TYPE_WORDS = java.util.Set.of("const", "void", "char", "short", "int",
            "long", "float", "double", "signed", "unsigned");
    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_]\\w*");

    /**
     * Parses a prototype.
     *
     * @param text the prototype, parameters named
     * @return the parsed prototype
     * @throws IllegalArgumentException if the text is not a prototype, a parameter has no name,
     *     or a non-pointer type is missing from {@link #TYPES}
     */
    static CPrototype parse(String text) {
        Matcher m = PROTOTYPE.matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("expected a C prototype 'type name(type arg, ...)', got '" + text + "'");
        }
        String returnType = normalize(m.group(1));
        String name = m.group(2);
        List<String> params = new ArrayList<>();
        String list = m.group(3).trim();
        if (!list.isEmpty() && !list.equals("void")) {
            for (String param : list.split(",")) {
                params.add(parameterType(param, text));
            }
        }
        CPrototype p = new CPrototype(text.trim(), returnType, name, List.copyOf(params));
        p.descriptor();
        return p;
    }

    /** The parameter's type without its name (every parameter must be named). */
    private static String parameterType(String param, String text) {
        String p = param.trim().replaceAll("\\[\\s*\\]$", "").trim();
        boolean arrayParam = !p.equals(param.trim());
        Matcher id = IDENTIFIER.matcher(p);
        int nameStart = -1;
        String last = null;
        while (id.find()) {
            nameStart = id.start();
            last = id.group();
        }
        String typePart = nameStart < 0 ? "" : p.substring(0, nameStart);
        if (last == null || normalize(typePart).isEmpty() || TYPE_WORDS.contains(last) || TYPES.containsKey(last)) {
            throw new IllegalArgumentException("parameter '" + param.trim() + "' of '" + text + "' has no name;"
                    + " hint: write prototypes with named parameters, as the headers do");
        }
        return normalize(typePart) + (arrayParam ? " *" : "");
    }

    /** Drops {@code const}, puts spaces around {@code *} and collapses whitespace. */
    private static String normalize(String type) {
        String t = type.replace("*", " * ").replaceAll("\\bconst\\b", " ").trim().replaceAll("\\s+", " ");
        return t.replace("* *", "**").replace("* *", "**");
    }

    private static boolean isPointer(String type) {
        return type.contains("*");
    }

    /**
     * The layout a type is passed as.
     *
     * @param type a normalized type
     * @return the layout
     * @throws IllegalArgumentException if the type is neither a pointer nor listed in {@link #TYPES}
     */
    static MemoryLayout layout(String type) {
        if (isPointer(type)) {
            return ValueLayout.ADDRESS;
        }
        MemoryLayout l = TYPES.get(type);
        if (l == null) {
            throw new IllegalArgumentException("C type '" + type + "' has no layout; hint: add it to CPrototype.TYPES"
                    + " (its size is then checked against the header)");
        }
        return l;
    }

    /**
     * The downcall descriptor: each parameter and the return value by {@link #layout}.
     *
     * @return the descriptor
     */
    FunctionDescriptor descriptor() {
        MemoryLayout[] args = new MemoryLayout[parameterTypes.size()];
        for (int i = 0; i < args.length; i++) {
            args[i] = layout(parameterTypes.get(i));
        }
        return returnType.equals("void") ? FunctionDescriptor.ofVoid(args)
                : FunctionDescriptor.of(layout(returnType), args);
    }

    /**
     * The non-pointer types this prototype mentions (for the {@code sizeof} check).
     *
     * @return the scalar and handle types, return type first
     */
    List<String> valueTypes() {
        List<String> out = new ArrayList<>();
        if (!returnType.equals("void") && !isPointer(returnType)) {
            out.add(returnType);
        }
        for (String t : parameterTypes) {
            if (!isPointer(t)) {
                out.add(t);
            }
        }
        return out;
    }
}
