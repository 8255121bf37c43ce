package dev.jmae.autograd;

/**
 * Whether ops record a graph for backward, per thread (torch.no_grad / torch.is_grad_enabled).
 *
 * <pre>{@code
 * try (GradMode.Scope s = GradMode.noGrad()) {
 *     Variable pred = model.forward(x);   // no graph: nothing saved, no gradFn
 * }
 * }</pre>
 */
public final class GradMode {

    private static final ThreadLocal<boolean[]> ENABLED = ThreadLocal.withInitial(() -> new boolean[] {true});

    private GradMode() {
    }

    /** A region with a grad-mode setting; closing it restores the previous one. */
    public static final class Scope implements AutoCloseable {
        private final boolean previous;
        private boolean closed;

        private Scope(boolean enabled) {
            boolean[] state = ENABLED.get();
            previous = state[0];
            state[0] = enabled;
        }

        /** Restores the setting that was active when the scope was opened. Idempotent. */
        @Override
        public void close() {
            if (!closed) {
                closed = true;
                ENABLED.get()[0] = previous;
            }
        }
    }

    /**
     * Whether graph recording is on for this thread.
     *
     * @return true unless inside a {@link #noGrad()} scope
     */
    public static boolean isEnabled() {
        return ENABLED.get()[0];
    }

    /**
     * Turns graph recording off until the returned scope is closed.
     *
     * @return the scope
     */
    public static Scope noGrad() {
        return new Scope(false);
    }

    /**
     * Turns graph recording on until the returned scope is closed (inside a noGrad region).
     *
     * @return the scope
     */
    public static Scope enableGrad() {
        return new Scope(true);
    }
}
