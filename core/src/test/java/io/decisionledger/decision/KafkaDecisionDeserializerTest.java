package io.decisionledger.decision;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.Collector;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The Kafka deserializer hands the producer header to the tenant bindings. */
class KafkaDecisionDeserializerTest {

    @Test
    void bindsTenantsToTheProducerHeader() throws Exception {
        byte[] loan;
        try (InputStream in = getClass().getResourceAsStream("/events/loan-decision.json")) {
            loan = in.readAllBytes();
        }
        KafkaDecisionDeserializer deserializer =
                new KafkaDecisionDeserializer(
                        ParserLimits.defaults(),
                        TenantBindings.parse(
                                "{\"producers\":{\"scoring\":[\"bank_456\"]},"
                                        + "\"producer_header\":\"x-producer\"}",
                                "test"));
        deserializer.open(context());

        List<ParsedDecision> out = new ArrayList<>();
        Collector<ParsedDecision> collector =
                new Collector<>() {
                    @Override
                    public void collect(ParsedDecision record) {
                        out.add(record);
                    }

                    @Override
                    public void close() {}
                };
        deserializer.deserialize(record(loan, 1, "scoring"), collector);
        deserializer.deserialize(record(loan, 2, "intruder"), collector);
        deserializer.deserialize(record(loan, 3, null), collector);

        assertThat(out.get(0).isAccepted()).isTrue();
        assertThat(out.get(1).rejected.getReasonCode()).isEqualTo("TENANT_NOT_ALLOWED");
        assertThat(out.get(2).rejected.getDetail())
                .isEqualTo("no x-producer header; the tenant bindings require one");
    }

    private static ConsumerRecord<byte[], byte[]> record(
            byte[] value, long offset, String producer) {
        RecordHeaders headers = new RecordHeaders();
        if (producer != null) {
            headers.add(new RecordHeader("x-producer", producer.getBytes(StandardCharsets.UTF_8)));
        }
        return new ConsumerRecord<>(
                "decisions",
                0,
                offset,
                0L,
                TimestampType.CREATE_TIME,
                -1,
                value.length,
                null,
                value,
                headers,
                Optional.empty());
    }

    private static DeserializationSchema.InitializationContext context() {
        return new DeserializationSchema.InitializationContext() {
            @Override
            public MetricGroup getMetricGroup() {
                return new UnregisteredMetricsGroup();
            }

            @Override
            public UserCodeClassLoader getUserCodeClassLoader() {
                return SimpleUserCodeClassLoader.create(getClass().getClassLoader());
            }
        };
    }
}
