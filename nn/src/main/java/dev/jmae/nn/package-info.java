/**
 * Neural-network modules with PyTorch/timm names and state-dict keys.
 *
 * <ul>
 *   <li>{@link dev.jmae.nn.Module}, {@link dev.jmae.nn.Parameter}, {@link dev.jmae.nn.Layer}:
 *       registration under explicit keys, state dicts, train/eval.</li>
 *   <li>Layers: {@link dev.jmae.nn.Linear}, {@link dev.jmae.nn.LayerNorm},
 *       {@link dev.jmae.nn.GELU}, {@link dev.jmae.nn.Dropout}, {@link dev.jmae.nn.DropPath},
 *       {@link dev.jmae.nn.Identity}, {@link dev.jmae.nn.Sequential},
 *       {@link dev.jmae.nn.ModuleList}, {@link dev.jmae.nn.BatchNorm1d} (the linear probe's).</li>
 *   <li>Transformer pieces: {@link dev.jmae.nn.Attention}, {@link dev.jmae.nn.CrossAttention},
 *       {@link dev.jmae.nn.Mlp}, {@link dev.jmae.nn.Block}.</li>
 *   <li>{@link dev.jmae.nn.Init}: initializers; {@link dev.jmae.nn.Losses}: MSE,
 *       cross-entropy and soft-target cross-entropy.</li>
 *   <li>{@link dev.jmae.nn.Checkpoint}, {@link dev.jmae.nn.CheckpointException}: atomic
 *       safetensors checkpoints with official keys.</li>
 * </ul>
 *
 * <p>Optimizers and schedules are in {@link dev.jmae.nn.optim}.
 */
package dev.jmae.nn;
