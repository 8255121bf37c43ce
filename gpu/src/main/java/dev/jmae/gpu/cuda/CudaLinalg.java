package dev.jmae.gpu.cuda;

import dev.jmae.gpu.SharedLinalg;
import dev.jmae.tensor.Tensor;

import java.lang.ref.Reference;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code cuda} backend's matmul: cuBLASLt at the backend's {@link MatmulPrecision} wherever
 * {@link GemmLayout} can restate the product (strided-batched, transposed views as {@code OP_T},
 * shared weights folded into M, the bias as the {@code BIAS} epilogue), else the shared SIMT
 * {@code matmul} kernel of {@link SharedLinalg} (which is also the fallback when cuBLASLt is
 * missing, when its heuristic offers no algorithm, and for K = 0, where the product is the bias or
 * zeros). The SIMT kernel is strict fp32 at either precision.
 */
public final class CudaLinalg extends SharedLinalg {

    private final CudaBackend backend;
    private final AtomicLong cublasLtProducts = new AtomicLong();
    private final AtomicLong simtProducts = new AtomicLong();

    CudaLinalg(CudaBackend backend) {
        super(backend.launcher());
        this.backend = backend;
    }

    @Override
    public void matmul(Tensor out, Tensor a, Tensor b, Tensor bias) {
        if (out.numel() == 0) {
            return;
        }
        CublasLtMatmul gemm = backend.gemm();
        if (gemm != null) {
            int nd = out.ndim();
            GemmLayout g = GemmLayout.plan(out.shape(), out.strides(), out.offset(), a.strides(), a.offset(),
                    a.size(nd - 1), b.strides(), b.offset(), bias == null ? -1 : bias.stride(0));
            if (g != null) {
                CudaStorage so = CudaBackend.storage(out);
                CudaStorage sa = CudaBackend.storage(a);
                CudaStorage sb = CudaBackend.storage(b);
                CudaStorage sbias = bias == null ? null : CudaBackend.storage(bias);
                try {
                    if (gemm.run(g, sb.pointer(), sa.pointer(), so.pointer(),
                            sbias == null ? 0 : sbias.pointer(bias.offset()), backend.matmulPrecision())) {
                        cublasLtProducts.incrementAndGet();
                        return;
                    }
                } finally {
                    Reference.reachabilityFence(so);
                    Reference.reachabilityFence(sa);
                    Reference.reachabilityFence(sb);
                    Reference.reachabilityFence(sbias);
                }
            }
        }
        simtProducts.incrementAndGet();
        super.matmul(out, a, b, bias);
    }

    /** @return products run by cuBLASLt since the backend was opened */
    public long cublasLtProducts() {
        return cublasLtProducts.get();
    }

    /** @return products run by the SIMT kernel since the backend was opened */
    public long simtProducts() {
        return simtProducts.get();
    }
}
