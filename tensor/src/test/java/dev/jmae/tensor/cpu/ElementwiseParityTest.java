package dev.jmae.tensor.cpu;

import dev.jmae.tensor.BinaryOp;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.UnaryOp;
import dev.jmae.tensor.testing.ParityAssert;
import dev.jmae.tensor.testing.TestData;
import dev.jmae.tensor.testing.TestData.Layout;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Parity of the {@code cpu} elementwise and movement kernels with the {@code reference} ones, on
 * seeded inputs with outliers, awkward sizes (1, 7, 33, 197; 15/16/17 around the 16-lane vector;
 * 32767/32769 around the parallel split), and non-contiguous layouts.
 *
 * <p>Tolerances: add, sub, mul and copies are exact in both backends (the reference rounds the
 * exact double result once). Transcendental functions use the Vector API's intrinsics (about 1
 * ulp) and our erf (at most 1.5 ulp), against a correctly rounded reference: rtol 4e-6 (about 32
 * ulp, generous) and atol 1e-7 for results near zero where relative error is meaningless.
 */
class ElementwiseParityTest {

    static final int[][] SHAPES = {
        {1}, {7}, {15}, {16}, {17}, {33}, {197}, {32767}, {32769}, {65537},
        {3, 7}, {33, 5}, {2, 17, 3}, {197, 33}, {257, 129}
    };

    static final double RTOL = 4e-6;
    static final double ATOL = 1e-7;

    /** Inputs suited to each function's domain, before the layout is applied. */
    private static float[] inputFor(UnaryOp op, Generator g, int n) {
        float[] v = TestData.withOutliers(g, n);
        for (int i = 0; i < n; i++) {
            switch (op) {
                case LOG, SQRT, RSQRT -> v[i] = Math.abs(v[i]) + 1e-3f;
                case EXP, SIGMOID, TANH -> v[i] = Math.max(-80f, Math.min(80f, v[i]));
                default -> {}
            }
        }
        return v;
    }

    private static List<Layout> layoutsFor(int[] shape) {
        return shape.length >= 2 ? List.of(Layout.values()) : List.of(Layout.CONTIGUOUS, Layout.NARROWED);
    }

