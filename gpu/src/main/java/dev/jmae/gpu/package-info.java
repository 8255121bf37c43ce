/**
 * The {@code opencl} device: an OpenCL backend for jmae tensors on JOCL, found through
 * {@link java.util.ServiceLoader} (so {@code Backends.of(Device.parse("opencl:0"))} works from any
 * module with jmae-gpu on its class path).
 *
 * <ul>
 *   <li>{@link dev.jmae.gpu.OpenClProvider}: discovery (GPUs first, then CPU drivers such as PoCL),
 *       the reason when OpenCL is unusable, one cached backend per device.</li>
 *   <li>{@link dev.jmae.gpu.OpenClBackend}: the {@link dev.jmae.tensor.Backend} SPI on one device,
 *       with the host side of each kernel family in a file of the family's stem:
 *       {@code ClElementwise} ({@code elementwise.c}: fill, copy, unary, binary, where),
 *       {@code ClReductions} ({@code reduce.c}: sum, mean, max, min, var, argmax),
 *       {@code ClLinalg} ({@code gemm.c}: batched matmul with bias), {@code ClRows}
 *       ({@code rows.c}: softmax, log-softmax, layer norm, GELU), {@code ClAttention}
 *       ({@code attention.c}: fused attention forward and backward), {@code ClIndexing}
 *       ({@code indexing.c}: gather, scatter, index select, argsort; index errors reported at the
 *       next read or synchronize) and {@code ClOptim} ({@code optim.c}: AdamW). Their launch
 *       planning lives in the {@code Shared*} classes they extend ({@code SharedElementwise}, ...),
 *       which launch through a {@link dev.jmae.gpu.KernelLauncher} ({@code ClLauncher} here,
 *       {@code CudaLauncher} in {@code dev.jmae.gpu.cuda}), so the CUDA backend's families run the
 *       same planning.</li>
 *   <li>{@link dev.jmae.gpu.ClStorage}: a tensor's device buffer; {@code BufferPool}: the cache of
 *       released buffers; {@code ClRuntime}: context, command queue, program cache and checked
 *       launches; {@code StridedPlan}: strided operands as kernel arguments.</li>
 *   <li>{@link dev.jmae.gpu.Variant}: GPU-style or CPU-driver kernels, chosen per device type at
 *       program build time.</li>
 * </ul>
 *
 * <p>Kernel sources live under {@code dev/jmae/gpu/kernels/}: one source per family in the shared
 * dialect, compiled by OpenCL (as OpenCL C 1.2) and by the CUDA backend (as CUDA C++ through NVRTC),
 * each after its target's prelude and {@code common.h} ({@link dev.jmae.gpu.KernelSource}
 * assembles them); sections under {@code VARIANT_CPU} are OpenCL-only float16 code for CPU drivers,
 * and {@code flash_attention.cu} is CUDA-only. OpenCL programs are built once per device and
 * variant. {@code gpu/tools/erf_fit.py} derives the erf polynomials of {@code common.h}.
 */
package dev.jmae.gpu;
