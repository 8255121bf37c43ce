package dev.jmae.tensor.testing;

import java.lang.management.ManagementFactory;

/**
 * Bytes the current thread allocates on the Java heap while running some code, from HotSpot's
 * per-thread allocation counter ({@code com.sun.management.ThreadMXBean}). Used to check that a
 * reader given a file that claims gigabytes refuses it before allocating them, and by the fuzz
 * tests to check that no input makes a reader allocate more than its size justifies.
 */
public final class Allocations {

    private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory
            .getThreadMXBean();

    private Allocations() {
    }

    /** Code that may throw anything. */
    @FunctionalInterface
    public interface Action {
        /**
         * Runs.
         *
         * @throws Exception whatever the code under test throws
         */
        void run() throws Exception;
    }

    /** What an action allocated and threw. */
    public record Result(long allocatedBytes, Throwable thrown) {
    }

    /**
     * Runs an action on this thread and measures what it allocates (code on other threads is not
     * counted).
     *
     * @param action the code
     * @return bytes allocated and the throwable it ended with, or null
     */
    public static Result measure(Action action) {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        Throwable thrown = null;
        try {
            action.run();
        } catch (Throwable t) {
            thrown = t;
        }
        return new Result(THREADS.getCurrentThreadAllocatedBytes() - before, thrown);
    }

    /**
     * The current thread's allocation counter.
     *
     * @return bytes allocated by this thread so far
     */
    public static long currentThreadAllocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }
}