    @TestFactory
    List<DynamicTest> unaryOpsMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (UnaryOp op : UnaryOp.values()) {
            for (int[] shape : SHAPES) {
                for (Layout layout : layoutsFor(shape)) {
                    String name = op + " " + Shape.format(shape) + " " + layout;
                    tests.add(dynamicTest(name, () -> {
                        float[] v = inputFor(op, new Generator(shape.length * 1000L + shape[0]), Shape.numel(shape));
                        Tensor ref = TestData.make(Device.REFERENCE, v, shape, layout);
                        Tensor cpu = TestData.make(Device.CPU, v, shape, layout);
                        ParityAssert.assertClose(name, apply(op, ref), apply(op, cpu), RTOL, ATOL);
                    }));
                }
            }
        }
        return tests;
    }

    private static Tensor apply(UnaryOp op, Tensor x) {
        return switch (op) {
            case NEG -> x.neg();
            case EXP -> x.exp();
            case LOG -> x.log();
            case SQRT -> x.sqrt();
            case RSQRT -> x.rsqrt();
            case TANH -> x.tanh();
            case ERF -> x.erf();
            case ABS -> x.abs();
            case SQUARE -> x.square();
            case RECIPROCAL -> x.reciprocal();
            case SIGMOID -> x.sigmoid();
            case SIGN -> x.sign();
        };
    }

    /** Pairs of shapes that broadcast: same shape, trailing row, column, scalar, leading dims. */
    static final int[][][] BROADCASTS = {
        {{7}, {7}}, {{197}, {1}}, {{33, 17}, {17}}, {{33, 17}, {33, 1}}, {{1, 17}, {33, 1}},
        {{2, 7, 16}, {7, 1}}, {{257, 129}, {129}}, {{3, 1, 5}, {4, 1}}, {{32769}, {32769}}
    };

    @TestFactory
    List<DynamicTest> binaryOpsMatchReferenceWithBroadcasting() {
        List<DynamicTest> tests = new ArrayList<>();
        for (BinaryOp op : BinaryOp.values()) {
            for (int[][] shapes : BROADCASTS) {
                for (Layout layout : List.of(Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.NARROWED)) {
                    String name = op + " " + Shape.format(shapes[0]) + " with " + Shape.format(shapes[1]) + " "
                            + layout;
                    tests.add(dynamicTest(name, () -> {
                        Generator g = new Generator(op.ordinal() * 31L + shapes[0][0]);
                        float[] a = TestData.withOutliers(g, Shape.numel(shapes[0]));
                        float[] b = TestData.withOutliers(g, Shape.numel(shapes[1]));
                        if (op == BinaryOp.POW) {
                            for (int i = 0; i < a.length; i++) {
                                a[i] = Math.min(Math.abs(a[i]), 10f) + 0.5f;
                            }
                            for (int i = 0; i < b.length; i++) {
                                b[i] = Math.max(-3f, Math.min(3f, b[i]));
                            }
                        }
                        if (op.isComparison()) {
                            // make ties occur
                            for (int i = 0; i < a.length; i += 3) {
                                a[i] = b[i % b.length];
                            }
                        }
                        BiFunction<Tensor, Tensor, Tensor> f = binary(op);
                        Tensor ref = f.apply(TestData.make(Device.REFERENCE, a, shapes[0], layout),
                                TestData.make(Device.REFERENCE, b, shapes[1], layout));
                        Tensor cpu = f.apply(TestData.make(Device.CPU, a, shapes[0], layout),
                                TestData.make(Device.CPU, b, shapes[1], layout));
                        ParityAssert.assertClose(name, ref, cpu, RTOL, 0);
                    }));
                }
            }
        }
        return tests;
    }

    private static BiFunction<Tensor, Tensor, Tensor> binary(BinaryOp op) {
        return switch (op) {
            case ADD -> Tensor::add;
            case SUB -> Tensor::sub;
            case MUL -> Tensor::mul;
            case DIV -> Tensor::div;
            case POW -> Tensor::pow;
            case MAXIMUM -> Tensor::maximum;
            case MINIMUM -> Tensor::minimum;
            case EQ -> Tensor::eq;
            case NE -> Tensor::ne;
            case LT -> Tensor::lt;
            case LE -> Tensor::le;
            case GT -> Tensor::gt;
            case GE -> Tensor::ge;
        };
    }

    @TestFactory
    List<DynamicTest> scalarOpsMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        List<Function<Tensor, Tensor>> ops = List.of(x -> x.add(0.37f), x -> x.sub(-2.5f), x -> x.mul(1.7f),
                x -> x.div(3f), x -> x.abs().add(0.1f).pow(1.5f), x -> x.eq(0f), x -> x.lt(0.25f), x -> x.ge(-0.5f),
                x -> x.clamp(-1f, 2f));
        String[] names = {"add", "sub", "mul", "div", "pow", "eq", "lt", "ge", "clamp"};
        for (int o = 0; o < ops.size(); o++) {
            Function<Tensor, Tensor> op = ops.get(o);
            for (int[] shape : SHAPES) {
                for (Layout layout : layoutsFor(shape)) {
                    String name = names[o] + "(scalar) " + Shape.format(shape) + " " + layout;
                    tests.add(dynamicTest(name, () -> {
                        float[] v = TestData.withOutliers(new Generator(7 + shape[0]), Shape.numel(shape));
                        for (int i = 0; i < v.length; i += 5) {
                            v[i] = 0f;
                        }
                        ParityAssert.assertClose(name, op.apply(TestData.make(Device.REFERENCE, v, shape, layout)),
                                op.apply(TestData.make(Device.CPU, v, shape, layout)), RTOL, 0);
                    }));
                }
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> whereCopyAndContiguousMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : SHAPES) {
            for (Layout layout : layoutsFor(shape)) {
                String name = Shape.format(shape) + " " + layout;
                tests.add(dynamicTest("where " + name, () -> {
                    Generator g = new Generator(3 + shape[0]);
                    int n = Shape.numel(shape);
                    float[] c = TestData.withOutliers(g, n);
                    float[] a = TestData.withOutliers(g, n);
                    float[] b = TestData.withOutliers(g, n);
                    Function<Device, Tensor> run = d -> Tensor.where(TestData.make(d, c, shape, layout).gt(0f),
                            TestData.make(d, a, shape, layout), TestData.make(d, b, shape, layout));
                    ParityAssert.assertClose("where " + name, run.apply(Device.REFERENCE), run.apply(Device.CPU), 0, 0);
                }));
                tests.add(dynamicTest("contiguous " + name, () -> {
                    float[] v = TestData.withOutliers(new Generator(5 + shape[0]), Shape.numel(shape));
                    Tensor cpu = TestData.make(Device.CPU, v, shape, layout).contiguous();
                    ParityAssert.assertClose("contiguous " + name,
                            TestData.make(Device.REFERENCE, v, shape, layout).contiguous(), cpu, 0, 0);
                }));
            }
        }
        return tests;
    }
}
