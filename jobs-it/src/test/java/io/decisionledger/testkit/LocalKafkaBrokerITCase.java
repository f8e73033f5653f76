package io.decisionledger.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The test broker's own guarantees, on a real broker: a topic is usable when {@link
 * LocalKafkaBroker#createTopic} returns. A CI run once failed because the broker did not know a
 * topic the controller had just accepted ("This server does not host this topic-partition").
 */
class LocalKafkaBrokerITCase {

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void waitsForATopicTheBrokerDoesNotKnowYet() throws Exception {
        // given a topic that another client creates only a second after the wait begins
        String topic = "created-later";
        CompletableFuture<Void> created =
                CompletableFuture.runAsync(
                        () -> {
                            try (Admin admin =
                                    Admin.create(
                                            Map.of(
                                                    AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                                                    KAFKA.broker().bootstrapServers()))) {
                                Thread.sleep(1_000);
                                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1)))
                                        .all()
                                        .get(30, TimeUnit.SECONDS);
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });

        // when waiting for its leaders (the broker answers "unknown topic" until it exists)
        KAFKA.broker().awaitLeaders(topic, 3);

        // then the wait ends with the topic created and all three partitions led
        created.get(30, TimeUnit.SECONDS);
        assertThat(KAFKA.broker().endOffsets(topic)).containsOnlyKeys(0, 1, 2).containsValues(0L);
    }

    @Test
    void aCreatedTopicTakesRecordsAtOnce() {
        // given a topic created through the broker's helper
        KAFKA.broker().createTopic("at-once", 2);

        // when records are produced to it straight away
        KAFKA.broker()
                .produce(
                        "at-once",
                        List.of(
                                new SampleDecisions.Event(
                                        "k1", "v1".getBytes(StandardCharsets.UTF_8), "t", "e1"),
                                new SampleDecisions.Event(
                                        "k2", "v2".getBytes(StandardCharsets.UTF_8), "t", "e2")));

        // then both arrived
        assertThat(
                        KAFKA.broker().endOffsets("at-once").values().stream()
                                .mapToLong(Long::longValue)
                                .sum())
                .isEqualTo(2);
    }
}
