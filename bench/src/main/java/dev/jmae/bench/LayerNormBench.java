package dev.jmae.bench;

import dev.jmae.tensor.Backend;
import dev.jmae.tensor.Backends;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
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
 * Layer norm forward and backward over [R, D] rows, per backend, into preallocated outputs, next to
 * a plain array copy of the same bytes (forward reads x and writes y: the copy's traffic).
 * Shapes: ViT-B tokens [64·50, 768] and a 50 MB [16384, 768] past the caches.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class LayerNormBench {

    @Param({"3200x768", "16384x768"})
    public String shape;

    static final class Buffers {
        Tensor x;
        Tensor w;
        Tensor b;
        Tensor out;
        Tensor mean;
        Tensor rstd;
        Tensor dy;
        Tensor dx;
        Tensor dw;
        Tensor db;

        Buffers(Device d, int r, int c) {
            x = BenchSupport.tensor(d, 1, r, c);
            w = BenchSupport.tensor(d, 2, c);
            b = BenchSupport.tensor(d, 3, c);
            out = Tensor.empty(d, r, c);
            mean = Tensor.empty(d, r);
            rstd = Tensor.empty(d, r);
            dy = BenchSupport.tensor(d, 4, r, c);
            dx = Tensor.empty(d, r, c);
            dw = Tensor.empty(d, c);
            db = Tensor.empty(d, c);
        }
    }

    Buffers ref;
    Buffers cpu;
    Buffers gpu;
    Backend refB;
    Backend cpuB;
    Backend gpuB;
    float[] src;
    float[] dst;

    @Setup(Level.Trial)
    public void setup() {
        String[] p = shape.split("x");
        int r = Integer.parseInt(p[0]);
        int c = Integer.parseInt(p[1]);
        ref = new Buffers(Device.REFERENCE, r, c);
        cpu = new Buffers(Device.CPU, r, c);
        refB = Backends.of(Device.REFERENCE);
        cpuB = Backends.of(Device.CPU);
        src = cpu.x.toArray();
        dst = new float[src.length];
        Device cl = BenchSupport.opencl();
        if (cl != null) {
            gpu = new Buffers(cl, r, c);
            gpuB = Backends.of(cl);
        }
        // backward needs the saved statistics
        refB.rows().layerNormForward(ref.out, ref.mean, ref.rstd, ref.x, ref.w, ref.b, 1e-6f);
        cpuB.rows().layerNormForward(cpu.out, cpu.mean, cpu.rstd, cpu.x, cpu.w, cpu.b, 1e-6f);
        if (gpu != null) {
            gpuB.rows().layerNormForward(gpu.out, gpu.mean, gpu.rstd, gpu.x, gpu.w, gpu.b, 1e-6f);
        }
    }

    @Benchmark
    public float[] copy() {
        System.arraycopy(src, 0, dst, 0, src.length);
        return dst;
    }

    @Benchmark
    public Tensor cpuForward() {
        cpuB.rows().layerNormForward(cpu.out, cpu.mean, cpu.rstd, cpu.x, cpu.w, cpu.b, 1e-6f);
        return cpu.out;
    }

    @Benchmark
    public Tensor cpuBackward() {
        cpuB.rows().layerNormBackward(cpu.dx, cpu.dw, cpu.db, cpu.mean, cpu.rstd, cpu.dy, cpu.x, cpu.w);
        return cpu.dx;
    }

    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 2)
    public Tensor referenceForward() {
        refB.rows().layerNormForward(ref.out, ref.mean, ref.rstd, ref.x, ref.w, ref.b, 1e-6f);
        return ref.out;
    }

    @Benchmark
    @Warmup(iterations = 1)
    @Measurement(iterations = 2)
    public Tensor referenceBackward() {
        refB.rows().layerNormBackward(ref.dx, ref.dw, ref.db, ref.mean, ref.rstd, ref.dy, ref.x, ref.w);
        return ref.dx;
    }

    @Benchmark
    public Tensor openclForward() {
        if (gpu == null) {
            BenchSupport.requireOpencl();
        }
        gpuB.rows().layerNormForward(gpu.out, gpu.mean, gpu.rstd, gpu.x, gpu.w, gpu.b, 1e-6f);
        gpuB.synchronize();
        return gpu.out;
    }

    @Benchmark
    public Tensor openclBackward() {
        if (gpu == null) {
            BenchSupport.requireOpencl();
        }
        gpuB.rows().layerNormBackward(gpu.dx, gpu.dw, gpu.db, gpu.mean, gpu.rstd, gpu.dy, gpu.x, gpu.w);
        gpuB.synchronize();
        return gpu.dx;
    }
}
