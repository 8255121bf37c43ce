/**
 * Reverse-mode automatic differentiation over {@link dev.jmae.tensor.Tensor} ops.
 *
 * <ul>
 *   <li>{@link dev.jmae.autograd.Variable}: a value in the graph, its gradient and its producer;
 *       the op surface mirrors Tensor's.</li>
 *   <li>{@link dev.jmae.autograd.Function}: one node; subclasses implement a local chain rule.
 *       They live by kind in {@code ElementwiseFunctions}, {@code ShapeFunctions},
 *       {@code ReductionFunctions}, {@code LinalgFunctions} and {@code NnFunctions}.</li>
 *   <li>{@code Engine}: the deterministic backward pass, releasing dead gradients as it goes.</li>
 *   <li>{@link dev.jmae.autograd.GradMode}: {@code noGrad()} scopes.</li>
 *   <li>{@link dev.jmae.autograd.GradHooks}: post-accumulate gradient hooks and end-of-pass
 *       callbacks (what DistributedDataParallel overlaps communication with).</li>
 * </ul>
 *
 * <p>The gradient checker used by every module's tests is in the test jar,
 * {@code dev.jmae.autograd.testing.GradCheck}.
 */
package dev.jmae.autograd;
