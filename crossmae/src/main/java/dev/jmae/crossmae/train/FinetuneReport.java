package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.FinetuneConfig;
import dev.jmae.crossmae.config.FinetuneConfig.Recipe;
import dev.jmae.crossmae.data.ImageDataset;
import dev.jmae.crossmae.model.PretrainedEncoder;
import dev.jmae.crossmae.model.VisionTransformerClassifier;
import dev.jmae.nn.Parameter;
import dev.jmae.tensor.Device;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What a fine-tuning or linear-probe run prints at its start ({@link Finetuner}). */
final class FinetuneReport {

    private FinetuneReport() {
    }

    /**
     * Prints the start of a run: the resolved config, the model, where the encoder comes from,
     * the lr, criterion, data and position.
     */
    static void printStart(PrintStream console, FinetuneConfig c, RunDirectory run, Device device,
                           VisionTransformerClassifier model, PretrainedEncoder.Loaded source, ClassifierLoss loss,
                           ImageDataset trainSet, ImageDataset testSet, int batches, boolean resuming,
                           String resumeNote,
                           int startEpoch, int startBatch) {
        String cmd = c.recipe().command();
        console.println("jmae " + cmd + ": resolved config (also in " + run.config() + "):");
        console.println(Configs.prettyJson(c.toJson()));
        console.printf(Locale.ROOT, "model: %s classifier (%s pooling, %d classes), %,d parameters, %,d trainable%n",
                c.model(),
                c.globalPool() ? "global average" : "cls token", c.nbClasses(), count(model, false),
                count(model, true));
        if (source != null) {
            console.printf(Locale.ROOT,
                    "encoder from %s (%s pretraining): %d tensors loaded%s; new: %s; not used: %d (%s)%n",
                    source.file(), source.pretrainingModel(), source.loaded().size(),
                    source.fromGrid() != source.toGrid() ? String.format(Locale.ROOT,
                            ", pos_embed interpolated %dx%d -> %dx%d"
                                    + " (bicubic)",
                            source.fromGrid(), source.fromGrid(), source.toGrid(), source.toGrid()) : "",
                    String.join(", ", source.fresh()), source.ignored().size(), summarize(source.ignored()));
            warnOnStatistics(console, c, source.pretraining());
        } else if (!resuming) {
            console.println("encoder: random (from scratch, timm's ViT initialization)");
        }
        console.printf(Locale.ROOT, "lr = blr * effective batch / 256 = %.3g * %d / 256 = %.4g%s; %s%n", c.blr(),
                c.effectiveBatch(), c.peakLr(), Double.isNaN(c.lr()) ? "" : " (lr set explicitly)",
                c.recipe() == Recipe.LINPROBE ? "LARS (momentum 0.9, trust 0.001) on the head"
                        : String.format(Locale.ROOT, "AdamW (%.3g, %.4g), layer_decay %.3g, drop_path %.3g%s",
                                c.optBetas().get(0),
                                c.optBetas().get(1), c.layerDecay(), c.dropPath(),
                                Double.isNaN(c.clipGrad()) ? "" : ", clip_grad " + c.clipGrad()));
        console.println("criterion: " + loss.describe());
        console.println("train: " + trainSet.description());
        console.println("test:  " + testSet.description());
        console.printf(Locale.ROOT, "device %s, %d batches of %d per epoch, accum_iter %d, %d epochs (warmup %.3g)%s%n",
                device,
                batches, c.batchSize(), c.accumIter(), c.epochs(), c.warmupEpochs(),
                resuming ? ", resuming at epoch " + (startEpoch + 1) + " batch " + startBatch : "");
        if (!resumeNote.isEmpty()) {
            console.println(resumeNote);
        }
        console.println("run directory: " + run.root());
    }

    /** The pretraining's normalization should be the fine-tuning's; say so when they differ. */
    private static void warnOnStatistics(PrintStream console, FinetuneConfig config, JsonNode pretraining) {
        if (pretraining == null || !pretraining.has("mean")) {
            return;
        }
        List<Double> m = new ArrayList<>();
        List<Double> s = new ArrayList<>();
        pretraining.get("mean").forEach(v -> m.add(v.asDouble()));
        pretraining.path("std").forEach(v -> s.add(v.asDouble()));
        if (!m.equals(config.mean()) || !s.equals(config.std())) {
            console.printf(Locale.ROOT,
                    "warning: the checkpoint was pretrained on images normalized with mean %s, std %s,"
                            + " but this run uses mean %s, std %s; hint: --set mean=... std=... to match%n",
                    m, s, config.mean(),
                    config.std());
        }
    }

    static long count(VisionTransformerClassifier model, boolean trainableOnly) {
        long n = 0;
        for (Parameter p : model.parameters()) {
            if (!trainableOnly || p.requiresGrad()) {
                n += p.numel();
            }
        }
        return n;
    }

    private static String summarize(List<String> keys) {
        Map<String, Integer> prefixes = new LinkedHashMap<>();
        for (String k : keys) {
            prefixes.merge(k.contains(".") ? k.substring(0, k.indexOf('.')) : k, 1, Integer::sum);
        }
        List<String> parts = new ArrayList<>();
        prefixes.forEach((p, n) -> parts.add(n == 1 ? p : p + " (" + n + ")"));
        return parts.isEmpty() ? "none" : String.join(", ", parts);
    }
}
