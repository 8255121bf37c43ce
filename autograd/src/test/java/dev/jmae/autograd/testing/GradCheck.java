package dev.jmae.autograd.testing;

import dev.jmae.autograd.Function;
import dev.jmae.autograd.GradMode;
import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Gradient checking by central finite differences, for the tests of every module.
 *
 * <p>The objective is L = sum(f(x) ∘ g) with a seeded random upstream gradient g (never all ones,
 * so transposed or missing terms cannot cancel). Analytic gradients come from one backward pass;
 * each checked input element is then perturbed by ±h (rounded to float32, and the difference is
 * divided by the step actually taken) and L is recomputed in double on the host under
 * {@link GradMode#noGrad()}. Inputs are perturbed in place and restored, so they may be a module's
 * own parameters: pass them as inputs and let f call the module.
 *
 * <p>Float32 budget: the outputs carry relative rounding of about 6e-8, so each estimate has
 * noise near 6e-8·|L|/h plus truncation O(h²). The defaults, h = 1e-2, rtol = 2e-3 of the input's
 * largest analytic entry and atol = 1e-5, suit inputs of order 1 on the reference backend
 * (double accumulation); the cpu backend or long chains of ops may need rtol around 1e-2. Every
 * test states what it uses.
 *
 * <p>Each check records the {@link Function} classes it exercised ({@link #covered()}), so a test
 * can verify that every differentiable op has a check.
 */
public final class GradCheck {

    private static final Set<Class<?>> COVERED = Collections.synchronizedSet(new LinkedHashSet<>());

    private final String name;
    private final java.util.function.Function<Variable[], Variable> f;
    private final Variable[] inputs;
    private double step = 1e-2;
    private double rtol = 2e-3;
    private double atol = 1e-5;
    private int maxElements = Integer.MAX_VALUE;
    private long seed = 1234;

    private GradCheck(String name, java.util.function.Function<Variable[], Variable> f, Variable[] inputs) {
        this.name = name;
        this.f = f;
        this.inputs = inputs;
    }

    /**
     * Starts a check of f at the given inputs (those with requiresGrad are checked).
     *
     * @param name description for failure messages
     * @param f the function under test; must be deterministic
     * @param inputs the point
     * @return the check, to configure and {@link #run()}
     */
    public static GradCheck of(String name, java.util.function.Function<Variable[], Variable> f, Variable... inputs) {
        return new GradCheck(name, f, inputs);
    }

    /** @param h the finite-difference step @return this */
    public GradCheck step(double h) {
        this.step = h;
        return this;
    }

    /** @param r tolerance relative to the largest |analytic| entry of each input @return this */
    public GradCheck rtol(double r) {
        this.rtol = r;
        return this;
    }

    /** @param a absolute tolerance @return this */
    public GradCheck atol(double a) {
        this.atol = a;
        return this;
    }

    /** @param n check at most n elements per input, chosen at random (all when fewer) @return this */
    public GradCheck maxElements(int n) {
        this.maxElements = n;
        return this;
    }

    /** @param s seed of the upstream gradient and element sampling @return this */
    public GradCheck seed(long s) {
        this.seed = s;
        return this;
    }

    /**
     * The Function classes exercised by all checks run so far in this JVM.
     *
     * @return a snapshot
     */
    public static Set<Class<?>> covered() {
        synchronized (COVERED) {
            return new LinkedHashSet<>(COVERED);
        }
    }

    /** Runs the check; fails the test with the worst element of the first failing input. */
    public void run() {
        for (Variable v : inputs) {
            if (v.requiresGrad()) {
                v.setGrad(null);
            }
        }
        Variable out = f.apply(inputs);
        recordCoverage(out);
        Generator gen = new Generator(seed);
        Tensor g = Tensor.randn(gen, out.shape()).to(out.device());
        out.backward(g, false);
        float[] gv = g.toArray();
        for (int which = 0; which < inputs.length; which++) {
            Variable in = inputs[which];
            if (!in.requiresGrad()) {
                continue;
            }
            if (in.grad() == null) {
                fail(name + ": input " + which + " requires grad but received none");
            }
            float[] an = in.grad().toArray();
            double scale = 0;
            for (float a : an) {
                scale = Math.max(scale, Math.abs(a));
            }
            float[] base = in.value().toArray();
            int[] elements = chooseElements(base.length, gen);
            for (int i : elements) {
                float xp = (float) (base[i] + step);
                float xm = (float) (base[i] - step);
                double fd = (objective(which, base, i, xp, gv) - objective(which, base, i, xm, gv))
                        / ((double) xp - xm);
                double err = Math.abs(fd - an[i]);
                double tol = atol + rtol * scale;
                if (err > tol || Double.isNaN(fd) || Double.isNaN(an[i])) {
                    fail(String.format("%s: d/d(input %d)[%d] analytic %.6g vs numeric %.6g (|diff| %.3g > tol %.3g ="
                            + " atol %.1g + rtol %.1g x scale %.3g; h %.1g)",
                            name, which, i, an[i], fd, err, tol, atol, rtol, scale, step));
                }
            }
        }
    }

    private int[] chooseElements(int n, Generator gen) {
        if (n <= maxElements) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] pick = new int[maxElements];
        for (int i = 0; i < maxElements; i++) {
            pick[i] = gen.nextInt(n);
        }
        return pick;
    }

    /**
     * L at the inputs with element i of input {@code which} set to value. The input's value is
     * perturbed in place and restored, so inputs may be a module's own parameters that f uses
     * directly.
     */
    private double objective(int which, float[] base, int i, float value, float[] g) {
        Variable in = inputs[which];
        float[] perturbed = base.clone();
        perturbed[i] = value;
        float[] out;
        try (GradMode.Scope s = GradMode.noGrad()) {
            in.value().copyInPlace(Tensor.of(in.device(), perturbed, in.shape()));
            out = f.apply(inputs).value().toArray();
        } finally {
            in.value().copyInPlace(Tensor.of(in.device(), base, in.shape()));
        }
        double sum = 0;
        for (int k = 0; k < out.length; k++) {
            sum += (double) out[k] * g[k];
        }
        return sum;
    }

    private static void recordCoverage(Variable out) {
        Deque<Function> todo = new ArrayDeque<>();
        Set<Function> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        if (out.gradFn() != null) {
            todo.push(out.gradFn());
        }
        while (!todo.isEmpty()) {
            Function fn = todo.pop();
            if (!seen.add(fn)) {
                continue;
            }
            COVERED.add(fn.getClass());
            for (Variable v : fn.inputs()) {
                if (v.gradFn() != null) {
                    todo.push(v.gradFn());
                }
            }
        }
    }
}
