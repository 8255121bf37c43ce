/**
 * Tensor file formats.
 *
 * <ul>
 *   <li>{@link dev.jmae.tensor.io.Safetensors}: atomic writing and whole-file reading.</li>
 *   <li>{@link dev.jmae.tensor.io.SafetensorsFile}: a validated, memory-mapped open file.</li>
 *   <li>{@link dev.jmae.tensor.io.SafetensorsException}: what is wrong with a malformed file.</li>
 * </ul>
 */
package dev.jmae.tensor.io;
