package dev.jmae.tensor.cpu;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.testing.ParityAssert;
import dev.jmae.tensor.testing.TestData;
import dev.jmae.tensor.testing.TestData.Layout;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Parity of the {@code cpu} indexing and concatenation ops with the reference: cat, stack,
 * indexSelect, gather, scatter, scatterAdd and argsort, along every dim, on strided inputs. These
 * ops move values without arithmetic (scatterAdd adds in the same order on both), so the results
 * must be bit-identical.
 */
class IndexingParityTest {

    static final int[][] SHAPES = {{1}, {7}, {33}, {197}, {3, 7}, {33, 17}, {2, 16, 5}, {4, 197, 3}};

    private static float[] indices(Generator g, int n, int bound) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = g.nextInt(bound);
        }
        return v;
    }

    @TestFactory
    List<DynamicTest> indexingOpsMatchReference() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int[] shape : SHAPES) {
            for (int dim = 0; dim < shape.length; dim++) {
                for (Layout layout : shape.length > 1 ? List.of(Layout.CONTIGUOUS, Layout.TRANSPOSED, Layout.NARROWED)
                        : List.of(Layout.CONTIGUOUS, Layout.NARROWED)) {
                    int d = dim;
                    String suffix = " dim " + d + " of " + Shape.format(shape) + " " + layout;
                    Generator g = new Generator(shape[0] * 31L + d);
                    float[] x = TestData.withOutliers(g, Shape.numel(shape));
                    int size = shape[d];
                    int[] idxShape = shape.clone();
                    idxShape[d] = Math.max(1, size / 2 + 1);
                    float[] gatherIdx = indices(g, Shape.numel(idxShape), size);
                    float[] src = TestData.withOutliers(g, Shape.numel(idxShape));
                    float[] select = indices(g, 5, size);
                    float[] ties = x.clone();
                    for (int i = 0; i < ties.length; i += 3) {
                        ties[i] = 1f;
                    }
                    List<Function<Device, Tensor>> ops = List.of(
                            dev -> Tensor.cat(List.of(TestData.make(dev, x, shape, layout), TestData.make(dev, x, shape, layout).mul(2f)), d),
                            dev -> Tensor.stack(List.of(TestData.make(dev, x, shape, layout), TestData.make(dev, x, shape, layout)), d),
                            dev -> TestData.make(dev, x, shape, layout).indexSelect(d, Tensor.of(dev, select, 5)),
                            dev -> TestData.make(dev, x, shape, layout).gather(d, Tensor.of(dev, gatherIdx, idxShape)),
                            dev -> TestData.make(dev, x, shape, layout).scatter(d, Tensor.of(dev, gatherIdx, idxShape), Tensor.of(dev, src, idxShape)),
                            dev -> TestData.make(dev, x, shape, layout).scatterAdd(d, Tensor.of(dev, gatherIdx, idxShape), Tensor.of(dev, src, idxShape)),
                            dev -> TestData.make(dev, ties, shape, layout).argsort(d, false),
                            dev -> TestData.make(dev, ties, shape, layout).argsort(d, true));
                    String[] names = {"cat", "stack", "indexSelect", "gather", "scatter", "scatterAdd", "argsort", "argsort descending"};
                    for (int o = 0; o < ops.size(); o++) {
                        Function<Device, Tensor> op = ops.get(o);
                        String name = names[o] + suffix;
                        tests.add(dynamicTest(name, () ->
                                ParityAssert.assertClose(name, op.apply(Device.REFERENCE), op.apply(Device.CPU), 0, 0)));
                    }
                }
            }
        }
        return tests;
    }
}
