package dev.jmae.nn.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jmae.tensor.Device;
import dev.jmae.tensor.Tensor;
import dev.jmae.tensor.io.Safetensors;
import dev.jmae.tensor.io.SafetensorsFile;
import dev.jmae.tensor.testing.ParityAssert;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * A golden fixture written by {@code tools/golden/make_fixtures.py} (PyTorch), loaded for
 * comparison: its tensors, its metadata and helpers to compare results against it.
 */
public final class GoldenFile {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String name;
    private final Map<String, Tensor> tensors;
    private final Map<String, String> metadata;

    private GoldenFile(String name, Map<String, Tensor> tensors, Map<String, String> metadata) {
        this.name = name;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /**
     * Loads a fixture from the test class path onto a device.
     *
     * @param resource e.g. {@code /golden/block.safetensors}
     * @param device where the tensors go
     * @return the fixture
     */
    public static GoldenFile load(String resource, Device device) {
        URL url = GoldenFile.class.getResource(resource);
        assertNotNull(url, "missing test resource " + resource + " (written by tools/golden/make_fixtures.py)");
        try {
            return load(Path.of(url.toURI()), device);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Loads a fixture file onto a device.
     *
     * @param file the safetensors file
     * @param device where the tensors go
     * @return the fixture
     */
    public static GoldenFile load(Path file, Device device) {
        try (SafetensorsFile f = Safetensors.open(file)) {
            Map<String, Tensor> t = new LinkedHashMap<>();
            for (String n : f.names()) {
                t.put(n, f.tensor(n, device));
            }
            return new GoldenFile(file.getFileName().toString(), t, f.metadata());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the file name */
    public String name() {
        return name;
    }

    /** @param key tensor name @return the tensor, failing the test if absent */
    public Tensor get(String key) {
        Tensor t = tensors.get(key);
        assertNotNull(t, name + " has no tensor '" + key + "'; it has " + tensors.keySet());
        return t;
    }

    /** @param key tensor name @return whether present */
    public boolean has(String key) {
        return tensors.containsKey(key);
    }

    /**
     * The tensors whose names start with a prefix, with the prefix removed.
     *
     * @param prefix e.g. {@code param.}
     * @return stripped name to tensor, in file order
     */
    public Map<String, Tensor> withPrefix(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** @return the string metadata */
    public Map<String, String> metadata() {
        return metadata;
    }

    /**
     * A metadata value parsed as JSON.
     *
     * @param key e.g. {@code args} or {@code config}
     * @return the JSON tree
     */
    public JsonNode json(String key) {
        try {
            return JSON.readTree(metadata.get(key));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Asserts that actual matches the fixture's tensor to a relative tolerance measured against
     * the tensor's scale: |a - e| &lt;= rel·|e| + rel·max|e|.
     *
     * @param key the fixture tensor
     * @param actual the computed tensor
     * @param rel the relative tolerance (1e-5 forward, 1e-4 gradients in the nn golden tests)
     */
    public void assertMatches(String key, Tensor actual, double rel) {
        Tensor expected = get(key);
        double scale = ParityAssert.maxAbs(expected.toArray());
        ParityAssert.assertClose(name + " " + key, expected, actual.to(expected.device()), rel, rel * scale);
    }
}
