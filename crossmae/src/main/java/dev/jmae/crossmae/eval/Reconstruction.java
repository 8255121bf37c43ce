package dev.jmae.crossmae.eval;

import dev.jmae.autograd.GradMode;
import dev.jmae.crossmae.config.ModelConfig;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.crossmae.model.Masking;
import dev.jmae.crossmae.model.Patches;
import dev.jmae.tensor.Tensor;

/**
 * The reconstruction views of docs/model.md §15.1 (the demo notebook), all in the normalized input
 * space [N, C, H, W]: the original, the masked input x·(1-mask), the reconstruction (norm-pix
 * predictions un-normalized with each patch's ground-truth mean and unbiased variance), and the
 * reconstruction with the visible patches pasted from the input.
 *
 * @param original the input images
 * @param masked the input with the removed patches zeroed
 * @param reconstruction the model's output for every predicted patch (patch means elsewhere)
 * @param pasted visible patches from the input, predicted patches from the model
 * @param pixelMask 1 on the pixels of predicted patches [N, C, H, W]
 */
public record Reconstruction(Tensor original, Tensor masked, Tensor reconstruction, Tensor pasted, Tensor pixelMask) {

    /**
     * Runs the model without gradients and builds the views.
     *
     * @param model the model
     * @param images normalized images [N, C, H, W]
     * @param noise masking noise [N, L]
     * @param predictAll decode every removed patch (γ = p) even for a model trained with γ &lt; p
     *     (how the paper's Figure 2 was made); false uses the model's own γ
     * @return the views
     */
    public static Reconstruction of(MaskedAutoencoder model, Tensor images, Tensor noise, boolean predictAll) {
        ModelConfig c = model.config();
        double gamma = predictAll ? c.maskRatio() : c.keptMaskRatio();
        Masking m = Masking.fromNoise(noise, c.maskRatio(), gamma);
        Tensor pred;
        Tensor patchMask;
        try (GradMode.Scope s = GradMode.noGrad()) {
            MaskedAutoencoder.Output out = model.forward(images, m);
            pred = out.pred().value();
            patchMask = c.isCrossMae() ? m.maskPred() : m.maskFull();
        }
        int n = images.size(0);
        int l = c.numPatches();
        int p = c.patchDim();
        if (c.isCrossMae()) {
            // scatter the [N, M, P] predictions to their raster positions, zeros elsewhere
            Tensor idx = m.idsPred().unsqueeze(-1).expand(n, m.numPredicted(), p).contiguous();
            pred = Tensor.zeros(images.device(), n, l, p).scatter(1, idx, pred.contiguous());
        }
        Tensor target = Patches.patchify(images, c.patchSize());
        if (c.normPixLoss()) {
            Tensor mean = target.mean(-1, true);
            Tensor var = target.var(-1, 1, true);
            pred = pred.mul(var.add(1e-6f).sqrt()).add(mean);
        }
        Tensor recon = Patches.unpatchify(pred, c.patchSize(), c.inChans());
        Tensor mask = Patches.unpatchify(patchMask.unsqueeze(-1).expand(n, l, p), c.patchSize(), c.inChans());
        Tensor keep = mask.neg().add(1f);
        Tensor masked = images.mul(keep);
        return new Reconstruction(images, masked, recon, masked.add(recon.mul(mask)), mask);
    }
}
