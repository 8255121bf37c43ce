package dev.jmae.autograd;

import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** When post-accumulate hooks and queued callbacks run, and what they see. */
class GradHooksTest {

    private static Variable leaf(float... values) {
        return Variable.of(Tensor.of(values, values.length), true);
    }

    @Test
    void sharedLeafIsReportedOnceWithItsSummedGradient() {
        Variable w = leaf(1, 2, 3);
        Variable x1 = Variable.constant(Tensor.of(new float[] {1, 0, 2}, 3));
        Variable x2 = Variable.constant(Tensor.of(new float[] {4, 5, -1}, 3));
        List<float[]> seen = new ArrayList<>();
        GradHooks.RemovableHandle h = GradHooks.registerPostAccumulateGradHook(w, v -> seen.add(v.grad().toArray()));
        try {
            // d/dw [sum(w x1) + sum(w x2) * 2] = x1 + 2 x2, accumulated over two edges
            w.mul(x1).sum().add(w.mul(x2).sum().mul(2f)).backward();
            assertEquals(1, seen.size());
            assertArrayEquals(new float[] {9, 10, 0}, seen.get(0));
            // a second pass accumulates, and the hook sees the total
            w.mul(x1).sum().backward();
            assertEquals(2, seen.size());
            assertArrayEquals(new float[] {10, 10, 2}, seen.get(1));
        } finally {
            h.remove();
        }
        w.mul(x1).sum().backward();
        assertEquals(2, seen.size(), "a removed hook does not run");
    }

    @Test
    void hooksRunInTheOrderLeavesBecomeReadyAndCallbacksAfterThePass() {
        Variable a = leaf(1, 2);
        Variable b = leaf(3);
        Variable unused = leaf(7);
        List<String> events = new ArrayList<>();
        List<GradHooks.RemovableHandle> handles = new ArrayList<>();
        handles.add(GradHooks.registerPostAccumulateGradHook(a, v -> events.add("a")));
        handles.add(GradHooks.registerPostAccumulateGradHook(b, v -> {
            events.add("b");
            // b is ready before a, whose gradient is still to come
            events.add("a.grad=" + (a.grad() == null ? "null" : "set"));
            GradHooks.queueCallback(() -> {
                events.add("callback a.grad=" + a.grad().toArray()[1]);
                GradHooks.queueCallback(() -> events.add("nested"));
            });
        }));
        handles.add(GradHooks.registerPostAccumulateGradHook(unused, v -> events.add("unused")));
        try {
            // loss = sum(a * a) * b: b's edge is at the root node, a's two edges below it
            a.mul(a).sum().mul(b.sum()).backward();
            // d/da = 2 a b = [6, 12]
            assertEquals(List.of("b", "a.grad=null", "a", "callback a.grad=12.0", "nested"), events);
        } finally {
            handles.forEach(GradHooks.RemovableHandle::remove);
        }
    }

    @Test
    void aLeafRootRunsItsHook() {
        Variable s = leaf(5);
        List<Float> seen = new ArrayList<>();
        GradHooks.RemovableHandle h = GradHooks.registerPostAccumulateGradHook(s, v -> seen.add(v.grad().item()));
        try {
            s.backward();
            assertEquals(List.of(1f), seen);
        } finally {
            h.remove();
        }
    }

    @Test
    void callbacksOfAFailedPassDoNotRunAndTheQueueIsClosed() {
        Variable a = leaf(1);
        List<String> events = new ArrayList<>();
        GradHooks.RemovableHandle h = GradHooks.registerPostAccumulateGradHook(a, v -> {
            GradHooks.queueCallback(() -> events.add("callback"));
            throw new IllegalStateException("hook failed");
        });
        try {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> a.mul(2f).sum().backward());
            assertEquals("hook failed", e.getMessage());
            assertEquals(List.of(), events);
        } finally {
            h.remove();
        }
        IllegalStateException outside = assertThrows(IllegalStateException.class,
                () -> GradHooks.queueCallback(() -> {}));
        assertEquals("queueCallback: no backward pass is running on this thread; hint: call it from a gradient hook",
                outside.getMessage());
    }

    @Test
    void onlyLeavesThatRequireGradCanBeHooked() {
        Variable a = leaf(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradHooks.registerPostAccumulateGradHook(a.mul(2f), v -> {}));
        assertEquals("registerPostAccumulateGradHook: expected a leaf that requires a gradient, got the output of Mul",
                e.getMessage().replace("MulScalar", "Mul"));
        assertThrows(IllegalArgumentException.class,
                () -> GradHooks.registerPostAccumulateGradHook(Variable.constant(Tensor.zeros(1)), v -> {}));
    }
}
