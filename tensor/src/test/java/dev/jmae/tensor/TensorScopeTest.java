package dev.jmae.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Deterministic release of tensors allocated inside a scope, and keeping tensors beyond it. */
class TensorScopeTest {

    @Test
    void closingReleasesEverythingAllocatedInsideExceptKeptTensors() {
        Tensor outside = Tensor.ones(Device.REFERENCE, 10);
        Tensor kept;
        Tensor inside;
        try (TensorScope scope = TensorScope.open()) {
            inside = outside.add(1f).mul(3f);
            kept = TensorScope.keep(inside.sum());
            // add, mul and sum each allocated one storage; the kept sum no longer belongs to the scope
            assertEquals(2, scope.ownedCount());
        }
        assertTrue(inside.storage().isReleased());
        assertFalse(kept.storage().isReleased());
        assertFalse(outside.storage().isReleased());
        assertEquals(60f, kept.item());
        assertThrows(IllegalStateException.class, inside::toArray);
    }

    @Test
    void keptTensorsMoveToTheEnclosingScope() {
        Tensor survivor;
        Tensor middle;
        try (TensorScope outer = TensorScope.open()) {
            try (TensorScope inner = TensorScope.open()) {
                middle = TensorScope.keep(Tensor.ones(Device.CPU, 3));
            }
            assertFalse(middle.storage().isReleased());
            survivor = TensorScope.keep(middle.mul(2f));
        }
        assertTrue(middle.storage().isReleased());
        assertArrayEquals(new float[] {2, 2, 2}, survivor.toArray());
    }

    @Test
    void scopesMustCloseInnermostFirst() {
        TensorScope outer = TensorScope.open();
        TensorScope inner = TensorScope.open();
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        outer.close();
    }
}
