/**
 * Optimizers and schedules.
 *
 * <ul>
 *   <li>{@link dev.jmae.nn.optim.Optimizer}, {@link dev.jmae.nn.optim.ParamGroup}: groups and
 *       per-parameter state; {@link dev.jmae.nn.optim.AdamW}, {@link dev.jmae.nn.optim.SGD},
 *       {@link dev.jmae.nn.optim.LARS}.</li>
 *   <li>{@link dev.jmae.nn.optim.ParamGroups}: timm's no-decay split;
 *       {@link dev.jmae.nn.optim.LayerDecay}: the fine-tuning groups with layer-wise lr decay.</li>
 *   <li>{@link dev.jmae.nn.optim.WarmupCosineSchedule}: MAE's per-iteration schedule.</li>
 *   <li>{@link dev.jmae.nn.optim.GradNorm}: gradient norm and clipping.</li>
 * </ul>
 */
package dev.jmae.nn.optim;
