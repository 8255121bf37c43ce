package dev.jmae.distributed;

import java.lang.foreign.Arena;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A collective queued on {@link MpiCommThread}: its completion, its timing, and what the awaiting
 * thread does once it has finished (copy the result out, free the host buffer).
 */
final class MpiWork implements Work {

    final CompletableFuture<Void> done = new CompletableFuture<>();
    volatile long start = -1;
    volatile long end = -1;
    /** Set when the native call has returned, so the host buffer is no longer in MPI's hands. */
    volatile boolean returned;
    private final Runnable finish;
    private final Arena arena;
    private boolean finished;

    MpiWork(Runnable finish, Arena arena) {
        this.finish = finish;
        this.arena = arena;
    }

    @Override
    public void await() {
        try {
            done.join();
        } catch (CompletionException | CancellationException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            synchronized (this) {
                if (!finished && returned) {
                    finished = true;
                    closeArena();
                }
                // a collective that timed out may still be inside MPI, writing into the buffer:
                // its arena is left open (leaked) rather than freed under MPI's feet
            }
            // a new exception, so the awaiting thread's stack is in the trace beside the cause's
            throw new DistributedException(cause.getMessage(), cause);
        }
        synchronized (this) {
            if (!finished) {
                finished = true;
                try {
                    if (finish != null) {
                        finish.run();
                    }
                } finally {
                    closeArena();
                }
            }
        }
    }

    private void closeArena() {
        if (arena != null) {
            arena.close();
        }
    }

    @Override
    public boolean isCompleted() {
        return done.isDone();
    }

    @Override
    public long startNanos() {
        return start;
    }

    @Override
    public long endNanos() {
        return end;
    }
}
