package io.decisionledger.options;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;

/**
 * How a job reads the decisions topic, the option group ingest and live metrics share: {@code
 * --bootstrap-servers}, {@code --topic}, {@code --group-id}, {@code --starting-offsets}, {@code
 * --bounded} and {@code --kafka.<property> value} (security, SASL, …). Declared once here, so both
 * jobs take the same names, defaults and value rules.
 *
 * @param properties the {@code --kafka.*} client properties; they may hold secrets (SASL JAAS
 *     configuration, key store passwords), which {@link #isSecret} names
 */
public record KafkaReading(
        String bootstrapServers,
        String topic,
        String groupId,
        StartingOffsets startingOffsets,
        boolean bounded,
        Properties properties)
        implements Serializable {

    /** Where a consumer group without committed offsets starts. */
    public enum StartingOffsets {
        /** Committed group offsets; earliest when the group has none (the safe default). */
        COMMITTED,
        EARLIEST,
        LATEST
    }

    public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
    public static final String DEFAULT_TOPIC = "ai-decisions";

    /** Declares the group's options, the consumer group defaulting to {@code defaultGroupId}. */
    public static void declare(OptionTable table, String defaultGroupId) {
        table.add("bootstrap-servers", DEFAULT_BOOTSTRAP_SERVERS, "Kafka bootstrap servers.");
        table.add("topic", DEFAULT_TOPIC, "Kafka topic with AI decision events (JSON).");
        table.add("group-id", defaultGroupId, "Kafka consumer group id.");
        table.add(
                "starting-offsets",
                "committed",
                "committed | earliest | latest. 'committed' resumes the group and starts at the"
                        + " earliest offset when it has none. Restoring from a checkpoint or"
                        + " savepoint always resumes from the checkpointed offsets.");
        table.add(
                "bounded",
                "false",
                "true: stop once the offsets that were latest at start are consumed (backfills,"
                        + " the demo). false: run forever.");
        table.kafkaPassThrough();
    }

    public static KafkaReading read(OptionTable.Parsed given) {
        return new KafkaReading(
                given.value("bootstrap-servers"),
                given.value("topic"),
                given.value("group-id"),
                given.choice("starting-offsets", StartingOffsets.class),
                given.bool("bounded"),
                given.kafkaProperties());
    }

    /** The group's options as name → value, {@code kafka.<property>} included, secrets too. */
    public Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("bootstrap-servers", bootstrapServers);
        o.put("topic", topic);
        o.put("group-id", groupId);
        o.put("starting-offsets", startingOffsets.name().toLowerCase(Locale.ROOT));
        o.put("bounded", String.valueOf(bounded));
        for (String key : properties.stringPropertyNames()) {
            o.put("kafka." + key, properties.getProperty(key));
        }
        return o;
    }

    /**
     * Whether a Kafka client property holds a secret: Kafka's own password-typed settings ({@code
     * sasl.jaas.config}, {@code ssl.key.password}, …) and anything named like a password, secret,
     * token or credential.
     */
    public static boolean isSecret(String property) {
        for (ConfigDef def :
                new ConfigDef[] {ConsumerConfig.configDef(), ProducerConfig.configDef()}) {
            ConfigDef.ConfigKey key = def.configKeys().get(property);
            if (key != null && key.type == ConfigDef.Type.PASSWORD) {
                return true;
            }
        }
        String p = property.toLowerCase(Locale.ROOT);
        return p.contains("password")
                || p.contains("secret")
                || p.contains("token")
                || p.contains("credential")
                || p.contains("jaas");
    }
}
