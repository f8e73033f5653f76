package io.decisionledger.options;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Flink job's typed options record, which can render itself back as the options that give it. The
 * job registers {@link #jobParameters()} as Flink global job parameters ({@code
 * env.getConfig().setGlobalJobParameters(Configuration.fromMap(options.jobParameters()))}), so
 * Flink's web UI shows what the job runs with (the job's Configuration tab, "User Configuration").
 */
public interface JobOptions {

    /** What secret option values are shown as. */
    String HIDDEN = "(secret, not shown)";

    /**
     * Every option as name → value, as a command line would give it ({@code --kafka.<property>} as
     * {@code kafka.<property>}); options left unset are missing. Holds secret values given as Kafka
     * properties, so that re-parsing keeps them: never log or show it, show {@link
     * #jobParameters()}.
     */
    Map<String, String> options();

    /**
     * {@link #options()} with every secret value replaced by {@link #HIDDEN}: Kafka passwords and
     * JAAS configuration ({@link KafkaReading#isSecret}). Secrets that live in files or environment
     * variables are options only by the file's path or the variable's name, which are shown.
     */
    default Map<String, String> jobParameters() {
        Map<String, String> shown = new LinkedHashMap<>();
        options()
                .forEach(
                        (name, value) ->
                                shown.put(
                                        name,
                                        name.startsWith("kafka.")
                                                        && KafkaReading.isSecret(
                                                                name.substring("kafka.".length()))
                                                ? HIDDEN
                                                : value));
        return shown;
    }
}
