package dev.jmae.crossmae.model;

import dev.jmae.autograd.Variable;
import dev.jmae.crossmae.config.FinetuneConfig;
import dev.jmae.nn.BatchNorm1d;
import dev.jmae.nn.Block;
import dev.jmae.nn.DropPath;
import dev.jmae.nn.Init;
import dev.jmae.nn.LayerNorm;
import dev.jmae.nn.Layer;
import dev.jmae.nn.Linear;
import dev.jmae.nn.Module;
import dev.jmae.nn.ModuleList;
import dev.jmae.nn.Parameter;
import dev.jmae.nn.Sequential;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.List;

/**
 * The ViT classifier of fine-tuning and the linear probe: timm 0.9.7's {@code VisionTransformer} as
 * CrossMAE's {@code models_vit.py} builds it (docs/model.md §15.3-§15.4). Every patch is encoded (no
 * masking): x = cat(cls_token, PatchEmbed(images)) + pos_embed (the whole table, row 0 on the cls
 * token; trainable), then pre-norm blocks with stochastic depth rising linearly from 0 at the first
 * block to drop_path at the last ({@code torch.linspace(0, drop_path, depth)}); then either
 * <ul>
 *   <li>global pooling (global_pool): the mean of the L patch tokens (cls excluded), then a new
 *       LayerNorm {@code fc_norm}; the encoder's {@code norm} is an identity; or</li>
 *   <li>the cls token after the encoder's final LayerNorm {@code norm} (the official --cls_token);</li>
 * </ul>
 * then the head: {@code head} Linear(D → K) for fine-tuning, or for the linear probe
 * {@code head} = Sequential(BatchNorm1d(D, affine=False, eps=1e-6), Linear(D → K)) with everything
 * else frozen (main_linprobe.py's "hack: revise model's head with BN").
 *
 * <p>images [N, C, H, W] → logits [N, K]. State-dict keys are timm's, so a fine-tuned model loads
 * into {@code models_vit.vit_*(global_pool=...)} with strict=True: {@code cls_token} [1, 1, D],
 * {@code pos_embed} [1, L+1, D], {@code patch_embed.proj.*}, {@code blocks.i.*}, {@code norm.*}
 * (cls-token pooling) or {@code fc_norm.*} (global pooling), {@code head.weight} [K, D],
 * {@code head.bias} [K] (linear probe: {@code head.0.running_mean}, {@code head.0.running_var},
 * {@code head.0.num_batches_tracked}, {@code head.1.weight}, {@code head.1.bias}).
 *
 * <p>Initialization (timm 0.9.7 {@code init_weights}, mode ''): {@code pos_embed} truncated normal
 * std 0.02, {@code cls_token} N(0, 1e-6²), every Linear truncated normal std 0.02 and bias 0, the
 * patch embedding PyTorch's Conv2d default, LayerNorms 1 and 0. timm's {@code trunc_normal_} cuts at
 * ±2 absolute, which is 100 standard deviations at std 0.02 (and 10⁵ at the head's 2e-5), so these
 * are plain normals in effect. The linear probe's head weight gets std 0.01 (MoCo v3's, which
 * main_linprobe.py applies after loading a checkpoint; jmae uses it for a random encoder too, so the
 * probes of both start alike). Fine-tuning from a checkpoint re-draws the head weight with std 2e-5
 * ({@link #initHead}). Drop-path draws come from a generator that {@link #reseedDropPath} restarts
 * per micro-batch.
 */
public final class VisionTransformerClassifier extends Module {

    private final FinetuneConfig config;
    private final PatchEmbed patchEmbed;
    private final Parameter clsToken;
    private final Parameter posEmbed;
    private final ModuleList<Block> blocks;
    private final LayerNorm norm;
    private final LayerNorm fcNorm;
    private final Module head;
    private final Linear headLinear;

    /**
     * Builds and initializes the classifier a config describes.
     *
     * @param c the fine-tuning or linear-probe config (input_size, the encoder's dimensions,
     *     nb_classes, global_pool, drop_path; the recipe picks the head)
     * @param g randomness of the initialization
     * @param d where the parameters live
     */
    public VisionTransformerClassifier(FinetuneConfig c, Generator g, Device d) {
        this.config = c;
        int dim = c.embedDim();
        int l = c.gridSize() * c.gridSize();
        float eps = (float) c.normEps();
        this.clsToken = registerParameter("cls_token", new Parameter(Tensor.zeros(d, 1, 1, dim)));
        this.posEmbed = registerParameter("pos_embed", new Parameter(Tensor.zeros(d, 1, l + 1, dim)));
        this.patchEmbed = registerModule("patch_embed",
                new PatchEmbed(c.inputSize(), c.patchSize(), c.inChans(), dim, g, d));
        this.blocks = registerModule("blocks", new ModuleList<>());
        for (int i = 0; i < c.depth(); i++) {
            blocks.add(new Block(dim, c.numHeads(), c.mlpRatio(), true, eps, dropPathRate(c.dropPath(), i, c.depth()),
                    g, d));
        }
        this.norm = c.globalPool() ? null : registerModule("norm", new LayerNorm(dim, eps, d));
        this.fcNorm = c.globalPool() ? registerModule("fc_norm", new LayerNorm(dim, eps, d)) : null;
        this.headLinear = new Linear(dim, c.nbClasses(), true, g, d);
        boolean probe = c.recipe() == FinetuneConfig.Recipe.LINPROBE;
        this.head = registerModule("head",
                probe ? new Sequential(BatchNorm1d.linearProbe(d, dim), headLinear) : headLinear);
        initWeights(g);
        if (probe) {
            initHead(0.01, g);
            for (java.util.Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
                e.getValue().setRequiresGrad(e.getKey().startsWith("head."));
            }
        }
    }

