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
 *       {@code ClElementwise} ({@code elementwise.cl}: fill, copy, unary, binary, where),
 *       {@code ClReductions} ({@code reduce.cl}: sum, mean, max, min, var, argmax),
 *       {@code ClLinalg} ({@code gemm.cl}: batched matmul with bias), {@code ClRows}
 *       ({@code nn.cl}: softmax, log-softmax, layer norm, GELU), {@code ClAttention}
 *       ({@code attention.cl}: fused attention forward and backward), {@code ClIndexing}
 *       ({@code indexing.cl}: gather, scatter, index select, argsort; index errors reported at the
 *       next read or synchronize) and {@code ClOptim} ({@code nn.cl}: AdamW).</li>
 *   <li>{@link dev.jmae.gpu.ClStorage}: a tensor's device buffer; {@code BufferPool}: the cache of
 *       released buffers; {@code ClRuntime}: context, command queue, program cache and checked
 *       launches; {@code StridedPlan}: strided operands as kernel arguments.</li>
 *   <li>{@link dev.jmae.gpu.Variant}: GPU-style or CPU-driver kernels, chosen per device type at
 *       program build time.</li>
 * </ul>
 *
 * <p>Kernel sources are OpenCL C 1.2 resources under {@code dev/jmae/gpu/} ({@code common.cl} is
 * prepended to each), built once per device and variant. {@code gpu/tools/erf_fit.py} derives the
 * erf polynomials of {@code common.cl}.
 */
package dev.jmae.gpu;
