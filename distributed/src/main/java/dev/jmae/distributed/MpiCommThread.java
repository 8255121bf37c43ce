package dev.jmae.distributed;

import java.lang.foreign.Arena;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The one thread that makes every MPI call of a process, in submission order, and the watchdog
 * that fails a collective outliving the timeout.
 *
 * <p>One thread because collectives must be issued in the same order on every rank, and a queue
 * drained by one thread makes the order the submission order whichever threads submit; and
 * because MPI then only needs {@code MPI_THREAD_FUNNELED} for the collectives (this thread is the
 * one that called {@code MPI_Init_thread}).
 *
 * <p>Watchdog: a blocked MPI call cannot be interrupted, so when the running collective has
 * waited longer than the timeout the watchdog fails it and every queued one with a {@link
 * DistributedException} (the awaiting threads wake up and throw; the group is broken from then
 * on), and if the process is still alive {@code abortGrace} later, it runs the abort action
 * ({@code MPI_Abort}, which makes the launcher end every rank), so no rank hangs forever.
 */
final class MpiCommThread {

    /** A collective's body: MPI calls, run on the communication thread. */
    interface Body {
        void run() throws Throwable;
    }

    private record Op(String call, String detail, long seq, Body body, MpiWork work) {
        String describe() {
            return call + " (collective #" + seq + (detail.isEmpty() ? "" : ": " + detail) + ")";
        }
    }

    private static final Op STOP = new Op("stop", "", -1, () -> {}, new MpiWork(null, null));

    private final LinkedBlockingQueue<Op> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final Thread watchdog;
    private final Duration timeout;
    private final Duration abortGrace;
    private final Runnable abort;
    private volatile Op current;
    private volatile DistributedException broken;
    private volatile boolean stopped;
    private volatile String where = "a rank not yet initialized";
    private long seq;

    /**
     * Starts the communication and watchdog threads (daemons: a rank whose main thread has ended
     * must be able to exit even while a collective hangs).
     *
     * @param timeout how long one collective may run
     * @param abortGrace how long after a timeout the process may live on before the abort action
     * @param abort what ends the job once the grace has passed (MPI_Abort, or halt)
     */
    MpiCommThread(Duration timeout, Duration abortGrace, Runnable abort) {
        this.timeout = timeout;
        this.abortGrace = abortGrace;
        this.abort = abort;
        this.thread = Thread.ofPlatform().name("jmae-mpi").daemon(true).unstarted(this::loop);
        this.watchdog = Thread.ofPlatform().name("jmae-mpi-watchdog").daemon(true).unstarted(this::watch);
        thread.start();
        watchdog.start();
    }

    /** @param where "rank r of N", for messages */
    void setWhere(String where) {
        this.where = where;
    }

    String where() {
        return where;
    }

    DistributedException broken() {
        return broken;
    }

    /**
     * Queues a collective.
     *
     * @param call the MPI function's name, for messages
     * @param detail sizes and op, for messages
     * @param body the MPI calls
     * @param finish what the awaiting thread runs after success (may be null)
     * @param arena freed after finish (may be null)
     * @return its work
     */
    synchronized MpiWork submit(String call, String detail, Body body, Runnable finish, Arena arena) {
        MpiWork work = new MpiWork(finish, arena);
        DistributedException b = broken;
        if (b != null || stopped) {
            work.returned = true;
            work.done.completeExceptionally(b != null
                    ? new DistributedException(call + " on " + where + ": the process group is unusable after an"
                            + " earlier failure: " + b.getMessage(), b)
                    : new IllegalStateException(call + ": the process group was closed"));
            return work;
        }
        queue.add(new Op(call, detail, ++seq, body, work));
        return work;
    }

    /** Lets the thread finish the queued collectives, then end. */
    void stop() {
        stopped = true;
        queue.add(STOP);
    }

    /**
     * What is running now, for the shutdown message.
     *
     * @return e.g. "MPI_Allreduce (collective #5: 10 floats, SUM) for 2.1 s", or null
     */
    String inFlight() {
        Op op = current;
        if (op == null) {
            return null;
        }
        long start = op.work.start;
        double seconds = start < 0 ? 0 : (System.nanoTime() - start) / 1e9;
        return op.describe() + " for " + String.format("%.1f", seconds) + " s";
    }

    private void loop() {
        while (true) {
            Op op;
            try {
                op = queue.take();
            } catch (InterruptedException e) {
                return;
            }
            if (op == STOP) {
                return;
            }
            DistributedException b = broken;
            if (b != null) {
                op.work.returned = true;
                op.work.done.completeExceptionally(new DistributedException(op.call + " on " + where
                        + ": the process group is unusable after an earlier failure: " + b.getMessage(), b));
                continue;
            }
            op.work.start = System.nanoTime();
            current = op;
            try {
                op.body.run();
                op.work.end = System.nanoTime();
                op.work.returned = true;
                op.work.done.complete(null);
            } catch (Throwable t) {
                op.work.end = System.nanoTime();
                op.work.returned = true;
                if (t instanceof DistributedException d && broken == null) {
                    // MPI's state after an error is undefined: no further collective is attempted
                    broken = d;
                }
                op.work.done.completeExceptionally(t);
            } finally {
                current = null;
            }
        }
    }

    private void watch() {
        long pollMillis = Math.max(50, Math.min(1000, timeout.toMillis() / 10));
        while (!stopped || thread.isAlive()) {
            try {
                Thread.sleep(pollMillis);
            } catch (InterruptedException e) {
                return;
            }
            Op op = current;
            long start = op == null ? -1 : op.work.start;
            if (op == null || start < 0 || System.nanoTime() - start < timeout.toNanos()) {
                continue;
            }
            DistributedException e = new DistributedException(op.describe() + " did not complete within "
                    + format(timeout) + " on " + where + "; another rank has probably died, hung, or issued a different"
                    + " collective; hint: the launcher's output names a rank that exited; if a rank legitimately works"
                    + " alone this long (evaluation on rank 0), raise the process group's timeout");
            fail(op, e);
            long deadline = System.nanoTime() + abortGrace.toNanos();
            while (current == op && System.nanoTime() < deadline) {
                try {
                    Thread.sleep(pollMillis);
                } catch (InterruptedException ie) {
                    return;
                }
            }
            if (current == op) {
                System.err.println("jmae distributed: " + e.getMessage() + "; still blocked " + format(abortGrace)
                        + " later, so aborting the job");
                System.err.flush();
                abort.run();
            }
            return;
        }
    }

    private synchronized void fail(Op op, DistributedException e) {
        if (broken == null) {
            broken = e;
        }
        op.work.done.completeExceptionally(e);
        List<Op> queued = new ArrayList<>();
        queue.drainTo(queued);
        for (Op q : queued) {
            if (q == STOP) {
                queue.add(STOP);
            } else {
                q.work.returned = true;
                q.work.done.completeExceptionally(new DistributedException(q.call + " on " + where
                        + " was not started: " + e.getMessage(), e));
            }
        }
    }

    /** Waits for the thread to end after {@link #stop()}, at most the given time. */
    void join(Duration max) {
        try {
            thread.join(max.toMillis());
            watchdog.interrupt();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static String format(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format("%.1f s", ms / 1000.0);
    }
}
