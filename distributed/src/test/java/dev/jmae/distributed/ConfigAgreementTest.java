package dev.jmae.distributed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ConfigAgreementTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static String diff(String a, String b) throws Exception {
        JsonNode x = JSON.readTree(a);
        JsonNode y = JSON.readTree(b);
        return ConfigAgreement.firstDifference("", x, y, 3);
    }

    @Test
    void reportsTheFirstDifferingFieldInRankZerosOrder() throws Exception {
        assertNull(diff("{\"a\": 1, \"b\": [1, 2]}", "{\"b\": [1, 2], \"a\": 1}"));
        assertNull(diff("{\"lr\": 1.5e-4}", "{\"lr\": 0.00015}"));
        assertEquals("field 'b' is 2 on rank 0 but 5 on rank 3",
                diff("{\"a\": 1, \"b\": 2, \"c\": 3}", "{\"a\": 1, \"b\": 5, \"c\": 4}"));
        assertEquals("field 'c' is missing on rank 0 but true on rank 3",
                diff("{\"a\": 1}", "{\"a\": 1, \"c\": true}"));
        assertEquals("field 'use_fm' is [0,1] on rank 0 but [0,2] on rank 3",
                diff("{\"use_fm\": [0, 1]}", "{\"use_fm\": [0, 2]}"));
        assertEquals("field 'opt.betas' is \"x\" on rank 0 but \"y\" on rank 3",
                diff("{\"opt\": {\"betas\": \"x\"}}", "{\"opt\": {\"betas\": \"y\"}}"));
    }

    @Test
    void oneRankAlwaysAgreesButInvalidJsonFails() {
        ConfigAgreement.requireSame(new SingleProcessGroup(), "{\"batch_size\": 8}");
        DistributedException e = assertThrows(DistributedException.class,
                () -> ConfigAgreement.requireSame(new SingleProcessGroup(), "{\"batch_size\": "));
        assertEquals(true, e.getMessage().startsWith("the config of rank 0 is not valid JSON"), e.getMessage());
    }
}
