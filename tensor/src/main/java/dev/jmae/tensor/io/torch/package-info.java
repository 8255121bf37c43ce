/**
 * PyTorch checkpoints ({@code torch.save}'s zip format, PyTorch 1.6 and newer), read without
 * running anything.
 *
 * <ul>
 *   <li>{@link dev.jmae.tensor.io.torch.TorchCheckpoint}: opens the archive, runs the pickle
 *       interpreter on {@code data.pkl}, reads tensors on request, bounds what a file can make
 *       jmae allocate.</li>
 *   <li>{@link dev.jmae.tensor.io.torch.TorchTensor}: a not-yet-read view of a storage (offset,
 *       shape, strides, dtype).</li>
 *   <li>{@code PickleReader} (package-private): the interpreter, binary opcodes of protocols
 *       1-5, data only.</li>
 *   <li>{@link dev.jmae.tensor.io.torch.PickleGlobals}: the deny-list of code-execution
 *       globals.</li>
 *   <li>{@link dev.jmae.tensor.io.torch.PickleObject},
 *       {@link dev.jmae.tensor.io.torch.PickleGlobal}: inert records of what the pickle names
 *       ({@code argparse.Namespace}, dtypes, ...).</li>
 *   <li>{@link dev.jmae.tensor.io.torch.PickleValues}: bounded rendering (JSON, descriptions) of
 *       pickled values, which may be cyclic or deeply nested.</li>
 *   <li>{@link dev.jmae.tensor.io.torch.TorchCheckpointException},
 *       {@link dev.jmae.tensor.io.torch.UnsafePickleException}: what is wrong with a file.</li>
 * </ul>
 *
 * <p>Source: PyTorch's {@code torch/serialization.py} and {@code torch/_utils.py}; Python's
 * {@code Lib/pickle.py} for the opcodes.
 */
package dev.jmae.tensor.io.torch;
