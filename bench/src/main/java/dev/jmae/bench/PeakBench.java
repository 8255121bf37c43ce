package dev.jmae.bench;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * This machine's float32 FMA peak, measured with the Vector API in the same JMH run as the kernels
 * it is a yardstick for: {@link #chains} independent accumulator chains of
 * {@code FloatVector.SPECIES_PREFERRED} vectors (enough to cover the FMA latency times the FMA
 * pipes of every x86 core seen: 4 cycles × 2 pipes needs 8; 12 leaves room) updated with
 * {@code fma} in a loop with no loads or stores. Each FMA is 2 FLOPs per lane. The secondary result
 * {@code flops} (an auxiliary counter, so it holds for any vector length) is in FLOP/ms, i.e. thousands of FLOP/s, not
 * MFLOP/s: divide by 1e6 for GFLOP/s.
 *
 * <p>{@code oneThread}: one core. {@code allThreads}: one JMH thread per available processor, whose
 * scores JMH sums: the machine's peak, the figure the GEMM's "fraction of peak" is stated against.
 * Run: {@code java -jar bench/target/benchmarks.jar PeakBench MatmulBench} so that both come from
 * one run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PeakBench {

    static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    /** Independent accumulator chains. */
    static final int CHAINS = 12;
    /** Loop trips per invocation. */
    static final int TRIPS = 1 << 14;

    /** The FLOP counter JMH reports per unit of time (summed over threads). */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        /** FLOPs done by this thread in the current iteration. */
        public long flops;
    }

    /** Multiplier and addend: x ← x·m + a stays bounded (|m| &lt; 1), so no value overflows or goes subnormal. */
    float m = 0.999f;
    float a = 0.001f;

    /**
     * Runs {@code trips} rounds of one FMA on each of {@value #CHAINS} accumulators and returns the
     * sum of every lane (so nothing is dead code).
     *
     * @param trips loop trips
     * @param mul the multiplier
     * @param add the addend
     * @return the sum of all accumulators' lanes
     */
    static float chains(int trips, float mul, float add) {
        FloatVector mv = FloatVector.broadcast(S, mul);
        FloatVector av = FloatVector.broadcast(S, add);
        FloatVector c0 = FloatVector.broadcast(S, 1f);
        FloatVector c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
        for (int i = 0; i < trips; i++) {
            c0 = c0.fma(mv, av);
            c1 = c1.fma(mv, av);
            c2 = c2.fma(mv, av);
            c3 = c3.fma(mv, av);
            c4 = c4.fma(mv, av);
            c5 = c5.fma(mv, av);
            c6 = c6.fma(mv, av);
            c7 = c7.fma(mv, av);
            c8 = c8.fma(mv, av);
            c9 = c9.fma(mv, av);
            c10 = c10.fma(mv, av);
            c11 = c11.fma(mv, av);
        }
        FloatVector s = c0.add(c1).add(c2).add(c3).add(c4).add(c5).add(c6).add(c7).add(c8).add(c9).add(c10).add(c11);
        float total = 0;
        for (int i = 0; i < S.length(); i++) {
            total += s.lane(i);
        }
        return total;
    }

    /**
     * FLOPs per invocation for this machine's vector length.
     *
     * @return trips × chains × lanes × 2
     */
    static long flopsPerInvocation() {
        return (long) TRIPS * CHAINS * S.length() * 2;
    }

    /**
     * One core's FMA rate.
     *
     * @param counter the FLOP counter
     * @return a value JMH consumes
     */
    @Benchmark
    @Threads(1)
    public float oneThread(Flops counter) {
        counter.flops += flopsPerInvocation();
        return chains(TRIPS, m, a);
    }

    /**
     * Every core's FMA rate, summed over threads by JMH.
     *
     * @param counter this thread's FLOP counter
     * @return a value JMH consumes
     */
    @Benchmark
    @Threads(Threads.MAX)
    public float allThreads(Flops counter) {
        counter.flops += flopsPerInvocation();
        return chains(TRIPS, m, a);
    }
}
