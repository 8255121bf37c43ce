package dev.jmae.tensor.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The fixed thread pool the {@code cpu} kernels run on: one thread per available processor, the
 * calling thread included.
 *
 * <p>Workers spin briefly ({@link Thread#onSpinWait()}) before parking, because a parked-thread
 * hand-off costs tens of microseconds and erases the gain of a second core on small kernels
 * (per-head attention, layer-norm rows, 64³ GEMMs). A call made while the pool is busy (from
 * another thread, or from inside a parallel body) runs serially on the caller, so kernels may
 * call each other freely and the pool never deadlocks.
 *
 * <p>Work is split into tasks claimed from a shared counter; the caller runs tasks too and returns
 * when all are done. The first exception thrown by a body is rethrown to the caller after every
 * claimed task has finished.
 */
public final class Parallel {

    /** A body over the half-open index range [start, end). */
    @FunctionalInterface
    public interface RangeBody {
        /**
         * Runs the work for indices start (inclusive) to end (exclusive).
         *
         * @param start first index
         * @param end one past the last index
         */
        void run(int start, int end);
    }

    /**
     * The most ranges {@link #forRange} makes per thread. More ranges than threads let a thread
     * that starts late (a parked worker woken after the caller began, or one whose core another
     * process or VM is using) take fewer of them instead of holding up the call with half the
     * work (measured in docs/benchmarks.md, "Work split").
     */
    static final int CHUNKS_PER_THREAD = 8;

    /** How long an idle worker spins before parking, in nanoseconds. */
    private static final long SPIN_NANOS = 200_000;

    private static final Parallel POOL = new Parallel(Runtime.getRuntime().availableProcessors());

    private final int threads;
    private final Worker[] workers;
    private final ReentrantLock busy = new ReentrantLock();
    private final AtomicReference<Job> current = new AtomicReference<>();
    private long jobs;

    private Parallel(int threads) {
        this.threads = Math.max(1, threads);
        this.workers = new Worker[this.threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i);
            workers[i].start();
        }
    }

    /**
     * CPU time used so far by the pool's workers and the calling thread, in nanoseconds: what
     * {@link GemmTuner} times candidates by, since on a shared machine the wall time of a product
     * mostly measures how long other processes held the cores.
     *
     * @return the summed thread CPU times (an idle spinning worker counts; a parked one does not)
     */
    static long cpuNanos() {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long sum = mx.getCurrentThreadCpuTime();
        for (Worker w : POOL.workers) {
            sum += Math.max(0, mx.getThreadCpuTime(w.threadId()));
        }
        return sum;
    }

    /**
     * The number of threads work is spread over, the caller included.
     *
     * @return the pool size, at least 1
     */
    public static int threads() {
        return POOL.threads;
    }

    /**
     * Runs {@code body} over [0, n) split into contiguous, near-equal ranges of at least
     * {@code minChunk} indices each, claimed by the pool's threads as they come free: up to
     * {@link #threads()} ranges, or if n allows more, a multiple of the thread count up to
     * {@link #CHUNKS_PER_THREAD} per thread. Small n runs on the caller alone. The ranges depend
     * on n, minChunk and the thread count only, never on timing.
     *
     * @param n number of indices; 0 does nothing
     * @param minChunk the smallest range worth a thread hand-off, at least 1
     * @param body the work; must be safe to run concurrently on disjoint ranges
     * @throws IllegalArgumentException if n is negative or minChunk is below 1
     */
    public static void forRange(int n, int minChunk, RangeBody body) {
        if (n < 0 || minChunk < 1) {
            throw new IllegalArgumentException(
                    "Parallel.forRange: expected n >= 0 and minChunk >= 1, got n=" + n + ", minChunk=" + minChunk);
        }
        if (n == 0) {
            return;
        }
        long most = Math.max(1, (long) n / minChunk);
        int threads = POOL.threads;
        // up to CHUNKS_PER_THREAD ranges per thread, a multiple of the thread count once there are
        // more ranges than threads (3 ranges on 2 threads would leave one thread a third idle)
        int chunks = (int) (most <= threads ? most
                : Math.min((long) threads * CHUNKS_PER_THREAD, most / threads * threads));
        if (chunks == 1) {
            body.run(0, n);
            return;
        }
        POOL.run(chunks, c -> {
            int start = (int) ((long) n * c / chunks);
            int end = (int) ((long) n * (c + 1) / chunks);
            body.run(start, end);
        });
    }

    /**
     * Runs {@code task} for every index in [0, count), claimed dynamically by the pool's threads
     * (good when tasks differ in cost or are many).
     *
     * @param count number of tasks; 0 does nothing
     * @param task the work for one index; must be safe to run concurrently for different indices
     * @throws IllegalArgumentException if count is negative
     */
    public static void forTasks(int count, IntConsumer task) {
        if (count < 0) {
            throw new IllegalArgumentException("Parallel.forTasks: expected count >= 0, got " + count);
        }
        if (count == 0) {
            return;
        }
        if (count == 1 || POOL.threads == 1) {
            for (int i = 0; i < count; i++) {
                task.accept(i);
            }
            return;
        }
        POOL.run(count, task);
    }

    private void run(int count, IntConsumer task) {
        if (Thread.currentThread() instanceof Worker || !busy.tryLock()) {
            for (int i = 0; i < count; i++) {
                task.accept(i);
            }
            return;
        }
        try {
            Job job = new Job(++jobs, count, task);
            current.set(job);
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            job.work();
            while (job.done.get() < count) {
                Thread.onSpinWait();
            }
            current.set(null);
            Throwable failure = job.failure.get();
            if (failure instanceof RuntimeException e) {
                throw e;
            }
            if (failure instanceof Error e) {
                throw e;
            }
        } finally {
            busy.unlock();
        }
    }

    /** One parallel call: tasks are claimed from {@code next} and counted in {@code done}. */
    private static final class Job {
        final long seq;
        final int count;
        final IntConsumer task;
        final AtomicInteger next = new AtomicInteger();
        final AtomicInteger done = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();

        Job(long seq, int count, IntConsumer task) {
            this.seq = seq;
            this.count = count;
            this.task = task;
        }

        void work() {
            int i;
            while ((i = next.getAndIncrement()) < count) {
                try {
                    if (failure.get() == null) {
                        task.accept(i);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.incrementAndGet();
                }
            }
        }
    }

    private final class Worker extends Thread {
        volatile boolean parked;

        Worker(int index) {
            super("jmae-cpu-" + (index + 1));
            setDaemon(true);
        }

        @Override
        public void run() {
            // The sequence number, not the Job, is remembered: a finished job's body (and the
            // arrays it captures) must not stay reachable from an idle worker.
            long lastSeq = 0;
            while (true) {
                Job job = awaitJob(lastSeq);
                lastSeq = job.seq;
                job.work();
            }
        }

        private Job awaitJob(long lastSeq) {
            long spinUntil = System.nanoTime() + SPIN_NANOS;
            while (true) {
                Job job = current.get();
                if (job != null && job.seq != lastSeq) {
                    return job;
                }
                if (System.nanoTime() < spinUntil) {
                    Thread.onSpinWait();
                    continue;
                }
                parked = true;
                job = current.get();
                if (job == null || job.seq == lastSeq) {
                    LockSupport.park(this);
                }
                parked = false;
                spinUntil = System.nanoTime() + SPIN_NANOS;
            }
        }
    }
}
