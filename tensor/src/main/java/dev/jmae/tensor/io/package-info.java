/**
 * Tensor file formats.
 *
 * <ul>
 *   <li>{@link dev.jmae.tensor.io.Safetensors}: atomic writing and whole-file reading.</li>
 *   <li>{@link dev.jmae.tensor.io.SafetensorsFile}: a validated, memory-mapped open file; reads
 *       F32, F16, BF16, F64 and the integer dtypes into float32.</li>
 *   <li>{@link dev.jmae.tensor.io.SafetensorsException}: what is wrong with a malformed file.</li>
 *   <li>{@link dev.jmae.tensor.io.DType}: the stored dtypes and their exact or rounded conversion
 *       to float32.</li>
 *   <li>{@link dev.jmae.tensor.io.ModelWeights}: a model's state dict from safetensors or a
 *       PyTorch checkpoint ({@link dev.jmae.tensor.io.torch}), found in the official layouts, and
 *       matched to a model's keys.</li>
 *   <li>{@link dev.jmae.tensor.io.AtomicFiles}: write-then-rename.</li>
 * </ul>
 */
package dev.jmae.tensor.io;
