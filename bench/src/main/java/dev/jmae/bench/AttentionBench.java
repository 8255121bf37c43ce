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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Fused attention forward and backward at the CrossMAE ViT-B decoder's cross-attention: batch 64,
 * 16 heads, Dh 32, M 147 queries (γ 0.75), N 50 keys (49 visible + cls), per backend, into
 * preallocated outputs. FLOPs: forward 4·B·H·M·N·Dh = 0.96 GFLOP, backward about twice that. Device
 * methods: {@code opencl*} on opencl:0; {@code cuda*} (the SIMT kernels, strict fp32) and
 * {@code cudaHigh*} (the flash kernels, TF32) on cuda:0; each fails with the reason where its device
 * is missing (exclude them with {@code -e opencl} or {@code -e cuda}). Each backend has its own JMH
 * state, so a method sets up only its own device.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
public class AttentionBench {

    static final int B = 64;
    static final int H = 16;
    static final int M = 147;
    static final int N = 50;
    static final int DH = 32;
    static final float SCALE = (float) (1 / Math.sqrt(DH));

    static final class Buffers {
        final Backend backend;
        final Tensor q;
        final Tensor k;
        final Tensor v;
        final Tensor out;
        final Tensor lse;
        final Tensor dout;
        final Tensor dq;
        final Tensor dk;
        final Tensor dv;

        Buffers(Device d) {
            backend = Backends.of(d);
            q = BenchSupport.tensor(d, 1, B, H, M, DH);
            k = BenchSupport.tensor(d, 2, B, H, N, DH);
            v = BenchSupport.tensor(d, 3, B, H, N, DH);
            out = Tensor.empty(d, B, H, M, DH);
            lse = Tensor.empty(d, B, H, M);
            dout = BenchSupport.tensor(d, 4, B, H, M, DH);
            dq = Tensor.empty(d, B, H, M, DH);
            dk = Tensor.empty(d, B, H, N, DH);
            dv = Tensor.empty(d, B, H, N, DH);
            backend.attention().attentionForward(out, lse, q, k, v, SCALE);
        }

        Tensor forward() {
            backend.attention().attentionForward(out, lse, q, k, v, SCALE);
            backend.synchronize();
            return out;
        }

        Tensor backward() {
            backend.attention().attentionBackward(dq, dk, dv, out, lse, dout, q, k, v, SCALE);
            backend.synchronize();
            return dq;
        }
    }

    /** Inputs and outputs on the reference backend. */
    @State(Scope.Benchmark)
    public static class Ref {
        Buffers buffers;

        @Setup(Level.Trial)
        public void setup() {
            buffers = new Buffers(Device.REFERENCE);
        }
    }

    /** Inputs and outputs on the cpu backend. */
    @State(Scope.Benchmark)
    public static class Cpu {
        Buffers buffers;

        @Setup(Level.Trial)
        public void setup() {
            buffers = new Buffers(Device.CPU);
        }
    }

    /** Inputs and outputs on opencl:0, or null without an OpenCL device. */
    @State(Scope.Benchmark)
    public static class OpenCl {
        Buffers buffers;

        @Setup(Level.Trial)
        public void setup() {
            Device d = BenchSupport.opencl();
            buffers = d == null ? null : new Buffers(d);
        }

        Buffers require() {
            if (buffers == null) {
                BenchSupport.requireOpencl();
            }
            return buffers;
        }
    }

    /** Inputs and outputs on cuda:0, or null without a CUDA device. */
    @State(Scope.Benchmark)
    public static class Cuda {
        Buffers buffers;

        @Setup(Level.Trial)
        public void setup() {
            Device d = BenchSupport.cuda();
            buffers = d == null ? null : new Buffers(d);
        }

        /** The buffers, at strict fp32 (SIMT kernels) or TF32 (the flash kernels). */
        Buffers require(boolean high) {
            if (buffers == null) {
                BenchSupport.requireCuda();
            }
            BenchSupport.cudaPrecision(buffers.backend, high);
            return buffers;
        }
    }

    @Benchmark
    public Tensor cpuForward(Cpu s) {
        return s.buffers.forward();
    }

    @Benchmark
    public Tensor cpuBackward(Cpu s) {
        return s.buffers.backward();
    }

    @Benchmark
    @Warmup(iterations = 0)
    @Measurement(iterations = 1, time = 1)
    public Tensor referenceForward(Ref s) {
        return s.buffers.forward();
    }

    @Benchmark
    @Warmup(iterations = 0)
    @Measurement(iterations = 1, time = 1)
    public Tensor referenceBackward(Ref s) {
        return s.buffers.backward();
    }

    @Benchmark
    public Tensor openclForward(OpenCl s) {
        return s.require().forward();
    }

    @Benchmark
    public Tensor openclBackward(OpenCl s) {
        return s.require().backward();
    }

    /** The SIMT kernels (strict fp32). */
    @Benchmark
    public Tensor cudaForward(Cuda s) {
        return s.require(false).forward();
    }

    @Benchmark
    public Tensor cudaBackward(Cuda s) {
        return s.require(false).backward();
    }

    /** The flash kernels on TF32 tensor cores. */
    @Benchmark
    public Tensor cudaHighForward(Cuda s) {
        return s.require(true).forward();
    }

    @Benchmark
    public Tensor cudaHighBackward(Cuda s) {
        return s.require(true).backward();
    }
}
