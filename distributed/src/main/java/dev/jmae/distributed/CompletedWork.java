package dev.jmae.distributed;

/** A collective that finished when it was issued (the single-process group's). */
record CompletedWork(long startNanos, long endNanos) implements Work {

    static CompletedWork now() {
        long t = System.nanoTime();
        return new CompletedWork(t, t);
    }

    @Override
    public void await() {
    }

    @Override
    public boolean isCompleted() {
        return true;
    }
}
