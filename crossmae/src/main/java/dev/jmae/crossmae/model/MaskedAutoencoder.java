package dev.jmae.crossmae.model;

import dev.jmae.autograd.Variable;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.nn.Init;
import dev.jmae.nn.LayerNorm;
import dev.jmae.nn.Linear;
import dev.jmae.nn.Module;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;
import dev.jmae.tensor.Tensor;

import java.util.Arrays;

/**
 * What CrossMAE and the MAE baseline share: the ViT encoder over the visible patches (its
 * parameters registered at the top level under the official keys {@code cls_token},
 * {@code pos_embed}, {@code patch_embed.*}, {@code blocks.*}), masking from noise, the training
 * loss, and the initialization of docs/model.md §12. Training, evaluation and benchmarks treat the
 * two models through this class.
 */
public abstract class MaskedAutoencoder extends Module {

    /**
     * One forward pass.
     *
     * @param loss the scalar training loss
     * @param pred predicted patch vectors: [N, M, P] for CrossMAE (the predicted patches, ascending
     *     patch index), [N, L, P] for MAE (every patch)
     * @param mask [N, L]: CrossMAE's prediction mask (1 = predicted) or MAE's full mask (1 = removed)
     * @param masking the masking used (visible, removed and predicted indices)
     */
    public record Output(Variable loss, Variable pred, Tensor mask, Masking masking) {
    }

    private final ModelConfig config;
    private final VisionTransformer encoder;

    /**
     * Builds the encoder and registers its parameters at the top level.
     *
     * @param config the model config
     * @param finalNorm whether the encoder ends with {@code norm}
     * @param g randomness for construction
     * @param device where the parameters live
     */
    protected MaskedAutoencoder(ModelConfig config, boolean finalNorm, Generator g, Device device) {
        this.config = config;
        this.encoder = new VisionTransformer(config, finalNorm, g, device);
        registerParameter("cls_token", encoder.clsToken());
        registerParameter("pos_embed", encoder.posEmbed());
        registerModule("patch_embed", encoder.patchEmbed());
        registerModule("blocks", encoder.blocks());
        if (finalNorm) {
            registerModule("norm", encoder.norm());
        }
    }

    /**
     * Builds the model a config describes, initialized per docs/model.md §12.
     *
     * @param config the config
     * @param g the randomness of the initialization
     * @param device where the parameters live (PyTorch's {@code device=}); inputs must be there too
     * @return CrossMAE or MAE
     */
    public static MaskedAutoencoder create(ModelConfig config, Generator g, Device device) {
        return config.isCrossMae() ? new CrossMAE(config, g, device) : new MAE(config, g, device);
    }

    /** @return where the model's parameters live (those of {@link #to}, if it was moved) */
    public final Device device() {
        return encoder.clsToken().device();
    }

    /** @return the model config */
    public final ModelConfig config() {
        return config;
    }

    /** @return the encoder (sharing this model's parameters) */
    public final VisionTransformer encoder() {
        return encoder;
    }

    /**
     * Runs the model with masking drawn from explicit noise.
     *
     * @param images normalized images [N, C, H, W]
     * @param noise [N, L], smallest noise kept (docs/model.md §6), on the images' device; the masking is
     *     computed there ({@link Masking#fromNoise})
     * @return loss, pred, mask
     * @throws IllegalArgumentException if the images or the noise have the wrong shape, or the
     *     noise is on another device than the images
     */
    public final Output forward(Tensor images, Tensor noise) {
        int[] s = images.shape();
        if (s.length != 4 || s[1] != config.inChans() || s[2] != config.imgSize() || s[3] != config.imgSize()) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName() + ": expected images [N, " + config.inChans() + ", "
                            + config.imgSize() + ", " + config.imgSize() + "], got " + Arrays.toString(s));
        }
        if (noise.ndim() != 2 || noise.size(0) != s[0] || noise.size(1) != config.numPatches()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": expected noise [" + s[0] + ", "
                    + config.numPatches() + "], got " + Arrays.toString(noise.shape()));
        }
        if (!noise.device().equals(images.device())) {
            throw new IllegalArgumentException(
                    getClass().getSimpleName() + ": expected the noise on the images' device "
                            + images.device() + ", got it on " + noise.device()
                            + "; hint: create it there, e.g. Tensor.rand(device,"
                            + " generator, N, L)");
        }
        Masking m = Masking.fromNoise(noise, config.maskRatio(), config.keptMaskRatio());
        return forward(images, m);
    }

    /**
     * Runs the model with noise drawn uniformly in [0, 1) from a generator, written to the images'
     * device once.
     *
     * @param images normalized images [N, C, H, W]
     * @param g the randomness of the masking
     * @return loss, pred, mask
     */
    public final Output forward(Tensor images, Generator g) {
        return forward(images, Tensor.rand(images.device(), g, images.size(0), config.numPatches()));
    }

    /**
     * Runs the model with a given masking.
     *
     * @param images normalized images [N, C, H, W]
     * @param masking the masking
     * @return loss, pred, mask
     */
    public abstract Output forward(Tensor images, Masking masking);

    /**
     * Reconstruction targets: patchify (docs/model.md §3), then per-patch normalization when norm_pix_loss.
     *
     * @param images [N, C, H, W]
     * @return [N, L, P]
     */
    public final Tensor targets(Tensor images) {
        Tensor t = Patches.patchify(images, config.patchSize());
        return config.normPixLoss() ? Patches.normalizePerPatch(t) : t;
    }

    /**
     * The initialization of docs/model.md §12, in its order: (1) the sin-cos tables are already frozen;
     * (2) the patch-embedding weight gets xavier-uniform on its [D, C·p²] view, its bias keeps
     * PyTorch's Conv2d default; (3) cls and mask tokens N(0, 0.02); (4) every Linear gets
     * xavier-uniform on its stored (fused) shape and a zero bias, including the IBA matrix;
     * (5) every LayerNorm weight 1, bias 0.
     *
     * @param tokens the model's token parameters (cls, mask)
     * @param g the randomness
     */
    protected final void initializeWeights(Generator g, Parameter... tokens) {
        Parameter w = encoder.patchEmbed().weight();
        int[] ws = w.shape();
        double a = Init.xavierUniformBound(new int[] {ws[0], ws[1] * ws[2] * ws[3]});
        w.value().uniformInPlace(g, -a, a);
        for (Parameter t : tokens) {
            Init.normal(t.value(), 0, 0.02, g);
        }
        for (Module m : namedModules().values()) {
            if (m instanceof Linear l) {
                Init.xavierUniform(l.weight().value(), g);
                if (l.bias() != null) {
                    Init.zeros(l.bias().value());
                }
            } else if (m instanceof LayerNorm ln && ln.weight() != null) {
                Init.ones(ln.weight().value());
                Init.zeros(ln.bias().value());
            }
        }
    }
}
