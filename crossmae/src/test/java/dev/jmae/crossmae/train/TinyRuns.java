package dev.jmae.crossmae.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.config.FinetuneConfig;
import dev.jmae.crossmae.data.Fixtures;
import dev.jmae.crossmae.model.MaskedAutoencoder;
import dev.jmae.nn.Checkpoint;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Generator;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A tiny synthetic dataset, CrossMAE config, pretraining checkpoint and fine-tuning configs for
 * end-to-end training tests.
 */
public final class TinyRuns {

    /** Swallows console output. */
    public static final PrintStream QUIET = new PrintStream(java.io.OutputStream.nullOutputStream());

    private TinyRuns() {
    }

    /**
     * Writes a small IDX dataset of blurred blobs (96 train and 32 test images of 16×16, 4 classes:
     * the class sets the blob's width, so features can tell them apart).
     *
     * @param dir where to create the dataset directory
     * @return the dataset directory
     * @throws IOException if writing fails
     */
    public static Path dataset(Path dir) throws IOException {
        Path d = dir.resolve("data");
        Files.createDirectories(d);
        for (String split : new String[] {"train", "t10k"}) {
            int n = split.equals("train") ? 96 : 32;
            Generator g = new Generator(split.length());
            byte[] px = new byte[n * 256];
            byte[] labels = new byte[n];
            for (int i = 0; i < n; i++) {
                int cx = 3 + g.nextInt(10);
                int cy = 3 + g.nextInt(10);
                labels[i] = (byte) (i % 4);
                for (int y = 0; y < 16; y++) {
                    for (int x = 0; x < 16; x++) {
                        double r2 = (x - cx) * (x - cx) + (y - cy) * (y - cy);
                        px[i * 256 + y * 16 + x] = (byte) Math.min(255,
                                255 * Math.exp(-r2 / (4 + labels[i])) + g.nextInt(20));
                    }
                }
            }
            Fixtures.write(d.resolve(split + "-images-idx3-ubyte.gz"),
                    Fixtures.gzip(Fixtures.idxImages(n, 16, 16, px)));
            Fixtures.write(d.resolve(split + "-labels-idx1-ubyte.gz"), Fixtures.gzip(Fixtures.idxLabels(n, labels)));
        }
        return d;
    }

    /**
     * The tiny CrossMAE config over a dataset, with extra keys merged in.
     *
     * @param data the dataset directory
     * @param extra a JSON object body to merge, e.g. {@code "\"blr\": 1.0"} (may be empty)
     * @return the resolved config
     */
    public static Configs.Config config(Path data, String extra) {
        String json = "{\"model\":\"crossmae\",\"img_size\":16,\"patch_size\":4,\"in_chans\":1,\"embed_dim\":32,\"depth\":2,"
                + "\"num_heads\":2,\"decoder_embed_dim\":16,\"decoder_depth\":2,\"decoder_num_heads\":2,\"kept_mask_ratio\":0.5,"
                + "\"batch_size\":16,\"accum_iter\":2,\"epochs\":2,\"warmup_epochs\":0.5,\"blr\":0.01,\"data_path\":\""
                + data
                + "\",\"mean\":[0.3],\"std\":[0.3],\"num_workers\":2,\"log_every\":1,\"eval_every\":1,\"save_every\":1"
                + (extra.isEmpty() ? "" : "," + extra) + "}";
        try {
            return Configs.resolve((ObjectNode) new ObjectMapper().readTree(json), true);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A pretraining checkpoint of the tiny encoder (embed_dim 32, depth 2, num_heads 2, patch 4,
     * 16 px, 1 channel), freshly initialized, with its config in the metadata as jmae pretrain writes it.
     *
     * @param dir where to write it
     * @param data the dataset directory (saved in the config)
     * @param model "crossmae" (no final encoder norm) or "mae" (with norm.*)
     * @return the checkpoint file
     * @throws IOException if writing fails
     */
    public static Path pretrainCheckpoint(Path dir, Path data, String model) throws IOException {
        String extra = model.equals("mae") ? "\"model\":\"mae\",\"weight_fm\":false,\"use_fm\":[],\"use_input\":false,"
                + "\"kept_mask_ratio\":0.75" : "";
        Configs.Config c = config(data, extra);
        MaskedAutoencoder m = MaskedAutoencoder.create(c.model(), new Generator(7), Device.CPU);
        Path file = dir.resolve(model + "-pretrain.safetensors");
        Checkpoint.save(file, m, null, java.util.Map.of("format", "jmae-pretrain-checkpoint-1", "config",
                c.model().toJson().setAll(c.train().toJson()).toString()));
        return file;
    }

    /**
     * A fine-tuning or linear-probe config of the tiny encoder over the tiny dataset (4 classes,
     * batch 16, accum_iter 2: 3 optimizer steps per epoch, 2 epochs; fine-tuning with mixup 0.8,
     * cutmix 1.0, drop_path 0.1 and the official augmentation), with extra keys merged in.
     *
     * @param data the dataset directory
     * @param recipe fine-tuning or linear probe
     * @param extra a JSON object body to merge (may be empty)
     * @return the resolved config
     */
    public static FinetuneConfig finetuneConfig(Path data, FinetuneConfig.Recipe recipe, String extra) {
        boolean ft = recipe == FinetuneConfig.Recipe.FINETUNE;
        String json = "{\"model\":\"vit\",\"input_size\":16,\"patch_size\":4,\"in_chans\":1,\"embed_dim\":32,\"depth\":2,"
                + "\"num_heads\":2,\"nb_classes\":4,\"global_pool\":true,\"batch_size\":16,\"accum_iter\":2,\"epochs\":2,"
                + "\"warmup_epochs\":0.5,\"blr\":" + (ft ? "0.01" : "0.1") + ",\"data_path\":\"" + data
                + "\",\"mean\":[0.3],"
                + "\"std\":[0.3],\"num_workers\":2,\"log_every\":1,\"eval_batch_size\":16"
                + (ft ? ",\"drop_path\":0.1,\"mixup\":0.8,\"cutmix\":1.0" : "") + (extra.isEmpty() ? "" : "," + extra)
                + "}";
        try {
            return FinetuneConfig.resolve((ObjectNode) new ObjectMapper().readTree(json), recipe);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
