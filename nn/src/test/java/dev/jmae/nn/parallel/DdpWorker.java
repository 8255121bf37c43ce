package dev.jmae.nn.parallel;

import dev.jmae.autograd.Variable;
import dev.jmae.distributed.MpiProcessGroup;
import dev.jmae.distributed.ProcessGroup;
import dev.jmae.nn.Block;
import dev.jmae.nn.GELU;
import dev.jmae.nn.Linear;
import dev.jmae.nn.Losses;
import dev.jmae.nn.Module;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.Sequential;
import dev.jmae.nn.optim.ParamGroup;
import dev.jmae.nn.optim.SGD;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The program each rank of the DDP tests runs under mpirun: builds a replica initialized with a
 * seed of its own, wraps it in DDP, trains on its share of a global batch, and checks the result
 * against a single-process computation of the whole batch done locally (every rank can: the data
 * is seeded). Prints {@code rank=R key=value} lines; exits 1 on any exception.
 */
public final class DdpWorker {

    private static final int GLOBAL_BATCH = 8;
    private static final int IN = 12;
    private static final int OUT = 6;
    /** Unit roundoff of float32, 2^-24. */
    private static final double U = Math.scalb(1.0, -24);

    private DdpWorker() {
    }

    public static void main(String[] args) {
        int status = 0;
        try (MpiProcessGroup g = MpiProcessGroup
                .init(MpiProcessGroup.Options.defaults().withTimeout(Duration.ofSeconds(120)))) {
            switch (args[0]) {
                case "ddp" -> ddp(g);
                case "overlap" -> overlap(g, Integer.parseInt(args[1]), Long.parseLong(args[2]));
                default -> throw new IllegalArgumentException(args[0]);
            }
        } catch (Throwable t) {
            System.out.flush();
            t.printStackTrace();
            status = 1;
        }
        System.out.flush();
        System.exit(status);
    }

    private static void print(ProcessGroup g, String key, Object value) {
        System.out.println("rank=" + g.rank() + " " + key + "=" + value);
    }

    private static Sequential mlp(long seed) {
        Generator gen = new Generator(seed);
        return new Sequential(new Linear(IN, 32, true, gen, Device.CPU), new GELU(),
                new Linear(32, 32, true, gen, Device.CPU), new GELU(),
                new Linear(32, OUT, true, gen, Device.CPU));
    }

    private static Variable loss(Sequential m, Tensor x, Tensor t) {
        return Losses.mse(m.forward(Variable.constant(x)), t);
    }

    /** Rows [from, from + n) of a [B, F] tensor, contiguous. */
    private static Tensor rows(Tensor x, int from, int n) {
        return x.narrow(0, from, n).contiguous();
    }

    private static float[] flatten(Module m, boolean grads) {
        List<float[]> parts = new ArrayList<>();
        int n = 0;
        for (Parameter p : m.parameters()) {
            float[] v = grads ? p.grad().toArray() : p.value().toArray();
            parts.add(v);
            n += v.length;
        }
        float[] out = new float[n];
        int o = 0;
        for (float[] v : parts) {
            System.arraycopy(v, 0, out, o, v.length);
            o += v.length;
        }
        return out;
    }

    /**
     * Σ over samples of |that sample's contribution to the batch-mean gradient|, elementwise: the
     * scale of the terms whose summation order DDP changes (4 + 4 per rank, then averaged, instead
     * of 8 at once).
     */
    private static double[] termScale(List<Tensor[]> batches) {
        Sequential probe = mlp(100);
        double[] s = null;
        for (Tensor[] b : batches) {
            int n = b[0].size(0);
            for (int i = 0; i < n; i++) {
                probe.zeroGrad();
                probe.parameters().forEach(p -> p.setGrad(null));
                loss(probe, rows(b[0], i, 1), rows(b[1], i, 1)).backward();
                float[] gi = flatten(probe, true);
                if (s == null) {
                    s = new double[gi.length];
                }
                for (int k = 0; k < gi.length; k++) {
                    s[k] += Math.abs(gi[k]) / n;
                }
            }
        }
        return s;
    }

    /**
     * max over elements of |a - b| / (64 u S): at most 1 when the difference is within 64 roundings
     * of the terms' magnitude sum S, a bound on reassociating a float32 sum whose tree depth
     * (batch terms plus the inner reductions of at most 32 hidden units) is below 64.
     */
    private static double worstRatio(float[] a, float[] b, double[] scale) {
        double worst = 0;
        for (int k = 0; k < a.length; k++) {
            double bound = 64 * U * scale[k] + Double.MIN_NORMAL;
            worst = Math.max(worst, Math.abs((double) a[k] - b[k]) / bound);
        }
        return worst;
    }

    private static Tensor[] batch(long seed) {
        Generator gen = new Generator(seed);
        return new Tensor[] {Tensor.randn(gen, GLOBAL_BATCH, IN), Tensor.randn(gen, GLOBAL_BATCH, OUT)};
    }

