/**
 * The {@code cuda} device: a CUDA backend for jmae tensors, bound to NVIDIA's libraries through the
 * JDK's Foreign Function &amp; Memory API (no JNI, no binding jar), found through
 * {@link java.util.ServiceLoader}.
 *
 * <ul>
 *   <li>Bindings. {@code NativeLibrary} opens a library by soname or path and binds functions
 *       lazily from C prototypes ({@code CPrototype}); {@code CudaDriver} (driver API,
 *       {@code libcuda.so.1}), {@code Nvrtc} (runtime compiler) and {@code CublasLt} wrap one C
 *       function per method, checking every status ({@link dev.jmae.gpu.cuda.CudaException}).
 *       {@code DriverAbi} holds the driver's prototypes, constants and structs, checked against
 *       {@code cuda.h} by a test; {@code DocumentedAbi} those of NVRTC and cuBLASLt, written from
 *       NVIDIA's documentation. {@code CudaToolkit} finds toolkit folders.</li>
 *   <li>Device. {@link dev.jmae.gpu.cuda.CudaProvider}: probing and the reason when unavailable;
 *       {@link dev.jmae.gpu.cuda.CudaBackend}: the SPI; {@code CudaContext}: primary context, one
 *       stream, kernels loaded on demand and launched ({@code KernelArgs}, {@code CudaFunction});
 *       {@code CachingAllocator}: PyTorch-style device memory cache; {@code PinnedStaging}:
 *       asynchronous host transfers; {@link dev.jmae.gpu.cuda.CudaStorage}: a tensor's block.</li>
 *   <li>Kernels. The seven families ({@code CudaElementwise}, ..., {@code CudaOptim}) run the shared
 *       kernel sources with the host planning of {@code dev.jmae.gpu.Shared*}, launched by
 *       {@code CudaLauncher} (OpenCL geometry to grid and block, local-memory arguments to dynamic
 *       shared memory, checked against {@link dev.jmae.gpu.cuda.CudaLaunchLimits});
 *       {@code CudaLinalg} adds cuBLASLt and {@code CudaAttention} the tensor-core flash kernels.</li>
 *   <li>Compilation. {@code JitCache}: NVRTC output cached on disk under
 *       {@code ~/.cache/jmae/cuda}, keyed by compiler, device, options
 *       ({@link dev.jmae.gpu.cuda.CudaLaunchLimits#NVRTC_OPTIONS}) and source.</li>
 *   <li>Matrix products. {@code GemmLayout}: a row-major batched product over strided views as
 *       cuBLASLt's column-major strided-batched GEMM; {@code CublasLtMatmul}: runs it with cached
 *       descriptors and heuristics; {@link dev.jmae.gpu.cuda.MatmulPrecision}: {@code highest}
 *       (fp32) or {@code high} (TF32).</li>
 * </ul>
 */
package dev.jmae.gpu.cuda;
