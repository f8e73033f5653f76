package io.decisionledger.decision;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The reader of operator files refuses what could be read two ways, naming the line but never the
 * content; and reads a plain object as it is.
 */
class StrictJsonTest {

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void refused(String json, String message) {
        assertThatThrownBy(() -> StrictJson.readObject(utf8(json), "file.json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(message)
                .message()
                .doesNotContain("secret-user");
    }

    @Test
    void aRepeatedKeyIsRefusedNamingKeyAndLine() {
        refused(
                "{\"holds\": [{\"user_id\": \"secret-user\"}],\n\"holds\": []}",
                "file.json: a key is repeated ('holds') at line 2; a repeated key is ambiguous,"
                        + " so the file is refused");
        refused(
                "{\"a\": {\"b\": 1,\n\n \"b\": \"secret-user\"}}",
                "file.json: a key is repeated ('b') at line 3");
    }

    @Test
    void aRepeatedKeyThatLooksLikeFreeTextIsNotEchoed() {
        assertThatThrownBy(
                        () ->
                                StrictJson.readObject(
                                        utf8("{\"k\": {\"user 42 name\": 1, \"user 42 name\": 2}}"),
                                        "f"))
                .hasMessage(
                        "f: a key is repeated at line 1; a repeated key is ambiguous, so the file"
                                + " is refused");
    }

    @Test
    void brokenOrTrailingContentIsRefusedWithoutEchoingIt() {
        refused("{\"a\": 1} {\"a\": \"secret-user\"}", "file.json: not valid JSON (line 1)");
        refused("{\"a\": \"secret-user", "file.json: not valid JSON (line 1)");
        refused("[\"secret-user\"]", "file.json: must be a JSON object");
        refused("", "file.json: must be a JSON object");
    }

    @Test
    void readsAPlainObject() {
        String json = "{\"a\": [1, {\"b\": null}], \"c\": \"d\"}";
        assertThat(StrictJson.readObject(utf8(json), "f").get("c").asText()).isEqualTo("d");
        assertThat(StrictJson.readObject(utf8(json), "f").get("a").get(1).has("b")).isTrue();
    }
}
