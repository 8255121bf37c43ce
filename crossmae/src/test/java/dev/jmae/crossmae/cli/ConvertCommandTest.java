package dev.jmae.crossmae.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmae.crossmae.config.Configs;
import dev.jmae.crossmae.testing.TorchFiles;
import dev.jmae.crossmae.train.TinyRuns;
import dev.jmae.nn.Checkpoint;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.DType;
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 20: {@code jmae convert IN OUT} writes float32 safetensors from a PyTorch {@code .pth}
 * (the state dict found in the official layout, the other small entries as JSON metadata, the
 * optimizer state left out, the official args mapped to a jmae config) and from F16/BF16/F64
 * safetensors (the values PyTorch's {@code .float()} gives); OUT is replaced atomically, so a
 * refused input leaves it as it was, and IN is never overwritten.
 */
class ConvertCommandTest {

    @TempDir
    Path dir;

    private record Outcome(int code, String out, String err) {
    }

    private static Outcome run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(args, new PrintWriter(out), new PrintWriter(err));
        return new Outcome(code, out.toString(), err.toString());
    }

    private Path fixture(String name) throws Exception {
        Path file = dir.resolve(name);
        try (InputStream in = ConvertCommandTest.class.getResourceAsStream("/io/torch/" + name)) {
            Files.copy(in, file);
        }
        return file;
    }

    /** Every tensor of got is float32 and equals the float32 twin's bit for bit. */
    private static void assertFloat32Twin(Path twin, Path got) throws Exception {
        try (SafetensorsFile e = Safetensors.open(twin); SafetensorsFile g = Safetensors.open(got)) {
            assertEquals(e.names().stream().sorted().toList(), g.names().stream().sorted().toList());
            for (String k : e.names()) {
                assertEquals(DType.F32, g.dtype(k), k);
                assertArrayEquals(e.shape(k), g.shape(k), k);
                assertArrayEquals(e.tensor(k).toArray(), g.tensor(k).toArray(), k);
            }
        }
    }

    @Test
    void aPthBecomesFloat32SafetensorsWithItsSmallEntriesAsMetadata() throws Exception {
        Path out = dir.resolve("converted.safetensors");
        Outcome o = run("convert", fixture("official_tiny.pth").toString(), out.toString());
        assertEquals(0, o.code(), o.err());
        assertFloat32Twin(fixture("official_tiny.f32.safetensors"), out);
        Map<String, String> meta;
        try (SafetensorsFile f = Safetensors.open(out)) {
            meta = f.metadata();
        }
        assertEquals("7", meta.get("epoch"));
        assertEquals("micro_crossmae", new ObjectMapper().readTree(meta.get("args")).get("model").asText());
        assertEquals("model", meta.get("source_location"));
        assertFalse(meta.containsKey("optimizer"), meta.keySet().toString());
        assertTrue(o.err().contains("left out optimizer") && o.err().contains("no config stored"), o.err());
        assertTrue(o.out().startsWith("wrote " + out + ": "), o.out());
    }

    @Test
    void halfBfloatAndDoubleSafetensorsBecomeFloat32KeepingTheirMetadata() throws Exception {
        Path in = fixture("official_tiny.safetensors");
        try (SafetensorsFile f = Safetensors.open(in)) {
            assertEquals(List.of(DType.F16, DType.BF16, DType.F64), List.of(f.dtype("patch_embed.proj.weight"),
                    f.dtype("blocks.0.mlp.fc1.weight"), f.dtype("cls_token")), "the fixture holds the three dtypes");
        }
        Path out = dir.resolve("f32.safetensors");
        Outcome o = run("convert", in.toString(), out.toString());
        assertEquals(0, o.code(), o.err());
        Path twin = fixture("official_tiny.f32.safetensors");
        assertFloat32Twin(twin, out);
        try (SafetensorsFile a = Safetensors.open(twin); SafetensorsFile b = Safetensors.open(out)) {
            assertEquals(a.metadata().get("config"), b.metadata().get("config"));
        }
    }

    @Test
    void officialArgsBecomeAJmaeConfigAndConfigGivesOneToBareWeights() throws Exception {
        Map<String, Tensor> sd = Map.of("cls_token", Tensor.zeros(1, 1, 4));
        Map<String, Object> args = new LinkedHashMap<>();
        args.put("model", "mae_vit_small_patch16");
        args.put("cross_mae", true);
        args.put("mask_ratio", 0.75);
        args.put("kept_mask_ratio", 0.25);
        args.put("lr", null);
        Path pth = TorchFiles.official(dir.resolve("args.pth"), sd, args);
        Path out = dir.resolve("args.safetensors");
        Outcome o = run("convert", pth.toString(), out.toString());
        assertEquals(0, o.code(), o.err());
        JsonNode config;
        try (SafetensorsFile f = Safetensors.open(out)) {
            config = new ObjectMapper().readTree(f.metadata().get("config"));
        }
        assertEquals("crossmae", config.get("model").asText());
        assertEquals(384, config.get("embed_dim").asInt());
        assertEquals(0.25, config.get("kept_mask_ratio").asDouble());
        assertTrue(o.err().contains("preset crossmae_vit_small_patch16"), o.err());

        // bare weights get their config from --config, and then load in reconstruct without one
        Path data = TinyRuns.dataset(dir);
        Path ckpt = TinyRuns.pretrainCheckpoint(dir, data, "crossmae");
        Path bare = TorchFiles.write(dir.resolve("bare.pth"), Checkpoint.read(ckpt).model());
        Configs.Config c = TinyRuns.config(data, "");
        Path cfg = dir.resolve("tiny.json");
        Files.writeString(cfg, c.model().toJson().setAll(c.train().toJson()).toString());
        Path converted = dir.resolve("bare.safetensors");
        assertEquals(0, run("convert", bare.toString(), converted.toString(), "--config", cfg.toString()).code());
        Outcome r = run("reconstruct", "--checkpoint", converted.toString(), "--out",
                dir.resolve("grid.png").toString(),
                "--count", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.exists(dir.resolve("grid.png")));
    }

    private static List<String> names(Path d) throws Exception {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(d)) {
            s.forEach(p -> out.add(p.getFileName().toString()));
        }
        return out.stream().sorted().toList();
    }

    @Test
    void aRefusedInputLeavesOutAsItWasAndInIsNeverOverwritten() throws Exception {
        Path evil = fixture("malicious_os_system.pth");
        Path work = dir.resolve("work");
        Files.createDirectories(work);
        Path out = work.resolve("out.safetensors");
        Files.writeString(out, "the previous file");
        Outcome o = run("convert", evil.toString(), out.toString());
        assertEquals(2, o.code(), o.err());
        assertTrue(o.err().contains("os.system"), o.err());
        assertEquals("the previous file", Files.readString(out));
        assertEquals(List.of("out.safetensors"), names(work), "no temporary file is left");

        Path in = fixture("official_tiny.safetensors");
        byte[] before = Files.readAllBytes(in);
        Outcome same = run("convert", in.toString(), in.toString());
        assertEquals(2, same.code(), same.err());
        assertTrue(same.err().contains("is IN; hint: write the converted file under another name"), same.err());
        assertArrayEquals(before, Files.readAllBytes(in));

        Outcome missing = run("convert", dir.resolve("nope.pth").toString(), out.toString());
        assertEquals(2, missing.code(), missing.err());
        assertTrue(missing.err()
                .contains("IN " + dir.resolve("nope.pth") + ": no such file (expected a .pth or .safetensors"
                        + " file)"),
                missing.err());
    }
}
