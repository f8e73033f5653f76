package io.decisionledger.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.RecordComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where the API key is read, on the TaskManager: only from the file or from one of the replay's own
 * variables, even when the options did not come through the command line.
 */
class ReplayFunctionTest {

    @TempDir Path work;

    private static ReplayOptions parsed(String... more) {
        String[] base = {
            "--lake", "file:///tmp/replay-function-test/lake",
            "--purpose", "test",
            "--run-id", "run-1",
            "--base-url", "https://models.example/v1"
        };
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return ReplayOptions.parse(args);
    }

    /** {@code options} with one component replaced, as code building the record could. */
    private static ReplayOptions with(ReplayOptions options, String component, Object value)
            throws Exception {
        RecordComponent[] components = ReplayOptions.class.getRecordComponents();
        Class<?>[] types = new Class<?>[components.length];
        Object[] values = new Object[components.length];
        for (int i = 0; i < components.length; i++) {
            types[i] = components[i].getType();
            values[i] =
                    components[i].getName().equals(component)
                            ? value
                            : components[i].getAccessor().invoke(options);
        }
        return ReplayOptions.class.getDeclaredConstructor(types).newInstance(values);
    }

    @Test
    void refusesToReadAKeyFromAnotherVariableEvenIfTheOptionsSaySo() throws Exception {
        // given options naming HOME (always set) as the key's variable, past the parser
        ReplayOptions options = with(parsed(), "apiKeyEnv", "HOME");
        assertThat(System.getenv("HOME")).isNotBlank();

        // then the TaskManager refuses to read it, rather than send it as a bearer token
        assertThatThrownBy(() -> ReplayFunction.apiKey(options))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("--api-key-env")
                .hasMessageContaining(ReplayOptions.API_KEY_ENV_PREFIX);
    }

    @Test
    void readsTheKeyFileOrNothing() throws Exception {
        Path keyFile = work.resolve("api.key");
        Files.writeString(keyFile, "sk-from-file\n");

        assertThat(ReplayFunction.apiKey(parsed("--api-key-file", keyFile.toString())))
                .isEqualTo("sk-from-file");
        // the default variable, DECISION_LEDGER_REPLAY_API_KEY, is not set in the tests
        assertThat(System.getenv(ReplayOptions.DEFAULT_API_KEY_ENV)).isNull();
        assertThat(ReplayFunction.apiKey(parsed())).isNull();
    }
}
