package dev.jmae.crossmae.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Override values: JSON text, except where a string must stay a string (paths given as --data). */
class ConfigsTest {

    @Test
    void aQuotedPathStaysTheSameStringWhateverItLooksLike() {
        for (String path : new String[] {"123", "true", "C:\\data\\fashion", "dir with \"quotes\"", "[1, 2]", "naïve/π"}) {
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
}
