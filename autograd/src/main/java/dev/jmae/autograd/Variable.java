package dev.jmae.autograd;

import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Shape;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.TensorScope;

import java.util.List;

/**
 * A tensor value in the autograd graph: the value, an optional gradient, whether it requires one,
 * and the {@link Function} that produced it (null for leaves). The counterpart of a PyTorch tensor
 * with {@code requires_grad}.
 *
 * <p>Ops mirror {@link Tensor}'s names, broadcasting and dim rule ({@link Shape#normalizeDim});
 * each differentiable op records one {@link Function} when grad mode is on and an input requires a
 * gradient. Comparisons, argmax and argsort return constants. {@link #backward()} accumulates (+=) into the {@link #grad()} of every
 * leaf that requires a gradient.
 */
public class Variable {

    private Tensor value;
    private final Function gradFn;
    private boolean requiresGrad;
    private Tensor grad;

    /**
     * A leaf variable (for subclasses such as nn's Parameter).
     *
     * @param value the value
     * @param requiresGrad whether backward should compute its gradient
     */
    protected Variable(Tensor value, boolean requiresGrad) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.gradFn = null;
    }

    Variable(Tensor value, Function gradFn) {
        this.value = value;
        this.gradFn = gradFn;
        this.requiresGrad = true;
    }

    /**
     * A leaf that never requires a gradient (an input, a target, a mask).
     *
     * @param value the value
     * @return the variable
     */
    public static Variable constant(Tensor value) {
        return new Variable(value, false);
    }

    /**
     * A leaf variable.
     *
     * @param value the value
     * @param requiresGrad whether backward computes its gradient
     * @return the variable
     */
    public static Variable of(Tensor value, boolean requiresGrad) {
        return new Variable(value, requiresGrad);
    }

    // ============================================================================ state

    /** @return the value */
    public final Tensor value() {
        return value;
    }

    /**
     * Replaces a leaf's value (moving a parameter to another device, loading a checkpoint into a
     * new tensor); the gradient is dropped.
     *
     * @param newValue the new value, same shape
     * @throws IllegalStateException if this is not a leaf
     * @throws IllegalArgumentException if the shape differs
     */
    protected final void replaceValue(Tensor newValue) {
        if (gradFn != null) {
            throw new IllegalStateException("replaceValue: only leaves can be replaced; this variable was produced by "
                    + gradFn.name());
        }
        if (!java.util.Arrays.equals(newValue.shape(), value.shape())) {
            throw new IllegalArgumentException(
                    "replaceValue: expected shape " + java.util.Arrays.toString(value.shape())
                            + ", got " + java.util.Arrays.toString(newValue.shape()));
        }
        this.value = newValue;
        this.grad = null;
    }

    /** @return the accumulated gradient, with the value's shape, or null before any backward */
    public final Tensor grad() {
        return grad;
    }

    /**
     * Replaces the gradient (null clears it). A non-null gradient is detached from every
     * {@link TensorScope}, since it outlives training steps.
     *
     * @param grad the new gradient, the value's shape, or null
     * @throws IllegalArgumentException if the shape differs
     */
    public final void setGrad(Tensor grad) {
        if (grad != null && !java.util.Arrays.equals(grad.shape(), value.shape())) {
            throw new IllegalArgumentException("setGrad: expected a gradient of shape "
                    + java.util.Arrays.toString(value.shape()) + ", got " + java.util.Arrays.toString(grad.shape()));
        }
        this.grad = grad == null ? null : TensorScope.detach(grad);
    }

    /** Sets the gradient to zero in place, keeping its buffer (no-op when there is none). */
    public final void zeroGrad() {
        if (grad != null) {
            grad.zeroInPlace();
        }
    }

    /** @return whether backward computes a gradient for this variable */
    public final boolean requiresGrad() {
        return requiresGrad;
    }

    /**
     * Turns gradient tracking on or off for a leaf (freezing a parameter).
     *
     * @param requiresGrad the new setting
     * @throws IllegalStateException if this is not a leaf
     */
    public final void setRequiresGrad(boolean requiresGrad) {
        if (gradFn != null) {
            throw new IllegalStateException("setRequiresGrad: only leaves can change requiresGrad; this variable was"
                    + " produced by " + gradFn.name() + "; hint: use detach()");
        }
        this.requiresGrad = requiresGrad;
    }

    /** @return whether this variable was created by the user rather than by an op */
    public final boolean isLeaf() {
        return gradFn == null;
    }

    /** @return the function that produced this variable, or null for a leaf */
    public final Function gradFn() {
        return gradFn;
    }

    /** @return a constant sharing this variable's value, outside the graph (torch.detach) */
    public final Variable detach() {
        return constant(value);
    }

    /** @return a copy of the shape */
    public final int[] shape() {
        return value.shape();
    }

    /** @param dim the dimension @return its size */
    public final int size(int dim) {
        return value.size(dim);
    }

    /** @return the number of dimensions */
    public final int ndim() {
        return value.ndim();
    }

    /** @return the number of elements */
    public final int numel() {
        return value.numel();
    }

    /** @return the value's device */
    public final Device device() {
        return value.device();
    }

    /** @return the single value of a one-element variable */
    public final float item() {
        return value.item();
    }

    @Override
    public String toString() {
        return "Variable(" + value
                + (gradFn != null ? ", gradFn=" + gradFn.name() : requiresGrad ? ", requiresGrad" : "") + ")";
    }

    // ============================================================================ backward

    /**
     * Backpropagates from a one-element variable (dL/dL = 1) and releases the graph.
     *
     * @throws IllegalArgumentException if this variable has more than one element
     * @throws IllegalStateException if the graph was already released by an earlier backward
     */
    public final void backward() {
        if (value.numel() != 1) {
            throw new IllegalArgumentException("backward: a gradient can be created implicitly only for one-element"
                    + " outputs, got shape " + java.util.Arrays.toString(value.shape())
                    + "; hint: pass the upstream gradient explicitly");
        }
        backward(Tensor.ones(value.device(), value.shape()), false);
    }

    /**
     * Backpropagates an explicit upstream gradient and releases the graph.
     *
     * @param upstream dL/d(this), this variable's shape
     */
    public final void backward(Tensor upstream) {
        backward(upstream, false);
    }

    /**
     * Backpropagates an explicit upstream gradient.
     *
     * @param upstream dL/d(this), this variable's shape
     * @param retainGraph keep saved tensors so backward can run again through the same graph
     * @throws IllegalArgumentException if the shape of upstream differs
     * @throws IllegalStateException if this variable does not require grad or the graph was released
     */
    public final void backward(Tensor upstream, boolean retainGraph) {
        Engine.backward(this, upstream, retainGraph);
    }

    // ============================================================================ elementwise

    /** @param other addend, broadcast @return this + other */
    public Variable add(Variable other) {
        return new ElementwiseFunctions.Add().apply(this, other);
    }

    /** @param value addend @return this + value */
    public Variable add(float value) {
        return new ElementwiseFunctions.AddScalar(value).apply(this);
    }

    /** @param other subtrahend, broadcast @return this - other */
    public Variable sub(Variable other) {
        return new ElementwiseFunctions.Sub().apply(this, other);
    }

    /** @param value subtrahend @return this - value */
    public Variable sub(float value) {
        return new ElementwiseFunctions.AddScalar(-value).apply(this);
    }

    /** @param other factor, broadcast @return this * other */
    public Variable mul(Variable other) {
        return new ElementwiseFunctions.Mul().apply(this, other);
    }

    /** @param value factor @return this * value */
    public Variable mul(float value) {
        return new ElementwiseFunctions.MulScalar(value).apply(this);
    }

    /** @param other divisor, broadcast @return this / other */
    public Variable div(Variable other) {
        return new ElementwiseFunctions.Div().apply(this, other);
    }

    /** @param value divisor @return this / value */
    public Variable div(float value) {
        return new ElementwiseFunctions.DivScalar(value).apply(this);
    }

    /** @return -this */
    public Variable neg() {
        return new ElementwiseFunctions.Neg().apply(this);
    }

    /** @param exponent a constant power @return this ^ exponent */
    public Variable pow(float exponent) {
        return new ElementwiseFunctions.PowScalar(exponent).apply(this);
    }

    /** @param exponent powers, broadcast (this must be positive where exponent's gradient is wanted) @return this ^ exponent */
    public Variable pow(Variable exponent) {
        return new ElementwiseFunctions.Pow().apply(this, exponent);
    }

    /** @return e^this */
    public Variable exp() {
        return new ElementwiseFunctions.Exp().apply(this);
    }

    /** @return ln(this) */
    public Variable log() {
        return new ElementwiseFunctions.Log().apply(this);
    }

    /** @return sqrt(this) */
    public Variable sqrt() {
        return new ElementwiseFunctions.Sqrt().apply(this);
    }

    /** @return 1/sqrt(this) */
    public Variable rsqrt() {
        return new ElementwiseFunctions.Rsqrt().apply(this);
    }

    /** @return tanh(this) */
    public Variable tanh() {
        return new ElementwiseFunctions.Tanh().apply(this);
    }

    /** @return erf(this) */
    public Variable erf() {
        return new ElementwiseFunctions.Erf().apply(this);
    }

    /** @return |this| (gradient sign(x), 0 at 0) */
    public Variable abs() {
        return new ElementwiseFunctions.Abs().apply(this);
    }

    /** @return this² */
    public Variable square() {
        return new ElementwiseFunctions.Square().apply(this);
    }

    /** @return 1/this */
    public Variable reciprocal() {
        return new ElementwiseFunctions.Reciprocal().apply(this);
    }

    /** @return 1/(1+e^-this) */
    public Variable sigmoid() {
        return new ElementwiseFunctions.Sigmoid().apply(this);
    }

    /** @param other the other operand, broadcast @return the elementwise maximum (ties split the gradient) */
    public Variable maximum(Variable other) {
        return new ElementwiseFunctions.Maximum(true).apply(this, other);
    }

    /** @param other the other operand, broadcast @return the elementwise minimum (ties split the gradient) */
    public Variable minimum(Variable other) {
        return new ElementwiseFunctions.Maximum(false).apply(this, other);
    }

    /**
     * Clamps to [min, max]; the gradient passes where min &lt;= x &lt;= max.
     *
     * @param min lower bound
     * @param max upper bound
     * @return the clamped variable
     */
    public Variable clamp(float min, float max) {
        return new ElementwiseFunctions.Clamp(min, max).apply(this);
    }

    /**
     * cond != 0 ? a : b elementwise, broadcast (torch.where); cond is not differentiated.
     *
     * @param cond condition
     * @param a values where true
     * @param b values where false
     * @return the selection
     */
    public static Variable where(Tensor cond, Variable a, Variable b) {
        return new ElementwiseFunctions.Where(cond).apply(a, b);
    }

    /** @return exact GELU x/2·(1+erf(x/√2)) */
    public Variable gelu() {
        return new NnFunctions.Gelu().apply(this);
    }

    // ============================================================================ non-differentiable

    /** @param other compared, broadcast @return constant 1 where this == other */
    public Variable eq(Variable other) {
        return constant(value.eq(other.value));
    }

    /** @param other compared, broadcast @return constant 1 where this != other */
    public Variable ne(Variable other) {
        return constant(value.ne(other.value));
    }

    /** @param other compared @return constant 1 where this &lt; other */
    public Variable lt(Variable other) {
        return constant(value.lt(other.value));
    }

    /** @param other compared @return constant 1 where this &lt;= other */
    public Variable le(Variable other) {
        return constant(value.le(other.value));
    }

    /** @param other compared @return constant 1 where this &gt; other */
    public Variable gt(Variable other) {
        return constant(value.gt(other.value));
    }

    /** @param other compared @return constant 1 where this &gt;= other */
    public Variable ge(Variable other) {
        return constant(value.ge(other.value));
    }

    /** @param v compared value @return constant 1 where this &gt; v */
    public Variable gt(float v) {
        return constant(value.gt(v));
    }

    /** @param v compared value @return constant 1 where this &lt; v */
    public Variable lt(float v) {
        return constant(value.lt(v));
    }

    /** @param dim the dimension @param keepDim keep it @return constant indices of the maxima */
    public Variable argmax(int dim, boolean keepDim) {
        return constant(value.argmax(dim, keepDim));
    }

    /** @param dim the dimension @param descending largest first @return constant stable sort order */
    public Variable argsort(int dim, boolean descending) {
        return constant(value.argsort(dim, descending));
    }

    // ============================================================================ movement

    /** @param shape new sizes, one may be -1 @return the reshaped variable (a view when possible) */
    public Variable reshape(int... shape) {
        return new ShapeFunctions.Reshape().apply(this, value.reshape(shape));
    }

    /** @param shape new sizes, one may be -1 @return the viewed variable */
    public Variable view(int... shape) {
        return new ShapeFunctions.Reshape().apply(this, value.view(shape));
    }

    /** @return all dims collapsed into one */
    public Variable flatten() {
        return new ShapeFunctions.Reshape().apply(this, value.flatten());
    }

    /** @param startDim first dim @param endDim last dim @return those dims collapsed */
    public Variable flatten(int startDim, int endDim) {
        return new ShapeFunctions.Reshape().apply(this, value.flatten(startDim, endDim));
    }

    /** @param dim position of the new size-1 dim @return the variable with it inserted */
    public Variable unsqueeze(int dim) {
        return new ShapeFunctions.Reshape().apply(this, value.unsqueeze(dim));
    }

    /** @param dim a size-1 dim to remove @return the variable without it */
    public Variable squeeze(int dim) {
        return new ShapeFunctions.Reshape().apply(this, value.squeeze(dim));
    }

    /** @return the variable without size-1 dims */
    public Variable squeeze() {
        return new ShapeFunctions.Reshape().apply(this, value.squeeze());
    }

    /** @param dims a permutation @return the permuted view */
    public Variable permute(int... dims) {
        return new ShapeFunctions.Permute(dims).apply(this);
    }

    /** @param dim0 one dim @param dim1 the other @return the view with them swapped */
    public Variable transpose(int dim0, int dim1) {
        int nd = ndim();
        int[] p = new int[nd];
        for (int i = 0; i < nd; i++) {
            p[i] = i;
        }
        int a = Shape.normalizeDim("transpose", dim0, nd);
        int b = Shape.normalizeDim("transpose", dim1, nd);
        p[a] = b;
        p[b] = a;
        return permute(p);
    }

    /** @param dim the dim @param start first index @param length count @return the slice */
    public Variable narrow(int dim, int start, int length) {
        return new ShapeFunctions.Narrow(dim, start, length).apply(this);
    }

    /** @param dim the dim @param index the position @return the slice with dim removed */
    public Variable select(int dim, int index) {
        int d = Shape.normalizeDim("select", dim, ndim());
        int i = index < 0 ? index + size(d) : index;
        return narrow(d, i, 1).squeeze(d);
    }

    /** @param shape target sizes (-1 keeps) @return the broadcast view */
    public Variable expand(int... shape) {
        return new ShapeFunctions.Expand().apply(this, value.expand(shape));
    }

    /**
     * Concatenation along a dim (torch.cat).
     *
     * @param parts the variables
     * @param dim the dim
     * @return the concatenation
     */
    public static Variable cat(List<Variable> parts, int dim) {
        return new ShapeFunctions.Cat(dim).apply(parts);
    }

    /**
     * Stacking along a new dim (torch.stack).
     *
     * @param parts equal-shape variables
     * @param dim position of the new dim
     * @return the stack
     */
    public static Variable stack(List<Variable> parts, int dim) {
        int d = Shape.normalizeNewDim("stack", dim, parts.get(0).ndim());
        return cat(parts.stream().map(p -> p.unsqueeze(d)).toList(), d);
    }

    /** @param dim the dim @param index 1-d integer indices @return the selected positions */
    public Variable indexSelect(int dim, Tensor index) {
        return new ShapeFunctions.IndexSelect(dim, index).apply(this);
    }

    /** @param dim the dim @param index integer indices, this rank @return the gathered values (torch.gather) */
    public Variable gather(int dim, Tensor index) {
        return new ShapeFunctions.Gather(dim, index).apply(this);
    }

    // ============================================================================ reductions

    /** @return the sum of all elements, shape [] */
    public Variable sum() {
        return new ReductionFunctions.Sum(null, false).apply(this);
    }

    /** @param dim the dim @param keepDim keep it @return the sum over dim */
    public Variable sum(int dim, boolean keepDim) {
        return new ReductionFunctions.Sum(new int[] {dim}, keepDim).apply(this);
    }

    /** @param dims the dims @param keepDim keep them @return the sum over dims */
    public Variable sum(int[] dims, boolean keepDim) {
        return new ReductionFunctions.Sum(dims, keepDim).apply(this);
    }

    /** @return the mean of all elements, shape [] */
    public Variable mean() {
        return new ReductionFunctions.Mean(null, false).apply(this);
    }

    /** @param dim the dim @param keepDim keep it @return the mean over dim */
    public Variable mean(int dim, boolean keepDim) {
        return new ReductionFunctions.Mean(new int[] {dim}, keepDim).apply(this);
    }

    /** @param dims the dims @param keepDim keep them @return the mean over dims */
    public Variable mean(int[] dims, boolean keepDim) {
        return new ReductionFunctions.Mean(dims, keepDim).apply(this);
    }

    /** @param dims the dims @param keepDim keep them @return the maximum over dims (ties share the gradient, like torch.amax) */
    public Variable max(int[] dims, boolean keepDim) {
        return new ReductionFunctions.Max(dims, keepDim).apply(this);
    }

    /** @param dim the dim @param keepDim keep it @return the maximum over dim */
    public Variable max(int dim, boolean keepDim) {
        return new ReductionFunctions.Max(new int[] {dim}, keepDim).apply(this);
    }

    /**
     * Variance over dims: sum((x-mean)²)/(n-correction).
     *
     * @param dims the dims
     * @param correction 0 biased, 1 unbiased
     * @param keepDim keep the dims
     * @return the variance
     */
    public Variable var(int[] dims, double correction, boolean keepDim) {
        return new ReductionFunctions.Var(dims, correction, keepDim).apply(this);
    }

    /** @param dim the dim @param correction 0 biased, 1 unbiased @param keepDim keep it @return the variance */
    public Variable var(int dim, double correction, boolean keepDim) {
        return var(new int[] {dim}, correction, keepDim);
    }

    // ============================================================================ linear algebra

    /** @param other right operand (PyTorch matmul semantics) @return the product */
    public Variable matmul(Variable other) {
        return new LinalgFunctions.Matmul().apply(this, other);
    }

    /**
     * this · weightᵀ + bias (a PyTorch Linear), bias fused.
     *
     * @param weight [out, in]
     * @param bias [out], or null
     * @return [..., out]
     */
    public Variable linear(Variable weight, Variable bias) {
        return new LinalgFunctions.Linear().apply(this, weight, bias);
    }

    // ============================================================================ neural-network ops

    /** @param dim the dim @return softmax along dim */
    public Variable softmax(int dim) {
        return new NnFunctions.Softmax(dim, false).apply(this);
    }

    /** @param dim the dim @return log-softmax along dim */
    public Variable logSoftmax(int dim) {
        return new NnFunctions.Softmax(dim, true).apply(this);
    }

    /**
     * Layer norm over the last dim with biased variance.
     *
     * @param weight [D] or null
     * @param bias [D] or null
     * @param eps added to the variance
     * @return the normalized variable
     */
    public Variable layerNorm(Variable weight, Variable bias, float eps) {
        return new NnFunctions.LayerNorm(eps).apply(this, weight, bias);
    }

    /**
     * Fused scaled dot-product attention (see {@link dev.jmae.tensor.Functional#scaledDotProductAttention}).
     *
     * @param q [B, H, M, Dh]
     * @param k [B, H, N, Dh]
     * @param v [B, H, N, Dh]
     * @param scale score scale, usually Dh^-1/2
     * @return [B, H, M, Dh]
     */
    public static Variable attention(Variable q, Variable k, Variable v, float scale) {
        return new NnFunctions.Attention(scale).apply(q, k, v);
    }

    /**
     * Multi-head self-attention from a packed projection (timm's fused qkv): heads are read
     * straight out of qkv and merged in order, scale Dh^-1/2.
     *
     * @param qkv [B, T, 3·D], rows q | k | v, heads contiguous inside each
     * @param numHeads H, dividing D
     * @return [B, T, D]
     * @throws IllegalArgumentException if the shape is not [B, T, 3·D] or D % H != 0
     */
    public static Variable selfAttention(Variable qkv, int numHeads) {
        int dh = qkv.size(-1) / 3 / numHeads;
        return new NnFunctions.MultiHeadAttention(numHeads, (float) (1.0 / Math.sqrt(dh))).self(qkv);
    }

    /**
     * Multi-head cross-attention from separate query and packed key/value projections (CrossMAE's
     * CrossAttention), scale Dh^-1/2.
     *
     * @param q [B, M, D], heads contiguous
     * @param kv [B, N, 2·D], rows k | v
     * @param numHeads H, dividing D
     * @return [B, M, D]
     * @throws IllegalArgumentException if the shapes disagree or D % H != 0
     */
    public static Variable crossAttention(Variable q, Variable kv, int numHeads) {
        int dh = q.size(-1) / numHeads;
        return new NnFunctions.MultiHeadAttention(numHeads, (float) (1.0 / Math.sqrt(dh))).cross(q, kv);
    }

    /**
     * Inverted dropout: zeroes each element with probability p and scales the rest by 1/(1-p).
     * Identity when p is 0.
     *
     * @param p drop probability in [0, 1)
     * @param generator the randomness
     * @return the result
     */
    public Variable dropout(float p, Generator generator) {
        return new NnFunctions.Dropout(p, generator).apply(this);
    }

    /**
     * Mean squared error: mean((this - target)²), a scalar (torch.nn.functional.mse_loss).
     *
     * @param target the target, this shape; not differentiated
     * @return shape []
     */
    public Variable mseLoss(Tensor target) {
        return new NnFunctions.MseLoss(target).apply(this);
    }
}
