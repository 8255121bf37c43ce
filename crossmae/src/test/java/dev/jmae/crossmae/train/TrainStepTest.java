package dev.jmae.crossmae.train;

import dev.jmae.autograd.Variable;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.optim.ParamGroup;
import dev.jmae.nn.optim.SGD;
import dev.jmae.nn.optim.WarmupCosineSchedule;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The training step against train_one_epoch computed by hand on a quadratic loss with plain SGD
 * (lr 0.1, no momentum, no decay), so every update is exact arithmetic: gradient accumulation
 * averages the micro-batch gradients, the lr is set per cycle at the fractional epoch, a
 * non-finite loss stops before backward, clipping scales the summed gradient.
 */
class TrainStepTest {

    /** loss = sum((w - target)²): dL/dw = 2(w - target). */
    private static TrainStep.Loss quadratic(Parameter w, float... target) {
        return () -> w.sub(Variable.constant(Tensor.of(target, target.length))).square().sum();
    }

    private static SGD sgd(Parameter w, double lr) {
        return new SGD(List.of(new ParamGroup("all", List.of(w), lr, 0, 1)), 0, false);
    }

    @Test
    void accumulationStepsOnceWithTheMeanGradientOfTheCycle() {
        Parameter w = new Parameter(Tensor.of(new float[] {1, 2}, 2));
        TrainStep step = new TrainStep(sgd(w, 0.1), null, 2, 0);
        step.beginEpoch();
        TrainStep.Result first = step.run(0, 0, 4, quadratic(w, 0, 0));
        assertFalse(first.stepped());
        assertEquals(5.0, first.loss());
        assertArrayEquals(new float[] {1, 2}, w.value().toArray(), "no update inside a cycle");
        // the first micro-batch's gradient 2w/2 = [1, 2] waits in .grad
        assertArrayEquals(new float[] {1, 2}, w.grad().toArray());
        TrainStep.Result second = step.run(0, 1, 4, quadratic(w, 2, 2));
        assertTrue(second.stepped());
        assertEquals(1.0, second.loss());
        assertEquals((5.0 + 1.0) / 2, second.stepLoss());
        // mean gradient ([2, 4] + [-2, 0]) / 2 = [0, 2]; w = [1, 2] - 0.1 [0, 2]
        assertArrayEquals(new float[] {1, 1.8f}, w.value().toArray(), 1e-7f);
        assertArrayEquals(new float[] {0, 0}, w.grad().toArray(), "gradients are zeroed after the step");
        assertEquals(1, step.optimizerSteps());
        assertEquals(2, step.loss().count());
        assertEquals(3.0, step.loss().globalAvg());
    }

    @Test
    void theLrIsSetAtTheFirstMicroBatchOfEachCycleAtTheFractionalEpoch() {
        Parameter w = new Parameter(Tensor.of(new float[] {1}, 1));
        WarmupCosineSchedule schedule = new WarmupCosineSchedule(1.0, 0.0, 2, 4);
        TrainStep step = new TrainStep(sgd(w, 123), schedule, 2, 0);
        step.beginEpoch();
        List<Double> lrs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            lrs.add(step.run(1, i, 6, quadratic(w, 0)).lr());
        }
        double a = schedule.lr(1 + 0.0 / 6);
        double b = schedule.lr(1 + 2.0 / 6);
        double c = schedule.lr(1 + 4.0 / 6);
        assertEquals(List.of(a, a, b, b, c, c), lrs);
        assertEquals(c, step.optimizer().groups().get(0).lr());
        assertEquals(3, step.optimizerSteps());
    }

    @Test
    void withoutAScheduleTheGroupsLrStaysAndIsReported() {
        Parameter w = new Parameter(Tensor.of(new float[] {1}, 1));
        TrainStep step = new TrainStep(sgd(w, 0.25), null, 1, 0).resumeAt(10);
        step.beginEpoch();
        TrainStep.Result r = step.run(0, 0, 1, quadratic(w, 0));
        assertEquals(0.25, r.lr());
        assertEquals(11, step.optimizerSteps());
        assertArrayEquals(new float[] {0.5f}, w.value().toArray());
    }

    @Test
    void aNonFiniteLossStopsBeforeBackwardNamingTheIteration() {
        Parameter w = new Parameter(Tensor.of(new float[] {1, 2}, 2));
        TrainStep step = new TrainStep(sgd(w, 0.1), null, 2, 0);
        step.beginEpoch();
        step.run(3, 0, 8, quadratic(w, 0, 0));
        float[] gradBefore = w.grad().toArray();
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                () -> step.run(3, 1, 8, () -> w.mul(Float.NaN).sum()));
        // epoch 3 counted from 0 is the fourth: messages count epochs from 1, as every line a run prints
        assertTrue(e.getMessage()
                .startsWith("the loss became non-finite at epoch 4, batch 1 (optimizer step 0, lr 1.000e-01);"
                        + " the last finite loss was 5.000000."),
                e.getMessage());
        assertArrayEquals(gradBefore, w.grad().toArray(), "nothing was back-propagated");
        assertArrayEquals(new float[] {1, 2}, w.value().toArray(), "and nothing updated");
    }

    @Test
    void clippingScalesTheGradientToMaxNormAndReportsTheNormBefore() {
        Parameter w = new Parameter(Tensor.of(new float[] {3, 4}, 2));
        TrainStep step = new TrainStep(sgd(w, 1.0), null, 1, 1.0);
        step.beginEpoch();
        // gradient 2w = [6, 8], norm 10, clipped to norm 1 (factor 1 / (10 + 1e-6))
        TrainStep.Result r = step.run(0, 0, 1, quadratic(w, 0, 0));
        assertEquals(10.0, r.gradNorm(), 1e-6);
        assertArrayEquals(new float[] {3 - 0.6f, 4 - 0.8f}, w.value().toArray(), 1e-6f);
        assertTrue(Double.isNaN(new TrainStep(sgd(w, 1.0), null, 1, 0).run(0, 0, 1, quadratic(w, 0, 0)).gradNorm()));
    }

    @Test
    void smoothedValueKeepsAWindowAndTheWholeSeries() {
        SmoothedValue v = new SmoothedValue(3);
        assertTrue(Double.isNaN(v.median()) && Double.isNaN(v.value()) && Double.isNaN(v.avg()));
        for (double x : new double[] {5, 1, 4, 2}) {
            v.update(x);
        }
        assertEquals(2.0, v.value());
        assertEquals(2.0, v.median(), "window [1, 4, 2]");
        assertEquals(7.0 / 3, v.avg(), 1e-15);
        assertEquals(12.0, v.total());
        assertEquals(4, v.count());
        assertEquals(3.0, v.globalAvg());
        v.update(3);
        assertEquals(3.0, v.median(), "window [4, 2, 3]");
        SmoothedValue even = new SmoothedValue(4);
        for (double x : new double[] {4, 1, 3, 2}) {
            even.update(x);
        }
        assertEquals(2.0, even.median(), "torch.median takes the lower middle value");
        v.reset();
        assertEquals(0, v.count());
        assertThrows(IllegalArgumentException.class, () -> new SmoothedValue(0));
    }
}
