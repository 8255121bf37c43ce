package dev.jmae.tensor.io.torch;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The pickle interpreter on hand-written opcodes: data only, bounded, every error located. */
class PickleReaderTest {

    private static Object load(byte[] pickle) throws TorchCheckpointException {
        return new PickleReader(pickle, "test.pkl", pid -> {
            throw new TorchCheckpointException("no storages here");
        }, (s, o, shape, stride) -> {
            throw new AssertionError("no tensors here");
        }).load();
    }

    private static void assertMalformed(byte[] pickle, String fragment) {
        TorchCheckpointException e = assertThrows(TorchCheckpointException.class, () -> load(pickle));
        assertTrue(e.getMessage().contains(fragment), "'" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void scalarsStringsAndContainersBecomeJavaValues() throws TorchCheckpointException {
        byte[] p = PickleBytes.proto(2).op('}').mark()
                .str("none").op('N')
                .str("true").op(0x88)
                .str("int").integer(-5)
                .str("byte").op('K', 200)
                .str("short").op('M', 0x34, 0x12)
                .str("long").op(0x8a, 9, 0, 0, 0, 0, 0, 0, 0, 0, 1) // 2^64
                .str("neg").op(0x8a, 1, 0xff)
                .str("float").op('G', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0) // 1.5, big-endian
                .str("list").op(']').mark().integer(1).integer(2).op('e')
                .str("tuple").integer(1).str("x").op(0x86)
                .str("bytes").op('C', 2, 0, 255)
                .op('u').stop();
        Map<?, ?> m = assertInstanceOf(Map.class, load(p));
        assertTrue(m.containsKey("none") && m.get("none") == null);
        assertEquals(Boolean.TRUE, m.get("true"));
        assertEquals(-5L, m.get("int"));
        assertEquals(200L, m.get("byte"));
        assertEquals(0x1234L, m.get("short"));
        assertEquals(BigInteger.ONE.shiftLeft(64), m.get("long"));
        assertEquals(-1L, m.get("neg"));
        assertEquals(1.5, m.get("float"));
        assertEquals(List.of(1L, 2L), m.get("list"));
        assertEquals(List.of(1L, "x"), m.get("tuple"));
        assertTrue(Arrays.equals(new byte[] {0, (byte) 255}, (byte[]) m.get("bytes")));
    }

    @Test
    void unknownGlobalsStayInertRecords() throws TorchCheckpointException {
        // argparse.Namespace() then BUILD with its attributes, as protocol 2 pickles it
        byte[] p = PickleBytes.proto(2).global("argparse", "Namespace").op(')').op(0x81)
                .op('}').mark().str("lr").op('G', 0x3f, 0x50, 0x62, 0x4d, 0xd2, 0xf1, 0xa9, 0xfc).str("epochs")
                .integer(800)
                .op('u').op('b').stop();
        PickleObject ns = assertInstanceOf(PickleObject.class, load(p));
        assertEquals("argparse.Namespace", ns.qualifiedName());
        assertEquals(800L, ns.attributes().get("epochs"));
        assertEquals(0.001, (Double) ns.attributes().get("lr"), 1e-12);
        byte[] call = PickleBytes.proto(2).global("numpy.core.multiarray", "scalar").str("f8").op(0x85).op('R').stop();
        PickleObject np = assertInstanceOf(PickleObject.class, load(call));
        assertEquals(List.of("f8"), np.args());
        JsonNode json = PickleValues.toJson(ns);
        assertEquals("argparse.Namespace", json.get("__class__").asText());
        assertEquals(800, json.get("epochs").asInt());
    }

    @Test
    void deniedGlobalsAreRefusedWhereverTheyAppear() {
        for (String[] g : new String[][] {{"os", "system"}, {"posix", "system"}, {"nt", "system"},
            {"subprocess", "Popen"},
            {"subprocess", "check_output"}, {"builtins", "eval"}, {"builtins", "exec"}, {"builtins", "getattr"},
            {"builtins", "__import__"}, {"builtins", "compile"}, {"builtins", "open"}, {"__builtin__", "eval"},
            {"pickle", "loads"}, {"_pickle", "loads"}, {"os.path", "join"}, {"builtins", "object.__subclasses__"},
            {"torch.storage", "_load_from_bytes"}, {"runpy", "run_path"}, {"operator", "attrgetter"}}) {
            byte[] p = PickleBytes.proto(2).op(']').global(g[0], g[1]).op('a').stop();
            UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> load(p), g[0] + "." + g[1]);
            assertEquals(g[0] + "." + g[1], e.global());
            // STACK_GLOBAL (protocol 4) too
            byte[] p4 = PickleBytes.proto(4).str(g[0]).str(g[1]).op(0x93).stop();
            assertThrows(UnsafePickleException.class, () -> load(p4), g[0] + "." + g[1]);
        }
        for (String[] g : new String[][] {{"argparse", "Namespace"}, {"collections", "OrderedDict"},
            {"builtins", "set"},
            {"numpy", "dtype"}, {"torch", "device"}, {"types", "SimpleNamespace"}, {"pathlib", "PosixPath"}}) {
            assertFalse(PickleGlobals.denied(g[0], g[1]), g[0] + "." + g[1]);
        }
    }

    @Test
    void malformedPicklesNameTheByteAndTheProblem() {
        assertMalformed(PickleBytes.proto(2).op(']').bytes(), "ends without a STOP");
        assertMalformed(PickleBytes.proto(2).op('h', 3).stop(), "memo entry 3 was never stored");
        assertMalformed(PickleBytes.proto(2).op('0').stop(), "at byte 2: the stack is empty");
        assertMalformed(PickleBytes.proto(2).integer(1).mark().op('0').stop(), "above the last MARK");
        assertMalformed(PickleBytes.proto(2).op('e').stop(), "no MARK");
        assertMalformed(PickleBytes.proto(2).op('X', 0xff, 0xff, 0xff, 0x7f).stop(), "runs past the end");
        assertMalformed(PickleBytes.proto(2).op(0x8d, 0, 0, 0, 0, 0, 0, 0, 0x80).stop(), "runs past the end");
        assertMalformed(PickleBytes.proto(2).op(0x8b, 0xff, 0xff, 0, 0).stop(), "an integer of 65535 bytes");
        assertMalformed(PickleBytes.proto(2).op(0x8b, 0xff, 0xff, 0xff, 0xff).stop(), "negative LONG4 length");
        assertMalformed(PickleBytes.proto(2).integer(1).integer(2).op('a').stop(), "APPEND to a int");
        assertMalformed(PickleBytes.proto(2).op(')').integer(2).op('a').stop(), "APPEND to a tuple");
        assertMalformed(PickleBytes.proto(2).str("x").op(')').op('R').stop(), "REDUCE calls a str");
        assertMalformed(PickleBytes.proto(2).op('}').integer(1).op('s').stop(), "the stack is empty");
        assertMalformed(PickleBytes.proto(2).op(0x82, 1).stop(), "extension registry");
        assertMalformed(PickleBytes.proto(2).op('I').raw("1\n".getBytes()).stop(), "protocol-0 text opcode 'I'");
        assertMalformed(PickleBytes.proto(9).stop(), "protocol 9");
        assertMalformed(PickleBytes.proto(2).op(0xfe).stop(), "unknown opcode 0xfe");
        assertMalformed(PickleBytes.proto(2).op('Q').stop(), "the stack is empty");
    }

    @Test
    void deepNestingAndCyclesDoNotOverflowOrHang() throws TorchCheckpointException {
        int depth = 200_000;
        PickleBytes p = PickleBytes.proto(2);
        for (int i = 0; i < depth; i++) {
            p.op(']');
        }
        for (int i = 0; i < depth - 1; i++) {
            p.op('a');
        }
        Object nested = load(p.stop());
        assertTrue(PickleValues.toJson(nested).toString().contains("..."), "toJson stops at MAX_DEPTH");
        // a list that contains itself, and a dict keyed by a tuple that contains a list
        byte[] cyclic = PickleBytes.proto(2).op(']').op('q', 0).op('h', 0).op('a').stop();
        List<?> self = assertInstanceOf(List.class, load(cyclic));
        assertSame(self, self.get(0));
        assertTrue(PickleValues.toJson(self).toString().length() < 10_000);
        assertTrue(PickleValues.describe(self, 100).length() < 1_000);
        byte[] tupleKey = PickleBytes.proto(2).op('}').op(']').op(0x85).integer(1).op('s').stop();
        Map<?, ?> m = assertInstanceOf(Map.class, load(tupleKey));
        assertInstanceOf(PickleValues.OpaqueKey.class, m.keySet().iterator().next());
    }

    @Test
    void aHugeSharedValueIsRenderedWithinTheBudget() throws TorchCheckpointException {
        // one list of 50,000 ints referenced 50,000 times: toJson writes at most MAX_ELEMENTS elements
        PickleBytes p = PickleBytes.proto(2).op(']').op('q', 0).mark();
        for (int i = 0; i < 50_000; i++) {
            p.op('K', 1);
        }
        p.op('e').op('0').op(']').mark();
        for (int i = 0; i < 50_000; i++) {
            p.op('h', 0);
        }
        p.op('e');
        long start = System.nanoTime();
        JsonNode json = PickleValues.toJson(load(p.stop()));
        assertTrue(json.size() <= PickleValues.MAX_ELEMENTS);
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "rendering took over 5 s");
    }
}
