package dev.jmae.tensor.io.torch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.tensor.Shape;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * Looking at the values a pickle builds (see {@link TorchCheckpoint#root()}) without walking
 * into cycles or unbounded depth: a pickle can build a list that contains itself, or nest ten
 * thousand lists, so every walk here is bounded.
 */
public final class PickleValues {

    /** Nesting depth beyond which {@link #toJson} and {@link #describe} stop. */
    public static final int MAX_DEPTH = 32;
    /** Elements (list items, dict entries) {@link #toJson} writes in all before it stops. */
    public static final int MAX_ELEMENTS = 100_000;

    private PickleValues() {
    }

    /**
     * A dict key that is not a str, int, float, bool or None (a tuple, say), compared by identity
     * so that hashing it never walks into the value.
     *
     * @param value the key as the pickle built it
     */
    public record OpaqueKey(Object value) {
        @Override
        public boolean equals(Object o) {
            return o instanceof OpaqueKey k && k.value == value;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(value);
        }

        @Override
        public String toString() {
            return describe(value, 2);
        }
    }

    static Object key(Object k) {
        if (k == null || k instanceof String || k instanceof Long || k instanceof Double || k instanceof Boolean
                || k instanceof BigInteger) {
            return k;
        }
        return new OpaqueKey(k);
    }

    /**
     * The Python kind of a value, for messages.
     *
     * @param o a value
     * @return e.g. {@code str}, {@code dict}, {@code tensor}, {@code argparse.Namespace}
     */
    public static String kind(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof String) {
            return "str";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        }
        if (o instanceof Double) {
            return "float";
        }
        if (o instanceof byte[]) {
            return "bytes";
        }
        if (o instanceof java.util.ArrayList) {
            return "list";
        }
        if (o instanceof List) {
            return "tuple";
        }
        if (o instanceof Map) {
            return "dict";
        }
        if (o instanceof TorchTensor) {
            return "tensor";
        }
        if (o instanceof TorchStorage) {
            return "storage";
        }
        if (o instanceof PickleObject p) {
            return p.qualifiedName();
        }
        if (o instanceof PickleGlobal g) {
            return "global " + g.qualifiedName();
        }
        return o.getClass().getSimpleName();
    }

    /**
     * A short, bounded description of a value.
     *
     * @param o a value
     * @param depth how many levels of containers to open
     * @return e.g. {@code dict(3 keys)}, {@code tensor [3, 4] float16}, {@code 'lr'}
     */
    public static String describe(Object o, int depth) {
        StringBuilder sb = new StringBuilder();
        describe(o, Math.min(depth, MAX_DEPTH), sb);
        return sb.toString();
    }

    private static void describe(Object o, int depth, StringBuilder sb) {
        if (sb.length() > 200) {
            sb.append("...");
            return;
        }
        if (o instanceof String s) {
            sb.append('\'').append(s.length() > 60 ? s.substring(0, 60) + "..." : s).append('\'');
        } else if (o == null || o instanceof Boolean || o instanceof Long || o instanceof Double) {
            sb.append(o == null ? "None" : o instanceof Boolean b ? (b ? "True" : "False") : o.toString());
        } else if (o instanceof BigInteger b) {
            sb.append(b.bitLength() > 200 ? "int of " + b.bitLength() + " bits" : b.toString());
        } else if (o instanceof TorchTensor t) {
            sb.append("tensor ").append(Shape.format(t.sizes())).append(' ').append(t.dtypeName());
        } else if (o instanceof List<?> l) {
            sb.append(kind(o)).append('(');
            if (depth > 0) {
                for (int i = 0; i < Math.min(l.size(), 6); i++) {
                    if (i > 0) {
                        sb.append(", ");
                    }
                    describe(l.get(i), depth - 1, sb);
                }
                sb.append(l.size() > 6 ? ", ... " + l.size() + " items)" : ")");
            } else {
                sb.append(l.size()).append(" items)");
            }
        } else if (o instanceof Map<?, ?> m) {
            sb.append("dict(").append(m.size()).append(" keys)");
        } else {
            sb.append(kind(o));
        }
    }

    /**
     * A JSON rendering of a value, for metadata: str, numbers, bools and None as themselves,
     * lists and tuples as arrays, dicts as objects (keys as text), an inert object as
     * {@code {"__class__": "module.name", ...its attributes}}, a tensor as
     * {@code {"__tensor__": "[3, 4] float16"}}, bytes as {@code {"__bytes__": length}}. Deeper
     * than {@link #MAX_DEPTH} levels or beyond {@link #MAX_ELEMENTS} elements in all, the rest is
     * written as {@code "..."}; NaN and infinities as the strings Python prints.
     *
     * @param o a value
     * @return the JSON tree
     */
    public static JsonNode toJson(Object o) {
        int[] budget = {MAX_ELEMENTS};
        return toJson(o, MAX_DEPTH, budget);
    }

    private static JsonNode toJson(Object o, int depth, int[] budget) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (o == null) {
            return f.nullNode();
        }
        if (o instanceof String s) {
            return f.textNode(s);
        }
        if (o instanceof Boolean b) {
            return f.booleanNode(b);
        }
        if (o instanceof Long l) {
            return f.numberNode(l);
        }
        if (o instanceof BigInteger b) {
            return b.bitLength() > 1024 ? f.textNode("int of " + b.bitLength() + " bits") : f.numberNode(b);
        }
        if (o instanceof Double d) {
            if (d.isNaN()) {
                return f.textNode("nan");
            }
            if (d.isInfinite()) {
                return f.textNode(d > 0 ? "inf" : "-inf");
            }
            return f.numberNode(d);
        }
        if (o instanceof byte[] b) {
            return f.objectNode().put("__bytes__", b.length);
        }
        if (o instanceof TorchTensor t) {
            return f.objectNode().put("__tensor__", Shape.format(t.sizes()) + " " + t.dtypeName());
        }
        if (depth <= 0 || budget[0] <= 0) {
            return f.textNode("...");
        }
        if (o instanceof List<?> l) {
            ArrayNode a = f.arrayNode();
            for (Object item : l) {
                if (--budget[0] < 0) {
                    a.add("...");
                    break;
                }
                a.add(toJson(item, depth - 1, budget));
            }
            return a;
        }
        if (o instanceof Map<?, ?> m) {
            ObjectNode obj = f.objectNode();
            putAll(obj, m, depth, budget);
            return obj;
        }
        if (o instanceof PickleObject p) {
            ObjectNode obj = f.objectNode();
            obj.put("__class__", p.qualifiedName());
            // the state's dict(s) directly, under the budget (attributes() would copy them whole)
            Object state = p.state();
            if (state instanceof List<?> pair && pair.size() == 2) {
                state = pair.get(0) instanceof Map ? pair.get(0) : pair.get(1);
            }
            if (state instanceof Map<?, ?> attrs && !attrs.isEmpty()) {
                putAll(obj, attrs, depth, budget);
            } else if (!p.args().isEmpty()) {
                obj.set("__args__", toJson(p.args(), depth - 1, budget));
            }
            return obj;
        }
        return f.textNode(kind(o));
    }

    private static void putAll(ObjectNode obj, Map<?, ?> m, int depth, int[] budget) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (--budget[0] < 0) {
                obj.put("...", "...");
                break;
            }
            Object k = e.getKey();
            String name = k instanceof String s ? s
                    : k instanceof OpaqueKey ok ? describe(ok.value(), 1) : String.valueOf(k);
            obj.set(name, toJson(e.getValue(), depth - 1, budget));
        }
    }
}
