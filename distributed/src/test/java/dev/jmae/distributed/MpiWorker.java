package dev.jmae.distributed;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * The program each rank of the MPI tests runs (launched by {@code MpiLauncher}): one scenario per
 * run, named by the first argument; results are printed as {@code rank=R key=value} lines for the
 * test to compare, failures as a stack trace and exit status 1 (what the CLI does).
 */
public final class MpiWorker {

    private MpiWorker() {
    }

    public static void main(String[] args) {
        int status = 0;
        try {
            run(args[0], args.length > 1 ? Duration.ofMillis(Long.parseLong(args[1])) : Duration.ofSeconds(60));
        } catch (Throwable t) {
            System.out.flush();
            System.err.println("rank failed: " + t);
            t.printStackTrace();
            status = 1;
        }
        System.out.flush();
        System.err.flush();
        System.exit(status);
    }

    private static void print(ProcessGroup g, String key, Object value) {
        String v = value instanceof float[] f ? Arrays.toString(f) : String.valueOf(value);
        System.out.println("rank=" + g.rank() + " " + key + "=" + v);
    }

    private static void run(String scenario, Duration timeout) throws Exception {
        MpiProcessGroup.Options options = MpiProcessGroup.Options.defaults().withTimeout(timeout)
                .withAbortGrace(Duration.ofSeconds(3));
        MpiProcessGroup g = MpiProcessGroup.init(options);
        print(g, "worldSize", g.worldSize());
        switch (scenario) {
            case "collectives" -> collectives(g);
            case "truncate" -> truncate(g);
            case "config" -> config(g);
            case "dies", "killed", "hangs", "swallows" -> fault(g, scenario);
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        }
        g.close();
        print(g, "closed", true);
    }

    private static void collectives(MpiProcessGroup g) {
        int r = g.rank();
        print(g, "threadLevel", g.threadLevel());
        print(g, "version", g.libraryVersion());
        for (ReduceOp op : ReduceOp.values()) {
            Tensor t = Tensor.of(Device.CPU, new float[] {r + 1, 2 * (r + 1), 0.5f, -r, 3}, 5);
            g.allReduce(t, op);
            print(g, "allReduce" + op, t.toArray());
        }
        // a strided (transposed) tensor on the reference device: the general copy path
        Tensor m = Tensor.of(Device.REFERENCE, new float[] {1, 2, 3, 4, 5, 6}, 2, 3).mul(r + 1).transpose(0, 1);
        g.allReduce(m, ReduceOp.SUM);
        print(g, "allReduceStrided", m.toArray());
        Tensor b = r == 1 ? Tensor.of(Device.CPU, new float[] {10, 20, 30}, 3) : Tensor.zeros(Device.CPU, 3);
        g.broadcast(b, 1);
        print(g, "broadcast", b.toArray());
        Tensor gathered = g.allGather(Tensor.of(Device.CPU, new float[] {r, r + 0.5f}, 2));
        print(g, "allGatherShape", Arrays.toString(gathered.shape()));
        print(g, "allGather", gathered.toArray());
        g.barrier();
        print(g, "barrier", "passed");
        byte[] root = g.broadcastBytes(r == 0 ? "from rank 0".getBytes(StandardCharsets.UTF_8) : null, 0);
        print(g, "broadcastBytes", new String(root, StandardCharsets.UTF_8));
        List<byte[]> all = g.allGatherBytes(("r" + r + "x".repeat(r * 3)).getBytes(StandardCharsets.UTF_8));
        print(g, "allGatherBytes", all.stream().map(x -> new String(x, StandardCharsets.UTF_8)).toList());
        // two async collectives in flight, awaited in reverse order
        Tensor a1 = Tensor.of(Device.CPU, new float[] {r}, 1);
        Tensor a2 = Tensor.of(Device.CPU, new float[] {10 * r}, 1);
        Work w1 = g.allReduceAsync(a1, ReduceOp.SUM);
        Work w2 = g.allReduceAsync(a2, ReduceOp.MAX);
        w2.await();
        w1.await();
        print(g, "async",
                Arrays.toString(new float[] {a1.item(), a2.item()}) + " ordered=" + (w1.endNanos() <= w2.startNanos()));
        // a native segment, in place, large enough for Open MPI's large-message protocols
        int n = 3_000_000;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment s = arena.allocate(4L * n, 64);
            for (int i = 0; i < n; i++) {
                s.setAtIndex(ValueLayout.JAVA_FLOAT, i, (i % 1000) + r);
            }
            g.allReduceAsync(s, ReduceOp.SUM).await();
            int wrong = 0;
            for (int i = 0; i < n; i++) {
                // sum over ranks of (i % 1000) + rank, exact in float32
                float expected = g.worldSize() * (i % 1000) + g.worldSize() * (g.worldSize() - 1) / 2f;
                if (s.getAtIndex(ValueLayout.JAVA_FLOAT, i) != expected) {
                    wrong++;
                }
            }
            print(g, "segmentWrong", wrong);
        }
    }

    /** Rank 0 broadcasts 8 floats into rank 1's buffer of 4: MPI reports a truncation on the receiver. */
    private static void truncate(MpiProcessGroup g) {
        Tensor t = Tensor.zeros(Device.CPU, g.rank() == 0 ? 8 : 4);
        try {
            g.broadcast(t, 0);
            print(g, "broadcast", "no error");
        } catch (DistributedException e) {
            print(g, "error", e.getMessage());
            try {
                g.barrier();
            } catch (DistributedException again) {
                print(g, "afterError", again.getMessage());
            }
            // the group is broken: exit without MPI_Finalize, as a failed rank would
            System.out.flush();
            Runtime.getRuntime().halt(0);
        }
    }

    private static void config(MpiProcessGroup g) {
        ConfigAgreement.requireSame(g, "{\"model\": \"crossmae\", \"batch_size\": 64}");
        print(g, "same", "passed");
        try {
            ConfigAgreement.requireSame(g, "{\"model\": \"crossmae\", \"batch_size\": " + (g.rank() == 0 ? 64 : 32)
                    + ", \"blr\": 1.5e-4}");
            print(g, "different", "no error");
        } catch (DistributedException e) {
            print(g, "different", e.getMessage());
        }
    }

    /**
     * Rank 1 fails after a few steps (halts, is killed with SIGKILL, or hangs outside MPI); rank 0
     * keeps all-reducing. "swallows": rank 0 catches the timeout and sleeps, so only the watchdog's
     * abort can end the job.
     */
    private static void fault(MpiProcessGroup g, String how) throws Exception {
        Tensor t = Tensor.ones(Device.CPU, 16);
        for (int step = 0;; step++) {
            if (g.rank() == 1 && step == 3) {
                print(g, "failing", how);
                System.out.flush();
                switch (how) {
                    case "dies" -> Runtime.getRuntime().halt(7);
                    case "killed" -> new ProcessBuilder("kill", "-9", Long.toString(ProcessHandle.current().pid()))
                            .start().waitFor();
                    default -> Thread.sleep(Long.MAX_VALUE);
                }
            }
            try {
                g.allReduce(t, ReduceOp.AVG);
            } catch (DistributedException e) {
                if (!how.equals("swallows")) {
                    throw e;
                }
                print(g, "swallowed", e.getMessage());
                System.out.flush();
                Thread.sleep(Long.MAX_VALUE);
            }
            Thread.sleep(20);
        }
    }
}
