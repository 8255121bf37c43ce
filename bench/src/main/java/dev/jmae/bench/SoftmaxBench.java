package dev.jmae.bench;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.UnaryOp;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Softmax forward over the last dim of [R, C] rows, per backend, into a preallocated output, next
 * to a plain Java array copy of the same bytes ({@code copy}: read R·C floats, write R·C floats,
 * the same traffic as softmax). Bandwidth = 8·R·C bytes / time; the target is softmax at no less
 * than 60% of the copy's bandwidth. Shapes: attention-score rows [64·16·147, 50] (short rows) and
 * [8192, 1024] (long rows, 32 MB, past the caches).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class SoftmaxBench {

    @Param({"150528x50", "8192x1024"})
    public String shape;

    Tensor xr;
    Tensor outr;
    Tensor xc;
    Tensor outc;
    float[] src;
    float[] dst;
    Backend ref;
    Backend cpu;
    Backend gpu;
    Tensor xg;
    Tensor outg;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split("x");
        int r = Integer.parseInt(p[0]);
        int c = Integer.parseInt(p[1]);
        xr = BenchSupport.tensor(Device.REFERENCE, 3, r, c);
        outr = Tensor.empty(Device.REFERENCE, r, c);
        xc = BenchSupport.tensor(Device.CPU, 3, r, c);
        outc = Tensor.empty(Device.CPU, r, c);
        src = xc.toArray();
        dst = new float[src.length];
        ref = Backends.of(Device.REFERENCE);
        cpu = Backends.of(Device.CPU);
        Device cl = BenchSupport.opencl();
        if (cl != null) {
            gpu = Backends.of(cl);
            xg = xc.to(cl);
            outg = Tensor.empty(cl, r, c);
        }
    }

    @Benchmark
    public float[] copy() {
        System.arraycopy(src, 0, dst, 0, src.length);
        return dst;
    }

    @Benchmark
    public Tensor cpu() {
        cpu.rows().softmaxForward(outc, xc);
        return outc;
    }

    /**
     * e^x of every element alone (the cpu backend's elementwise exp, {@code VectorMath.exp}), same
     * traffic: about the floor under softmax's time, which exponentiates every element (with the
     * same reduction and polynomial, less exp's clamp and two-step scaling, which arguments of at
     * most 0 do not need) and also finds each row's max, sums and scales.
     */
    @Benchmark
    public Tensor cpuExp() {
        cpu.elementwise().unary(UnaryOp.EXP, outc, xc);
        return outc;
    }

    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 2)
    public Tensor reference() {
        ref.rows().softmaxForward(outr, xr);
        return outr;
    }

    @Benchmark
    public Tensor opencl() {
        if (gpu == null) {
            BenchSupport.requireOpencl();
        }
        gpu.rows().softmaxForward(outg, xg);
        gpu.synchronize();
        return outg;
    }
}
