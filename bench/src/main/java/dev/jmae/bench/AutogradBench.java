package dev.jmae.bench;

import dev.jmae.autograd.Variable;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Functional;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;
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
 * The cost of autograd bookkeeping: forward + backward of a two-layer MLP [256, 768] → [256, 3072]
 * (GELU) → [256, 768] on the cpu backend, through autograd ({@code autograd}) and with the same
 * kernels called by hand ({@code kernels}: linear, GELU, linear; then dY·W2, GELU backward,
 * dH·W1 and the weight and bias gradients). Both run in a TensorScope per iteration, so memory is
 * returned the same way. Overhead = autograd / kernels - 1; the target is under 10%.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(value = 1,
        jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class AutogradBench {

    Tensor x;
    Tensor dy;
    Variable w1;
    Variable b1;
    Variable w2;
    Variable b2;

    @Setup(Level.Trial)
    public void setup() {
        Device d = Device.CPU;
        x = TensorScope.detach(BenchSupport.tensor(d, 1, 256, 768));
        dy = TensorScope.detach(BenchSupport.tensor(d, 2, 256, 768));
        w1 = Variable.of(TensorScope.detach(BenchSupport.tensor(d, 3, 3072, 768).mul(0.02f)), true);
        b1 = Variable.of(TensorScope.detach(Tensor.zeros(d, 3072)), true);
        w2 = Variable.of(TensorScope.detach(BenchSupport.tensor(d, 4, 768, 3072).mul(0.02f)), true);
        b2 = Variable.of(TensorScope.detach(Tensor.zeros(d, 768)), true);
    }

    @Benchmark
    public Tensor autograd() {
        try (TensorScope s = TensorScope.open()) {
            Variable out = Variable.constant(x).linear(w1, b1).gelu().linear(w2, b2);
            out.backward(dy);
            return w1.grad();
        }
    }

    @Benchmark
    public Tensor kernels() {
        try (TensorScope s = TensorScope.open()) {
            Tensor h = x.linear(w1.value(), b1.value());
            Tensor a = Functional.gelu(h);
            a.linear(w2.value(), b2.value());
            // backward: dW2 = dYᵀ·A, db2 = sum dY, dA = dY·W2, dH = gelu'(H)·dA, dW1 = dHᵀ·X, db1 = sum dH
            Tensor dw2 = dy.transpose(0, 1).matmul(a);
            Tensor db2 = dy.sum(0, false);
            Tensor da = dy.matmul(w2.value());
            Tensor dh = Functional.geluBackward(da, h);
            Tensor dw1 = dh.transpose(0, 1).matmul(x);
            Tensor db1 = dh.sum(0, false);
            // the same accumulation into persistent gradient buffers that autograd does for leaves
            accumulate(w2, dw2);
            accumulate(b2, db2);
            accumulate(w1, dw1);
            accumulate(b1, db1);
            return w1.grad();
        }
    }

    private static void accumulate(Variable v, Tensor g) {
        if (v.grad() == null) {
            v.setGrad(g.copy());
        } else {
            v.grad().addInPlace(g);
        }
    }
}
