/**
 * CrossMAE and the MAE baseline, in the paper's order, and the classifier that fine-tunes their encoder.
 *
 * <ul>
 *   <li>{@link dev.jmae.crossmae.model.Patches}: patchify, unpatchify, per-patch normalization.</li>
 *   <li>{@link dev.jmae.crossmae.model.PatchEmbed}, {@link dev.jmae.crossmae.model.PosEmbed}:
 *       patch embedding and the 2-D sin-cos table.</li>
 *   <li>{@link dev.jmae.crossmae.model.Masking}: masking and the predicted subset from noise.</li>
 *   <li>{@link dev.jmae.crossmae.model.VisionTransformer}: the encoder, keeping feature maps.</li>
 *   <li>{@link dev.jmae.crossmae.model.WeightedFeatureMaps}: inter-block attention.</li>
 *   <li>{@link dev.jmae.crossmae.model.CrossAttentionBlock}: the decoder block.</li>
 *   <li>{@link dev.jmae.crossmae.model.MaskedAutoencoder}: the shared base, loss and the docs/model.md §12 init;
 *       {@link dev.jmae.crossmae.model.CrossMAE} and {@link dev.jmae.crossmae.model.MAE}.</li>
 *   <li>{@link dev.jmae.crossmae.model.ModelInfo}: parameter counts and FLOPs.</li>
 *   <li>{@link dev.jmae.crossmae.model.VisionTransformerClassifier}: the fine-tuning and linear-probe
 *       classifier (timm's ViT, models_vit.py); {@link dev.jmae.crossmae.model.PretrainedEncoder}:
 *       a pretraining checkpoint's encoder loaded into it (size checked, pos_embed resized with
 *       {@link dev.jmae.crossmae.model.PosEmbed#resize}).</li>
 * </ul>
 */
package dev.jmae.crossmae.model;
