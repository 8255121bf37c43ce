package dev.jmae.autograd;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One dim rule for {@link Tensor} and {@link Variable} ({@link Shape#normalizeDim} and
 * {@link Shape#normalizeNewDim}): every public op of either class that takes a dim ({@code int dim},
 * {@code int dim0, int dim1}, {@code int startDim}, {@code int[] dims}; found by reflection through
 * the parameter names that {@code javac -parameters} keeps) has a counterpart of the same name in
 * the other class, or is listed below; both refuse the same bad dims with an
 * {@link IllegalArgumentException} naming the op and the dim, and accept negative dims as their
 * positive forms.
 */
class DimRuleTest {

    /** Tensor ops that take a dim and have no Variable counterpart; the test fails if this list is not exact. */
    private static final Set<String> TENSOR_ONLY = Set.of(
            "stride(int)",
            "min(int,boolean)",
            "min(int[],boolean)",
            "scatter(int,Tensor,Tensor)",
            "scatterAdd(int,Tensor,Tensor)");

    /** Variable ops that take a dim and have no Tensor counterpart; exact like {@link #TENSOR_ONLY}. */
    private static final Set<String> VARIABLE_ONLY = Set.of();

    /** Ops whose dim is the position of a new dim: valid in [-(ndim+1), ndim+1) instead of [-ndim, ndim). */
    private static final Set<String> INSERTS_DIM = Set.of("unsqueeze", "stack");

    private static final int[] SHAPE = {2, 3, 4};

    /** A Tensor op that takes dims, its Variable counterpart (null if none), and its dim parameters. */
    private record Op(Method tensor, Method variable, int[] dimParams) {
        String name() {
            return tensor.getName();
        }

        /** The exclusive upper end of the valid non-negative dims for an input of rank ndim. */
        int range(int ndim) {
            return INSERTS_DIM.contains(name()) ? ndim + 1 : ndim;
        }

        @Override
        public String toString() {
            return signature(tensor);
        }
    }

    @Test
    void everyOpThatTakesADimHasACounterpartOrIsListed() {
        List<Method> tensorOps = dimOps(Tensor.class);
        List<Method> variableOps = dimOps(Variable.class);
        Set<String> tensorOnly = new TreeSet<>();
        for (Method t : tensorOps) {
            if (counterpart(t, variableOps) == null) {
                tensorOnly.add(signature(t));
            }
        }
        Set<String> variableOnly = new TreeSet<>();
        for (Method v : variableOps) {
            if (counterpart(v, tensorOps) == null) {
                variableOnly.add(signature(v));
            }
        }
        assertEquals(new TreeSet<>(TENSOR_ONLY), tensorOnly,
                "Tensor ops that take a dim without a Variable counterpart; hint: add the Variable op or list it");
        assertEquals(new TreeSet<>(VARIABLE_ONLY), variableOnly,
                "Variable ops that take a dim without a Tensor counterpart; hint: add the Tensor op or list it");
        Set<String> found = tensorOps.stream().map(DimRuleTest::signature).collect(Collectors.toSet());
        for (String known : List.of("size(int)", "transpose(int,int)", "flatten(int,int)", "permute(int[])",
                "sum(int[],boolean)", "unsqueeze(int)", "stack(List,int)", "gather(int,Tensor)", "softmax(int)")) {
            assertTrue(found.contains(known), "the enumeration missed " + known + "; found " + new TreeSet<>(found));
        }
        for (String name : INSERTS_DIM) {
            assertTrue(tensorOps.stream().anyMatch(m -> m.getName().equals(name)), "INSERTS_DIM names " + name);
        }
    }

    @Test
    void badDimsAreRefusedByTensorAndVariableAlike() {
        List<String> failures = new ArrayList<>();
        int calls = 0;
        for (Op op : ops()) {
            int range = op.range(SHAPE.length);
            int[] bad = {range, range + 1, -range - 1, -range - 2, 1000, -1000, Integer.MAX_VALUE, Integer.MIN_VALUE};
            for (int param : op.dimParams) {
                for (int b : bad) {
                    Object[] targs = arguments(op, op.tensor, SHAPE, param, b, false);
                    failures.addAll(refusal(op, "Tensor", op.tensor, targs, b, true));
                    calls++;
                    if (op.variable != null) {
                        Object[] vargs = arguments(op, op.variable, SHAPE, param, b, false);
                        failures.addAll(refusal(op, "Variable", op.variable, vargs, b, true));
                        calls++;
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + calls + " calls:\n" + String.join("\n", failures));
        assertTrue(calls >= 200, "only " + calls + " calls");
    }

    @Test
    void negativeDimsGiveTheResultOfTheirPositiveForm() {
        List<String> failures = new ArrayList<>();
        int compared = 0;
        for (Op op : ops()) {
            int range = op.range(SHAPE.length);
            for (int param : op.dimParams) {
                for (int d = 0; d < range; d++) {
                    String expected = describe(call(op.tensor, arguments(op, op.tensor, SHAPE, param, d, false)));
                    Object[] negArgs = arguments(op, op.tensor, SHAPE, param, d - range, true);
                    String tensorNeg = describe(call(op.tensor, negArgs));
                    String where = op + " dim parameter " + param + ": " + d + " vs " + (d - range);
                    if (!expected.equals(tensorNeg)) {
                        failures.add(where + ": Tensor gave " + expected + " and " + tensorNeg);
                    }
                    compared++;
                    if (op.variable == null) {
                        continue;
                    }
                    String[] variableRuns = new String[2];
                    for (int r = 0; r < 2; r++) {
                        int dim = r == 0 ? d : d - range;
                        Object[] args = arguments(op, op.variable, SHAPE, param, dim, r == 1);
                        Object out = call(op.variable, args);
                        variableRuns[r] = describe(out) + " grad " + backward(out, args);
                    }
                    String variableValue = variableRuns[1].substring(0, variableRuns[1].indexOf(" grad "));
                    if (!expected.equals(variableValue)) {
                        failures.add(where + ": Tensor gave " + expected + ", Variable " + variableValue);
                    }
                    if (!variableRuns[0].equals(variableRuns[1])) {
                        failures.add(where + ": Variable gave " + variableRuns[0] + " and " + variableRuns[1]);
                    }
                    compared++;
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + compared + " comparisons:\n"
                + String.join("\n", failures));
        assertTrue(compared >= 60, "only " + compared + " comparisons");
    }

    /** A 0-d input: dims beyond [-1, 0] are refused by both; dims 0 and -1 are accepted or refused by both alike. */
    @Test
    void zeroDimInputsAreTreatedAlike() {
        List<String> failures = new ArrayList<>();
        int[] scalar = {};
        for (Op op : ops()) {
            if (op.variable == null) {
                continue;
            }
            for (int param : op.dimParams) {
                // the message need not name b: another dim may be out of range too, or permute's length wrong
                for (int b : new int[] {1, -2, 5, Integer.MIN_VALUE}) {
                    failures.addAll(refusal(op, "Tensor", op.tensor, arguments(op, op.tensor, scalar, param, b, false),
                            b, false));
                    failures.addAll(refusal(op, "Variable", op.variable,
                            arguments(op, op.variable, scalar, param, b, false), b, false));
                }
                for (int d : new int[] {0, -1}) {
                    String t = outcome(op.tensor, arguments(op, op.tensor, scalar, param, d, false));
                    String v = outcome(op.variable, arguments(op, op.variable, scalar, param, d, false));
                    if (!t.equals(v)) {
                        failures.add(op + " on a 0-d input, dim parameter " + param + " = " + d + ": Tensor " + t
                                + ", Variable " + v);
                    }
                }
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    @Test
    void messagesNameTheOpTheDimAndTheRange() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Shape.normalizeDim("transpose", 3, 3));
        assertEquals("transpose: expected dim in [-3, 2] (a 3-d tensor), got 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Shape.normalizeNewDim("unsqueeze", -5, 3));
        assertEquals("unsqueeze: expected dim in [-4, 3] (a new dim of a 3-d tensor), got -5", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Shape.normalizeDim("size", 0, 0));
        assertEquals("size: expected no dim (a 0-d tensor), got 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Shape.normalizeDim("softmax", 1, 0, true));
        assertEquals("softmax: expected dim in [-1, 0] (a 0-d tensor, treated as 1-d), got 1", e.getMessage());
        assertEquals(0, Shape.normalizeDim("softmax", -1, 0, true));
        assertEquals(3, Shape.normalizeNewDim("stack", -1, 3));
        assertEquals(0, Shape.normalizeDim("sum", -3, 3));
    }

    // ------------------------------------------------------------------ enumeration

    private static boolean isDim(Parameter p) {
        String n = p.getName();
        return (p.getType() == int.class && (n.equals("dim") || n.matches("dim[0-9]") || n.endsWith("Dim")))
                || (p.getType() == int[].class && n.equals("dims"));
    }

    /** The public methods of a class that take at least one dim parameter, in a fixed order. */
    private static List<Method> dimOps(Class<?> type) {
        List<Method> out = new ArrayList<>();
        for (Method m : type.getMethods()) {
            if (m.getDeclaringClass() != type) {
                continue;
            }
            for (Parameter p : m.getParameters()) {
                assertTrue(p.isNamePresent(), "parameter names of " + type.getSimpleName() + "." + m.getName()
                        + " are missing; hint: compile with javac -parameters (the parent pom does)");
            }
            if (Arrays.stream(m.getParameters()).anyMatch(DimRuleTest::isDim)) {
                out.add(m);
            }
        }
        out.sort((a, b) -> signature(a).compareTo(signature(b)));
        return out;
    }

    /** The method of the same name, staticness and parameters (Tensor and Variable interchangeable). */
    private static Method counterpart(Method m, List<Method> candidates) {
        for (Method c : candidates) {
            boolean sameKind = Modifier.isStatic(c.getModifiers()) == Modifier.isStatic(m.getModifiers());
            if (sameKind && normalizedSignature(c).equals(normalizedSignature(m))) {
                return c;
            }
        }
        return null;
    }

    private static String signature(Method m) {
        return m.getName() + "(" + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
                .collect(Collectors.joining(",")) + ")";
    }

    private static String normalizedSignature(Method m) {
        return signature(m).replace("Variable", "Tensor");
    }

    private static List<Op> ops() {
        List<Method> variableOps = dimOps(Variable.class);
        List<Op> out = new ArrayList<>();
        for (Method t : dimOps(Tensor.class)) {
            Parameter[] ps = t.getParameters();
            int[] dimParams = IntStream.range(0, ps.length).filter(i -> isDim(ps[i])).toArray();
            out.add(new Op(t, counterpart(t, variableOps), dimParams));
        }
        return out;
    }

    // ------------------------------------------------------------------ arguments and calls

    /** The input: 0, 1, 2, ... in the given shape, on the CPU. */
    private static Tensor input(int[] shape) {
        float[] data = new float[Shape.numel(shape)];
        for (int i = 0; i < data.length; i++) {
            data[i] = i;
        }
        return Tensor.of(Device.CPU, data, shape);
    }

    /**
     * The receiver (index 0; null for static ops) and the arguments of one call: every dim parameter
     * at a valid baseline except parameter {@code param}, which gets {@code dim}. The baseline of an
     * int dim is 0 (ndim-1 for endDim), of int[] dims the reversed identity (valid for permute and
     * reductions); when {@code negative}, the baseline dims are given in their negative form.
     */
    private static Object[] arguments(Op op, Method m, int[] shape, int param, int dim, boolean negative) {
        boolean variable = m.getDeclaringClass() == Variable.class;
        Tensor x = input(shape);
        Object self = variable ? Variable.of(x, true) : x;
        int ndim = shape.length;
        Parameter[] ps = m.getParameters();
        Object[] out = new Object[ps.length + 1];
        out[0] = Modifier.isStatic(m.getModifiers()) ? null : self;
        for (int i = 0; i < ps.length; i++) {
            Parameter p = ps[i];
            String n = p.getName();
            Object a;
            if (isDim(p) && p.getType() == int[].class) {
                int[] dims = new int[ndim];
                for (int k = 0; k < ndim; k++) {
                    dims[k] = ndim - 1 - k - (negative ? ndim : 0);
                }
                a = i == param ? with(dims, dim, ndim) : dims;
            } else if (isDim(p)) {
                int base = n.equals("endDim") ? Math.max(ndim - 1, 0) : 0;
                a = i == param ? dim : (negative && ndim > 0 ? base - ndim : base);
            } else if (p.getType() == boolean.class && (n.equals("keepDim") || n.equals("descending"))) {
                a = false;
            } else if (p.getType() == double.class && n.equals("correction")) {
                a = 1.0;
            } else if (p.getType() == int.class && (n.equals("start") || n.equals("index"))) {
                a = 0;
            } else if (p.getType() == int.class && n.equals("length")) {
                a = 1;
            } else if (p.getType() == Tensor.class && n.equals("index")) {
                a = op.name().equals("indexSelect") ? Tensor.of(Device.CPU, new float[] {1}, 1)
                        : Tensor.full(Device.CPU, 1f, ones(ndim));
            } else if (p.getType() == Tensor.class && n.equals("src")) {
                a = Tensor.full(Device.CPU, 7f, ones(ndim));
            } else if (p.getType() == List.class) {
                a = List.of(self, variable ? Variable.of(input(shape), true) : input(shape));
            } else {
                throw new AssertionError("DimRuleTest has no argument for parameter " + p.getType().getSimpleName()
                        + " " + n + " of " + signature(m) + "; hint: add one in arguments()");
            }
            out[i + 1] = a;
        }
        return out;
    }

    /**
     * A valid dims argument with one entry set to {@code dim}: a valid dim replaces the entry that
     * names the same dim (so a permutation stays one), an invalid one the first entry (or is the
     * only entry for a 0-d input).
     */
    private static int[] with(int[] dims, int dim, int ndim) {
        if (ndim == 0) {
            return new int[] {dim};
        }
        int[] out = dims.clone();
        int wrapped = dim < 0 ? dim + ndim : dim;
        if (wrapped >= 0 && wrapped < ndim) {
            for (int k = 0; k < out.length; k++) {
                if ((out[k] < 0 ? out[k] + ndim : out[k]) == wrapped) {
                    out[k] = dim;
                }
            }
        } else {
            out[0] = dim;
        }
        return out;
    }

    private static int[] ones(int n) {
        int[] s = new int[n];
        Arrays.fill(s, 1);
        return s;
    }

    /** Calls m with the receiver and arguments of {@link #arguments}; exceptions of the op are rethrown unwrapped. */
    private static Object call(Method m, Object[] receiverAndArgs) {
        try {
            return m.invoke(receiverAndArgs[0], Arrays.copyOfRange(receiverAndArgs, 1, receiverAndArgs.length));
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new AssertionError(e.getCause());
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * Empty if the call throws an IllegalArgumentException whose message starts with the op's name
     * (and, with {@code namesDim}, ends with "got " and the dim), else the failure.
     */
    private static List<String> refusal(Op op, String side, Method m, Object[] args, int dim, boolean namesDim) {
        String what = side + " " + op + " with dim " + dim + " (arguments " + Arrays.deepToString(args) + ")";
        try {
            Object out = call(m, args);
            return List.of(what + ": accepted, gave " + describe(out));
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            if (!msg.startsWith(op.name() + ": ") || (namesDim && !msg.endsWith("got " + dim))) {
                return List.of(what + ": the message does not name the op and the dim: " + msg);
            }
            return List.of();
        } catch (RuntimeException e) {
            return List.of(what + ": threw " + e);
        }
    }

    /** "ok " + the result, or the exception's class, for comparing Tensor and Variable on one call. */
    private static String outcome(Method m, Object[] args) {
        try {
            return "ok " + describe(call(m, args));
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }

    /** The gradient of the receiver (or of the list's first part) after backward(arange), or "-" for constants. */
    private static String backward(Object out, Object[] args) {
        if (!(out instanceof Variable y) || !y.requiresGrad()) {
            return "-";
        }
        y.backward(input(y.shape()));
        Variable leaf = args[0] != null ? (Variable) args[0] : firstPart(args);
        return describe(leaf.grad());
    }

    private static Variable firstPart(Object[] args) {
        for (Object a : args) {
            if (a instanceof List<?> list) {
                return (Variable) list.get(0);
            }
        }
        throw new AssertionError("a static op without a list of parts: " + Arrays.deepToString(args));
    }

    /** A comparable text of a result: the shape and elements of a Tensor or Variable, or the value. */
    private static String describe(Object result) {
        Tensor t = result instanceof Variable v ? v.value() : result instanceof Tensor tt ? tt : null;
        if (t == null) {
            return String.valueOf(result);
        }
        return Arrays.toString(t.shape()) + Arrays.toString(t.toArray());
    }
}
