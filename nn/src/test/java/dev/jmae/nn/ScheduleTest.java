package dev.jmae.nn;

import dev.jmae.nn.optim.AdamW;
import dev.jmae.nn.optim.ParamGroup;
import dev.jmae.nn.optim.WarmupCosineSchedule;
import dev.jmae.tensor.Tensor;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The warmup + half-cycle cosine schedule against the values of docs/model.md §13. */
class ScheduleTest {

    @Test
    void matchesTheSpecTableForViTBAtGammaQuarter() {
        // warmup 40, 800 epochs, peak 8e-4, min 0 (docs/model.md §13; the spec rounds to 4 significant digits)
        WarmupCosineSchedule s = new WarmupCosineSchedule(8e-4, 0, 40, 800);
        assertEquals(0.0, s.lr(0), 0);
        assertEquals(2e-4, s.lr(10), 1e-12);
        assertEquals(8e-4, s.lr(40), 1e-12);
        assertEquals(6.943e-4, s.lr(220), 5e-8);
        assertEquals(4e-4, s.lr(420), 1e-12);
        assertEquals(1.057e-4, s.lr(620), 5e-8);
        assertEquals(0.0, s.lr(800), 1e-12);
    }

    @Test
    void applySetsEveryGroupScaledByItsLrScale() {
        Parameter p = new Parameter(Tensor.zeros(2));
        Parameter q = new Parameter(Tensor.zeros(2));
        AdamW opt = new AdamW(
                List.of(new ParamGroup("a", List.of(p), 0, 0, 1.0), new ParamGroup("b", List.of(q), 0, 0, 0.5)),
                0.9, 0.95, 1e-8);
        double lr = new WarmupCosineSchedule(1e-3, 1e-6, 5, 100).apply(opt, 2.5);
        assertEquals(5e-4, lr, 1e-15);
        assertEquals(5e-4, opt.groups().get(0).lr(), 1e-15);
        assertEquals(2.5e-4, opt.groups().get(1).lr(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new WarmupCosineSchedule(1e-3, 0, 10, 5));
    }
}