    private static void ddp(ProcessGroup g) {
        int r = g.rank();
        int local = GLOBAL_BATCH / g.worldSize();
        Sequential model = mlp(100 + r);
        Sequential reference = mlp(100);
        var options = DistributedDataParallel.Options.defaults().withBucketCap(2048).withFirstBucketCap(512);
        var ddp = new DistributedDataParallel<>(model, g, options);
        print(g, "broadcastEqual", java.util.Arrays.equals(flatten(model, false), flatten(reference, false)));
        print(g, "buckets", ddp.bucketParameterNames());

        // one step: rank r's rows of the global batch, against the whole batch in one process
        Tensor[] b1 = batch(7);
        loss(model, rows(b1[0], r * local, local), rows(b1[1], r * local, local)).backward();
        loss(reference, b1[0], b1[1]).backward();
        float[] got = flatten(model, true);
        float[] want = flatten(reference, true);
        print(g, "gradRatio", worstRatio(got, want, termScale(List.<Tensor[]>of(b1))));
        print(g, "gradsIdenticalAcrossRanks", identicalAcrossRanks(g, got));
        print(g, "stats", ddp.lastStepStats());

        // gradient accumulation: micro-batch 1 inside noSync, micro-batch 2 synchronized
        model.parameters().forEach(p -> p.setGrad(null));
        reference.parameters().forEach(p -> p.setGrad(null));
        Tensor[] m1 = batch(8);
        Tensor[] m2 = batch(9);
        long before = ddp.syncedSteps();
        try (var scope = ddp.noSync()) {
            loss(model, rows(m1[0], r * local, local), rows(m1[1], r * local, local)).backward();
        }
        print(g, "syncedInsideNoSync", ddp.syncedSteps() - before);
        loss(model, rows(m2[0], r * local, local), rows(m2[1], r * local, local)).backward();
        print(g, "syncedAfterNoSync", ddp.syncedSteps() - before);
        loss(reference, m1[0], m1[1]).backward();
        loss(reference, m2[0], m2[1]).backward();
        print(g, "accumRatio", worstRatio(flatten(model, true), flatten(reference, true), termScale(List.of(m1, m2))));

        // three optimizer steps: the replicas stay bit-identical
        SGD sgd = new SGD(List.of(new ParamGroup("all", model.parameters(), 0.05, 0, 1)), 0.9, false);
        for (int step = 0; step < 3; step++) {
            sgd.zeroGrad();
            Tensor[] b = batch(20 + step);
            loss(model, rows(b[0], r * local, local), rows(b[1], r * local, local)).backward();
            sgd.step();
        }
        print(g, "replicasIdentical", identicalAcrossRanks(g, flatten(model, false)));
        ddp.close();
    }

    private static boolean identicalAcrossRanks(ProcessGroup g, float[] values) {
        Tensor all = g.allGather(Tensor.of(Device.CPU, values, values.length));
        float[] flat = all.toArray();
        for (int rank = 1; rank < g.worldSize(); rank++) {
            for (int k = 0; k < values.length; k++) {
                if (Float.floatToRawIntBits(flat[k]) != Float.floatToRawIntBits(flat[rank * values.length + k])) {
                    return false;
                }
            }
        }
        return true;
    }

    /**
     * Overlap measurement: a 4-block transformer (dim 256, 3.2 M parameters, 12.6 MB of
     * gradients) on [8, 64, 256] inputs, several steps; prints every step's StepStats.
     */
    private static void overlap(ProcessGroup g, int steps, long bucketCapBytes) {
        Generator gen = new Generator(1);
        Sequential model = new Sequential(new Block(256, 4, 4.0, true, 1e-6f, gen, Device.CPU),
                new Block(256, 4, 4.0, true, 1e-6f, gen, Device.CPU),
                new Block(256, 4, 4.0, true, 1e-6f, gen, Device.CPU),
                new Block(256, 4, 4.0, true, 1e-6f, gen, Device.CPU));
        var options = DistributedDataParallel.Options.defaults().withBucketCap(bucketCapBytes)
                .withFirstBucketCap(Math.min(1L << 20, bucketCapBytes));
        try (var ddp = new DistributedDataParallel<>(model, g, options)) {
            print(g, "bucketCount", ddp.bucketParameterNames().size());
            for (int step = 0; step < steps; step++) {
                model.parameters().forEach(p -> p.setGrad(null));
                Tensor x = Tensor.randn(new Generator(100 + step * 7L + g.rank()), 8, 64, 256);
                long t0 = System.nanoTime();
                Variable loss = model.forward(Variable.constant(x)).square().mean();
                long t1 = System.nanoTime();
                loss.backward();
                long t2 = System.nanoTime();
                StepStats s = ddp.lastStepStats();
                print(g, "step" + step,
                        String.format("forward %.1f ms, backward %.1f ms (incl. wait), ", (t1 - t0) / 1e6,
                                (t2 - t1) / 1e6) + s);
            }
        }
    }
}
