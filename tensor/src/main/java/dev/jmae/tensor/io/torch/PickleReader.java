package dev.jmae.tensor.io.torch;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A pickle interpreter that only builds data: the binary opcodes of pickle protocols 1 to 5
 * (what {@code torch.save} writes is protocol 2) turned into Java values, and nothing a pickle
 * names ever called.
 *
 * <p>Values: None is null; bool is {@link Boolean}; int is {@link Long}, or {@link BigInteger}
 * beyond 64 bits (at most {@value #MAX_LONG_BYTES} bytes); float is {@link Double}; str is
 * {@link String}; bytes and bytearray are {@code byte[]}; list is a mutable {@link ArrayList};
 * tuple an unmodifiable {@link List}; dict a {@link LinkedHashMap} in the pickle's order, keys
 * that are not str, int, float, bool or None wrapped in a {@link PickleValues.OpaqueKey} (so no
 * key is ever hashed deeply); PyTorch tensors {@link TorchTensor}s; {@code collections.OrderedDict}
 * a dict; a set, frozenset or any other object an inert {@link PickleObject}; a global named but
 * not called a {@link PickleGlobal}.
 *
 * <p>Refused, each with the byte offset: the protocol-0 text opcodes (Python has not written
 * them by default since protocol 1), the copyreg extension registry (EXT1/2/4), out-of-band
 * buffers (protocol 5), any opcode whose operands run past the end, a stack or memo reference
 * that does not exist, an operation on the wrong kind of value, and every global on the
 * {@link PickleGlobals} deny-list. Memory: every value costs input bytes (a length is checked
 * against what remains before anything is allocated), so what is built is proportional to the
 * pickle's size. Bytes after STOP are ignored, as Python does.
 */
final class PickleReader {

    /** Integers longer than this (LONG1/LONG4) are refused: no checkpoint holds one. */
    static final int MAX_LONG_BYTES = 64;

    /** Resolves a persistent id (for PyTorch, a storage). */
    interface PersistentLoader {
        Object load(Object pid) throws TorchCheckpointException;
    }

    /** Builds tensors from the arguments of PyTorch's rebuild functions. */
    interface TensorFactory {
        TorchTensor rebuild(TorchStorage storage, long offset, int[] shape, long[] stride)
                throws TorchCheckpointException;
    }

    private final byte[] data;
    private final String source;
    private final PersistentLoader persistentLoader;
    private final TensorFactory tensors;
    private int pos;
    private int opStart;
    private final List<Object> stack = new ArrayList<>();
    /** Stack heights at each MARK; nothing below the last one may be popped. */
    private int[] marks = new int[16];
    private int markCount;
    private final Map<Long, Object> memo = new HashMap<>();

    /**
     * @param data the pickle bytes
     * @param source for messages, e.g. {@code model.pth: archive/data.pkl}
     * @param persistentLoader resolves BINPERSID ids
     * @param tensors builds tensors for the rebuild functions
     */
    PickleReader(byte[] data, String source, PersistentLoader persistentLoader, TensorFactory tensors) {
        this.data = data;
        this.source = source;
        this.persistentLoader = persistentLoader;
        this.tensors = tensors;
    }

    private TorchCheckpointException malformed(String what) {
        return new TorchCheckpointException(source + ": malformed pickle at byte " + opStart + ": " + what);
    }

    /**
     * Runs the pickle to its STOP.
     *
     * @return the pickled value
     * @throws TorchCheckpointException if the pickle is malformed, unsupported or names a denied global
     */
    Object load() throws TorchCheckpointException {
        while (true) {
            if (pos >= data.length) {
                opStart = pos;
                throw malformed("the pickle ends without a STOP opcode (truncated?)");
            }
            opStart = pos;
            int op = data[pos++] & 0xFF;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v < 2 || v > 5) {
                        throw malformed("protocol " + v + " is not one of 2..5");
                    }
                }
                case 0x95 -> { // FRAME: a length hint only
                    long n = u64();
                    if (n < 0 || n > data.length - pos) {
                        throw malformed("frame of " + Long.toUnsignedString(n) + " bytes runs past the end");
                    }
                }
                case '.' -> { // STOP
                    return pop();
                }
                case '(' -> { // MARK
                    if (markCount == marks.length) {
                        marks = Arrays.copyOf(marks, 2 * markCount);
                    }
                    marks[markCount++] = stack.size();
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> push(peek()); // DUP
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE); // NEWTRUE
                case 0x89 -> push(Boolean.FALSE); // NEWFALSE
                case 'J' -> push((long) i32()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) u16()); // BININT2
                case 0x8a -> push(longOf(u8())); // LONG1
                case 0x8b -> { // LONG4
                    int n = i32();
                    if (n < 0) {
                        throw malformed("negative LONG4 length " + n);
                    }
                    push(longOf(n));
                }
                case 'G' -> push(ByteBuffer.wrap(bytes(8)).order(ByteOrder.BIG_ENDIAN).getDouble()); // BINFLOAT
                case 'X' -> push(utf8(bytes(u32()))); // BINUNICODE
                case 0x8c -> push(utf8(bytes(u8()))); // SHORT_BINUNICODE
                case 0x8d -> push(utf8(bytes(u64()))); // BINUNICODE8
                case 'U' -> push(latin1(bytes(u8()))); // SHORT_BINSTRING (Python 2 str, read as latin-1)
                case 'T' -> { // BINSTRING
                    int n = i32();
                    if (n < 0) {
                        throw malformed("negative BINSTRING length " + n);
                    }
                    push(latin1(bytes(n)));
                }
                case 'C' -> push(bytes(u8())); // SHORT_BINBYTES
                case 'B' -> push(bytes(u32())); // BINBYTES
                case 0x8e, 0x96 -> push(bytes(u64())); // BINBYTES8, BYTEARRAY8
                case ')' -> push(tuple(List.of())); // EMPTY_TUPLE
                case 0x85 -> push(tuple(Collections.singletonList(pop()))); // TUPLE1
                case 0x86 -> { // TUPLE2
                    Object b = pop();
                    Object a = pop();
                    push(tuple(Arrays.asList(a, b)));
                }
                case 0x87 -> { // TUPLE3
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(tuple(Arrays.asList(a, b, c)));
                }
                case 't' -> push(tuple(popMark())); // TUPLE
                case ']' -> push(new ArrayList<>()); // EMPTY_LIST
                case 'l' -> push(new ArrayList<>(popMark())); // LIST
                case '}' -> push(new LinkedHashMap<>()); // EMPTY_DICT
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    Map<Object, Object> m = new LinkedHashMap<>();
                    putPairs(m, items);
                    push(m);
                }
                case 0x8f -> push(new PickleObject("builtins", "set", List.of())); // EMPTY_SET
                case 0x91 -> { // FROZENSET
                    PickleObject s = new PickleObject("builtins", "frozenset", List.of());
                    s.mutableItems().addAll(popMark());
                    push(s);
                }
                case 'a' -> { // APPEND
                    Object v = pop();
                    append(peek(), Collections.singletonList(v));
                }
                case 'e', 0x90 -> { // APPENDS, ADDITEMS
                    List<Object> items = popMark();
                    append(peek(), items);
                }
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    setItems(peek(), Arrays.asList(k, v));
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    setItems(peek(), items);
                }
                case 'q' -> memo.put((long) u8(), peek()); // BINPUT
                case 'r' -> memo.put(u32AsLong(), peek()); // LONG_BINPUT
                case 0x94 -> memo.put((long) memo.size(), peek()); // MEMOIZE
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32AsLong())); // LONG_BINGET
                case 'c' -> { // GLOBAL: "module\nname\n"
                    String module = line();
                    String name = line();
                    push(global(module, name));
                }
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw malformed("STACK_GLOBAL needs two strings, got " + PickleValues.kind(module) + " and "
                                + PickleValues.kind(name));
                    }
                    push(global(m, n));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object callable = pop();
                    push(reduce(callable, args));
                }
                case 0x81 -> { // NEWOBJ
                    Object args = pop();
                    Object cls = pop();
                    push(newObject(cls, args, null));
                }
                case 0x92 -> { // NEWOBJ_EX
                    Object kwargs = pop();
                    Object args = pop();
                    Object cls = pop();
                    push(newObject(cls, args, kwargs));
                }
                case 'o' -> { // OBJ: MARK cls args... OBJ
                    List<Object> items = popMark();
                    if (items.isEmpty()) {
                        throw malformed("OBJ without a class");
                    }
                    push(newObject(items.get(0), tuple(items.subList(1, items.size())), null));
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    build(peek(), state);
                }
                case 'Q' -> push(persistentLoader.load(pop())); // BINPERSID
                case 0x82, 0x83, 0x84 ->
                    throw malformed("the copyreg extension registry (EXT opcodes) is not supported");
                case 0x97, 0x98 ->
                    throw malformed("out-of-band buffers (protocol 5 NEXT_BUFFER/READONLY_BUFFER) are not"
                            + " supported");
                case 'I', 'L', 'F', 'S', 'V', 'P', 'g', 'p', 'i' -> throw malformed("protocol-0 text opcode '"
                        + (char) op + "' is not supported (torch.save writes protocol 2)");
                default -> throw malformed(String.format("unknown opcode 0x%02x", op));
            }
        }
    }

    // ---- values

    private Object global(String module, String name) throws TorchCheckpointException {
        if (PickleGlobals.denied(module, name)) {
            String g = module + "." + name;
            throw new UnsafePickleException(source + ": refused: the pickle names " + g + " (at byte " + opStart
                    + "), a known way to run code when the file is opened with torch.load; jmae calls nothing a pickle"
                    + " names, but a checkpoint that tries this is not trusted. hint: get the checkpoint from its"
                    + " original source, and do not open this file with torch.load", g);
        }
        return new PickleGlobal(module, name);
    }

    private Object reduce(Object callable, Object args) throws TorchCheckpointException {
        if (!(callable instanceof PickleGlobal g)) {
            if (callable instanceof PickleObject o) {
                return new PickleObject(o.module(), o.name() + "()", argList(args, "REDUCE"));
            }
            throw malformed("REDUCE calls a " + PickleValues.kind(callable) + ", not a global");
        }
        List<Object> a = argList(args, "REDUCE of " + g);
        switch (g.qualifiedName()) {
            case "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor" -> {
                return rebuildTensor(a, g);
            }
            case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state" -> {
                if (a.size() < 2 || !(a.get(0) instanceof TorchTensor t)) {
                    throw malformed(g + " needs (tensor, requires_grad, ...), got " + PickleValues.describe(a, 2));
                }
                t.markParameter(Boolean.TRUE.equals(a.get(1)));
                return t;
            }
            case "torch._tensor._rebuild_from_type_v2" -> {
                // (func, new_type, args, state): a tensor subclass; the data comes from func(args)
                if (a.size() >= 3 && a.get(0) instanceof PickleGlobal f && a.get(2) instanceof List<?>
                        && (f.qualifiedName().equals("torch._utils._rebuild_tensor_v2")
                                || f.qualifiedName().equals("torch._utils._rebuild_parameter"))) {
                    return reduce(f, a.get(2));
                }
                return new PickleObject(g.module(), g.name(), a);
            }
            case "collections.OrderedDict", "builtins.dict", "__builtin__.dict" -> {
                Map<Object, Object> m = new LinkedHashMap<>();
                if (a.size() == 1 && a.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        if (!(p instanceof List<?> kv) || kv.size() != 2) {
                            throw malformed(g + " needs (key, value) pairs, got " + PickleValues.describe(p, 2));
                        }
                        m.put(PickleValues.key(kv.get(0)), kv.get(1));
                    }
                } else if (!a.isEmpty()) {
                    return new PickleObject(g.module(), g.name(), a);
                }
                return m;
            }
            case "torch.Size" -> {
                if (a.size() == 1 && a.get(0) instanceof List<?> dims) {
                    return tuple(new ArrayList<>(dims));
                }
                return new PickleObject(g.module(), g.name(), a);
            }
            case "_codecs.encode" -> {
                // protocol 2 writes Python 3 bytes as _codecs.encode(str, 'latin1')
                if (a.size() == 2 && a.get(0) instanceof String s && a.get(1) instanceof String enc
                        && (enc.equals("latin1") || enc.equals("latin-1") || enc.equals("iso-8859-1"))) {
                    return latin1Bytes(s);
                }
                return new PickleObject(g.module(), g.name(), a);
            }
            default -> {
                PickleObject o = new PickleObject(g.module(), g.name(), a);
                if ((g.qualifiedName().equals("builtins.set") || g.qualifiedName().equals("builtins.frozenset"))
                        && a.size() == 1 && a.get(0) instanceof List<?> items) {
                    o.mutableItems().addAll(items);
                }
                return o;
            }
        }
    }

    private TorchTensor rebuildTensor(List<Object> a, PickleGlobal g) throws TorchCheckpointException {
        // (storage, storage_offset, size, stride[, requires_grad, backward_hooks[, metadata]])
        if (a.size() < 4 || !(a.get(0) instanceof TorchStorage storage)) {
            throw malformed(
                    g + " needs (storage, storage_offset, size, stride, ...), got " + PickleValues.describe(a, 2));
        }
        long offset = integer(a.get(1), "storage_offset");
        if (!(a.get(2) instanceof List<?> size) || !(a.get(3) instanceof List<?> strides)) {
            throw malformed(g + " needs size and stride tuples, got " + PickleValues.describe(a.get(2), 1) + " and "
                    + PickleValues.describe(a.get(3), 1));
        }
        if (size.size() > 64 || strides.size() != size.size()) {
            throw malformed(g + ": size of " + size.size() + " dims and stride of " + strides.size()
                    + " dims (at most 64, equal)");
        }
        int[] shape = new int[size.size()];
        long[] stride = new long[size.size()];
        for (int d = 0; d < shape.length; d++) {
            long s = integer(size.get(d), "size");
            if (s < 0 || s > Integer.MAX_VALUE) {
                throw malformed(g + ": size " + s + " is not in [0, 2^31-1]");
            }
            shape[d] = (int) s;
            stride[d] = integer(strides.get(d), "stride");
        }
        TorchTensor t;
        try {
            t = tensors.rebuild(storage, offset, shape, stride);
        } catch (IllegalArgumentException e) {
            throw malformed(g + ": " + e.getMessage());
        }
        if (a.size() > 4 && a.get(4) instanceof Boolean rg) {
            t.setRequiresGrad(rg);
        }
        return t;
    }

    private long integer(Object o, String what) throws TorchCheckpointException {
        if (o instanceof Long l) {
            return l;
        }
        throw malformed(what + " must be an int that fits 64 bits, got " + PickleValues.describe(o, 1));
    }

    private Object newObject(Object cls, Object args, Object kwargs) throws TorchCheckpointException {
        if (!(cls instanceof PickleGlobal g)) {
            throw malformed("NEWOBJ of a " + PickleValues.kind(cls) + ", not a class");
        }
        List<Object> a = argList(args, "NEWOBJ of " + g);
        if (g.qualifiedName().equals("collections.OrderedDict") && a.isEmpty() && kwargs == null) {
            return new LinkedHashMap<>();
        }
        PickleObject o = new PickleObject(g.module(), g.name(), a);
        if (kwargs != null) {
            o.mutableEntries().put("__kwargs__", kwargs);
        }
        return o;
    }

    private List<Object> argList(Object args, String what) throws TorchCheckpointException {
        if (args instanceof List<?> l) {
            return Collections.unmodifiableList(new ArrayList<>(l));
        }
        throw malformed(what + " needs an argument tuple, got " + PickleValues.kind(args));
    }

    private void build(Object target, Object state) throws TorchCheckpointException {
        if (target instanceof PickleObject o) {
            o.setState(state);
        } else if (!(target instanceof Map) && !(target instanceof TorchTensor)) {
            // a dict's state is its attributes (a state_dict's _metadata), not items; ignored
            throw malformed("BUILD on a " + PickleValues.kind(target));
        }
    }

    private void append(Object target, List<Object> values) throws TorchCheckpointException {
        if (target instanceof ArrayList<?>) {
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) target;
            list.addAll(values);
        } else if (target instanceof PickleObject o) {
            o.mutableItems().addAll(values);
        } else {
            throw malformed("APPEND to a " + PickleValues.kind(target));
        }
    }

    private void setItems(Object target, List<Object> items) throws TorchCheckpointException {
        if (items.size() % 2 != 0) {
            throw malformed("SETITEMS with an odd number (" + items.size() + ") of keys and values");
        }
        if (target instanceof Map<?, ?>) {
            @SuppressWarnings("unchecked")
            Map<Object, Object> m = (Map<Object, Object>) target;
            putPairs(m, items);
        } else if (target instanceof PickleObject o) {
            putPairs(o.mutableEntries(), items);
        } else {
            throw malformed("SETITEM on a " + PickleValues.kind(target));
        }
    }

    private void putPairs(Map<Object, Object> m, List<Object> items) throws TorchCheckpointException {
        if (items.size() % 2 != 0) {
            throw malformed("DICT with an odd number (" + items.size() + ") of keys and values");
        }
        for (int i = 0; i < items.size(); i += 2) {
            m.put(PickleValues.key(items.get(i)), items.get(i + 1));
        }
    }

    private static List<Object> tuple(List<Object> items) {
        return Collections.unmodifiableList(new ArrayList<>(items));
    }

    private Object longOf(int n) throws TorchCheckpointException {
        if (n > MAX_LONG_BYTES) {
            throw malformed("an integer of " + n + " bytes (at most " + MAX_LONG_BYTES + ")");
        }
        byte[] le = bytes(n);
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = le[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    private Object memoGet(long index) throws TorchCheckpointException {
        if (!memo.containsKey(index)) {
            throw malformed("memo entry " + index + " was never stored");
        }
        return memo.get(index);
    }

    // ---- the stack

    private void push(Object o) {
        stack.add(o);
    }

    private int fence() {
        return markCount == 0 ? 0 : marks[markCount - 1];
    }

    private Object pop() throws TorchCheckpointException {
        if (stack.size() <= fence()) {
            throw malformed("the stack is empty" + (markCount == 0 ? "" : " above the last MARK"));
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws TorchCheckpointException {
        if (stack.size() <= fence()) {
            throw malformed("the stack is empty" + (markCount == 0 ? "" : " above the last MARK"));
        }
        return stack.get(stack.size() - 1);
    }

    /** The items pushed since the last MARK, removed from the stack. */
    private List<Object> popMark() throws TorchCheckpointException {
        if (markCount == 0) {
            throw malformed("no MARK to pop to");
        }
        int mark = marks[--markCount];
        List<Object> top = stack.subList(mark, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    // ---- operands

    private void need(long n) throws TorchCheckpointException {
        if (n < 0 || n > data.length - pos) {
            throw malformed("an operand of " + Long.toUnsignedString(n) + " bytes runs past the end of the "
                    + data.length + "-byte pickle");
        }
    }

    private int u8() throws TorchCheckpointException {
        need(1);
        return data[pos++] & 0xFF;
    }

    private int u16() throws TorchCheckpointException {
        need(2);
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8;
        pos += 2;
        return v;
    }

    private int i32() throws TorchCheckpointException {
        need(4);
        int v = (data[pos] & 0xFF) | (data[pos + 1] & 0xFF) << 8 | (data[pos + 2] & 0xFF) << 16
                | (data[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    private long u32AsLong() throws TorchCheckpointException {
        return i32() & 0xFFFFFFFFL;
    }

    private long u32() throws TorchCheckpointException {
        return u32AsLong();
    }

    private long u64() throws TorchCheckpointException {
        need(8);
        long v = ByteBuffer.wrap(data, pos, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        pos += 8;
        return v;
    }

    private byte[] bytes(long n) throws TorchCheckpointException {
        need(n);
        byte[] out = Arrays.copyOfRange(data, pos, pos + (int) n);
        pos += (int) n;
        return out;
    }

    private String line() throws TorchCheckpointException {
        int start = pos;
        while (pos < data.length && data[pos] != '\n') {
            pos++;
        }
        if (pos >= data.length) {
            throw malformed("GLOBAL's name runs past the end (no newline)");
        }
        String s = new String(data, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    private static String latin1(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private Object latin1Bytes(String s) throws TorchCheckpointException {
        byte[] out = new byte[s.length()];
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c > 0xFF) {
                throw malformed("_codecs.encode(..., 'latin1') of a character beyond latin-1");
            }
            out[i] = (byte) c;
        }
        return out;
    }
}
