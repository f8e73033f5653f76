package io.decisionledger.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The masking policy file is read strictly, like every policy file ({@code StrictJson}). */
class MaskingPolicyTest {

    @Test
    void aRepeatedKeyIsRefusedInsteadOfSilentlyDroppingDetectors(@TempDir Path dir)
            throws Exception {
        // given a policy whose second "fields" (an editing slip) would switch every detector off
        Path file = dir.resolve("policy.json");
        Files.writeString(
                file,
                """
                {"version": "t1",
                 "fields": {"prompt": ["ALL"]},
                 "fields": {}}
                """);

        // when it is loaded, then it is refused, naming the key and line
        assertThatThrownBy(() -> MaskingPolicy.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        file
                                + ": a key is repeated ('fields') at line 3; a repeated key is"
                                + " ambiguous, so the file is refused");
    }

    @Test
    void theBuiltInPolicyIsStrictJson() {
        assertThat(MaskingPolicy.builtIn().version()).isEqualTo("2026-12-05.1");
    }
}
