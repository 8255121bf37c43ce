package dev.jmae.crossmae.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Override values: JSON text, except where a string must stay a string (paths given as --data);
 * the optimizer, loader and evaluation keys.
 */
class ConfigsTest {

    @Test
    void aQuotedPathStaysTheSameStringWhateverItLooksLike() {
        for (String path : new String[] {"123", "true", "C:\\data\\fashion", "dir with \"quotes\"", "[1, 2]",
            "naïve/π"}) {
            ObjectNode base = new ObjectMapper().createObjectNode();
            Configs.override(base, Map.of("data_path", Configs.jsonString(path)));
            assertTrue(base.get("data_path").isTextual(), path + " became " + base.get("data_path").getNodeType());
            assertEquals(path, base.get("data_path").asText());
        }
    }

    @Test
    void unquotedOverridesAreParsedAsJson() {
        ObjectNode base = new ObjectMapper().createObjectNode();
        Configs.override(base, Map.of("epochs", "3", "use_fm", "[-1, -2]", "data_path", "some/dir"));
        assertTrue(base.get("epochs").isInt());
        assertEquals(2, base.get("use_fm").size());
        assertEquals("some/dir", base.get("data_path").asText());
    }

    private static ConfigException rejected(String json) {
        try {
            ObjectNode o = (ObjectNode) new ObjectMapper().readTree(json);
            return org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class, () -> Configs.resolve(o, true));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void optimizerLoaderAndEvaluationKeysHaveTheOfficialDefaultsAndAreValidated() throws Exception {
        TrainConfig t = Configs.resolve((ObjectNode) new ObjectMapper().readTree("{\"batch_size\": 16}"), true).train();
        assertEquals(java.util.List.of(0.9, 0.95), t.optBetas());
        assertEquals(1e-8, t.optEps());
        assertEquals(2, t.prefetchFactor());
        assertEquals(4, t.prefetchBatches(), "prefetch_factor x num_workers (default 2)");
        assertEquals(64, t.evalBatchSize(), "max(batch_size, 64)");
        TrainConfig big = Configs.resolve((ObjectNode) new ObjectMapper().readTree(
                "{\"batch_size\": 256, \"num_workers\": 0, \"opt_betas\": [0.8, 0.99], \"opt_eps\": 1e-6}"), true)
                .train();
        assertEquals(256, big.evalBatchSize());
        assertEquals(2, big.prefetchBatches(), "a loader without threads still counts prefetch_factor");
        assertEquals(java.util.List.of(0.8, 0.99), big.optBetas());
        assertTrue(big.toJson().has("opt_betas") && big.toJson().has("opt_eps") && big.toJson().has("prefetch_factor")
                && big.toJson().has("eval_batch_size"), "the resolved config spells the keys out");
        for (String[] c : new String[][] {{"{\"opt_betas\": [0.9]}", "opt_betas"},
            {"{\"opt_betas\": [0.9, 1.0]}", "opt_betas"},
            {"{\"opt_betas\": 0.9}", "opt_betas"}, {"{\"opt_eps\": -1}", "opt_eps"},
            {"{\"opt_eps\": \"tiny\"}", "opt_eps"},
            {"{\"prefetch_factor\": 0}", "prefetch_factor"}, {"{\"prefetch_factor\": 1.5}", "prefetch_factor"},
            {"{\"eval_batch_size\": 0}", "eval_batch_size"}}) {
            ConfigException e = rejected(c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + ": " + e.getMessage());
        }
    }
}