    /**
     * The stochastic-depth rate of block i: drop_path·i/(depth − 1), the i-th value of
     * {@code torch.linspace(0, drop_path, depth)} (0 for a single block).
     *
     * @param dropPath the last block's rate
     * @param i the block
     * @param depth the number of blocks
     * @return the rate
     */
    public static float dropPathRate(double dropPath, int i, int depth) {
        return depth < 2 ? 0f : (float) (dropPath * i / (depth - 1));
    }

    /** timm 0.9.7 init_weights('') for a model built from scratch; see the class comment. */
    private void initWeights(Generator g) {
        Init.truncatedNormal(posEmbed.value(), 0, 0.02, -2, 2, g);
        Init.normal(clsToken.value(), 0, 1e-6, g);
        for (Module m : namedModules().values()) {
            if (m instanceof Linear lin) {
                Init.truncatedNormal(lin.weight().value(), 0, 0.02, -2, 2, g);
                Init.zeros(lin.bias().value());
            }
        }
    }

    /**
     * Re-draws the head's weight as truncated normal (bounds ±2, timm's trunc_normal_) and zeroes
     * its bias: std 2e-5 when fine-tuning from a checkpoint (main_finetune.py), 0.01 for the linear
     * probe (main_linprobe.py).
     *
     * @param std the standard deviation
     * @param g the randomness
     */
    public void initHead(double std, Generator g) {
        Init.truncatedNormal(headLinear.weight().value(), 0, std, -2, 2, g);
        Init.zeros(headLinear.bias().value());
    }

    /**
     * Restarts every block's drop-path randomness from a seed (block i from a value derived from
     * (seed, i)), so the paths a micro-batch drops depend on that seed alone.
     *
     * @param seed e.g. drawn from the micro-batch's generator
     */
    public void reseedDropPath(long seed) {
        int i = 0;
        for (Block b : blocks) {
            DropPath dp = b.dropPath();
            if (dp != null) {
                dp.reseed(seed * 0x9E3779B97F4A7C15L + (i + 1) * 0xD1B54A32D192ED03L);
            }
            i++;
        }
    }

    /**
     * The pooled features (forward_features plus the pooling of forward_head).
     *
     * @param images normalized images [N, C, H, W], H = W = input_size
     * @return [N, D]: fc_norm of the mean patch token, or the cls token after norm
     * @throws IllegalArgumentException if the images are not [N, in_chans, input_size, input_size]
     */
    public Variable forwardFeatures(Tensor images) {
        int n = images.size(0);
        int dim = config.embedDim();
        int l = config.gridSize() * config.gridSize();
        Variable x = patchEmbed.forward(images);
        x = Variable.cat(List.of(clsToken.expand(n, 1, dim), x), 1).add(posEmbed);
        for (Block b : blocks) {
            x = b.forward(x);
        }
        if (fcNorm != null) {
            return fcNorm.forward(x.narrow(1, 1, l).mean(1, false));
        }
        return norm.forward(x).narrow(1, 0, 1).reshape(n, dim);
    }

    /**
     * Classifies images.
     *
     * @param images normalized images [N, C, H, W]
     * @return logits [N, K]
     */
    public Variable forward(Tensor images) {
        return forwardHead(forwardFeatures(images));
    }

    /**
     * The head alone.
     *
     * @param features [N, D]
     * @return logits [N, K]
     */
    public Variable forwardHead(Variable features) {
        return ((Layer) head).forward(features);
    }

    /** @return the config */
    public FinetuneConfig config() {
        return config;
    }

    /** @return where the parameters live */
    public Device device() {
        return clsToken.device();
    }

    /** @return the head (a Linear, or for the linear probe Sequential(BatchNorm1d, Linear)) */
    public Module head() {
        return head;
    }

    /** @return the head's Linear */
    public Linear headLinear() {
        return headLinear;
    }

    /** @return pos_embed [1, L+1, D] (trainable) */
    public Parameter posEmbed() {
        return posEmbed;
    }

    /** @return the blocks */
    public ModuleList<Block> blocks() {
        return blocks;
    }
}
