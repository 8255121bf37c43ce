package dev.jmae.gpu.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Parsing C prototypes into downcall descriptors. */
class CPrototypeTest {

    @Test
    void parsesTypesNamesAndPointers() {
        CPrototype p = CPrototype.parse("CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice, const void *srcHost,"
                + " size_t ByteCount, CUstream hStream)");
        assertEquals("cuMemcpyHtoDAsync_v2", p.name());
        assertEquals("CUresult", p.returnType());
        assertEquals(List.of("CUdeviceptr", "void *", "size_t", "CUstream"), p.parameterTypes());
        assertEquals(FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_LONG, ValueLayout.ADDRESS,
                ValueLayout.JAVA_LONG, ValueLayout.ADDRESS), p.descriptor());
        assertEquals(List.of("CUresult", "CUdeviceptr", "size_t", "CUstream"), p.valueTypes());
    }

    @Test
    void parsesPointerReturnsDoublePointersArraysAndVoidLists() {
        CPrototype s = CPrototype.parse("const char *nvrtcGetErrorString(nvrtcResult result)");
        assertEquals("nvrtcGetErrorString", s.name());
        assertEquals(FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.JAVA_INT), s.descriptor());
        CPrototype o = CPrototype.parse("nvrtcResult nvrtcCompileProgram(nvrtcProgram prog, int numOptions,"
                + " const char * const *options)");
        assertEquals(List.of("nvrtcProgram", "int", "char **"), o.parameterTypes());
        CPrototype a = CPrototype.parse("int f(float results[], unsigned int n)");
        assertEquals(FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.JAVA_INT),
                a.descriptor());
        CPrototype v = CPrototype.parse("size_t cublasLtGetVersion(void)");
        assertEquals(FunctionDescriptor.of(ValueLayout.JAVA_LONG), v.descriptor());
        CPrototype w = CPrototype.parse("void g(int x)");
        assertEquals(FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT), w.descriptor());
    }

    @Test
    void rejectsUnnamedParametersUnknownTypesAndNonPrototypes() {
        IllegalArgumentException unnamed = assertThrows(IllegalArgumentException.class,
                () -> CPrototype.parse("CUresult cuInit(unsigned int)"));
        assertTrue(unnamed.getMessage().contains("has no name"), unnamed.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> CPrototype.parse("CUresult cuFoo(CUmystery m)"));
        assertTrue(unknown.getMessage().contains("CUmystery"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CPrototype.parse("not a prototype"));
    }

    @Test
    void everyBoundPrototypeParses() {
        List<String> all = new ArrayList<>(DriverAbi.PROTOTYPES);
        all.addAll(DocumentedAbi.NVRTC_PROTOTYPES);
        all.addAll(DocumentedAbi.CUBLASLT_PROTOTYPES);
        for (String p : all) {
            CPrototype parsed = CPrototype.parse(p);
            assertTrue(p.contains(parsed.name() + "("), p);
        }
        assertEquals(16, CPrototype.parse(DocumentedAbi.CUBLASLT_PROTOTYPES.get(15)).parameterTypes().size(),
                "cublasLtMatmul takes 16 parameters");
        assertEquals(11, CPrototype.parse(DriverAbi.PROTOTYPES.stream().filter(s -> s.contains("cuLaunchKernel("))
                .findFirst().orElseThrow()).parameterTypes().size(), "cuLaunchKernel takes 11 parameters");
    }
}
