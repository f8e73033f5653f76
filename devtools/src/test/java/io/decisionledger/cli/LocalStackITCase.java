package io.decisionledger.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.testkit.LocalKafkaBroker;
import io.decisionledger.testkit.LocalS3Store;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local stack's launchers start real services in their own JVMs and leave nothing behind. */
class LocalStackITCase {
    private static final Path STACK_DIR =
            Path.of(System.getProperty("decisionledger.stack.dir", "../deploy/local"));

    @TempDir Path tmp;

    @Test
    void kafkaBrokerStoresAndServesRecordsThenStops() throws Exception {
        LocalKafkaBroker broker = LocalKafkaBroker.start(STACK_DIR, tmp.resolve("kafka"));
        ProcessHandle jvm = broker.processHandle();
        try (broker) {
            broker.createTopic("decisions", 2);
            List<String> sent =
                    IntStream.range(0, 10).mapToObj(i -> "value-" + i).collect(Collectors.toList());

            try (KafkaProducer<String, String> producer =
                    new KafkaProducer<>(
                            Map.of(
                                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    broker.bootstrapServers(),
                                    ProducerConfig.ACKS_CONFIG,
                                    "all"),
                            new StringSerializer(),
                            new StringSerializer())) {
                for (int i = 0; i < sent.size(); i++) {
                    // Keys spread the records over both partitions.
                    producer.send(new ProducerRecord<>("decisions", "key-" + i, sent.get(i))).get();
                }
            }

            List<ConsumerRecord<String, String>> received = new ArrayList<>();
            try (KafkaConsumer<String, String> consumer =
                    new KafkaConsumer<>(
                            Map.of(
                                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    broker.bootstrapServers(),
                                    ConsumerConfig.GROUP_ID_CONFIG,
                                    "local-stack-test",
                                    ConsumerConfig.AUTO_OFFSET_RESET_CONFIG,
                                    "earliest"),
                            new StringDeserializer(),
                            new StringDeserializer())) {
                consumer.subscribe(List.of("decisions"));
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (received.size() < sent.size() && System.nanoTime() < deadline) {
                    consumer.poll(Duration.ofMillis(500)).forEach(received::add);
                }
            }

            assertThat(received)
                    .extracting(ConsumerRecord::value)
                    .containsExactlyInAnyOrderElementsOf(sent);
            assertThat(received).extracting(ConsumerRecord::partition).containsOnly(0, 1);
        }
        assertThat(jvm.isAlive()).isFalse();
    }

    @Test
    void s3StoreAnswersAndRejectsUnsignedRequestsThenStops() throws Exception {
        LocalS3Store store = LocalS3Store.start(STACK_DIR, tmp.resolve("s3"));
        ProcessHandle jvm = store.processHandle();
        try (store) {
            Path bucket = store.createBucket("lake");
            assertThat(bucket).isDirectory().isEqualTo(tmp.resolve("s3").resolve("lake"));
            assertThat(store.bucketDir("lake")).isEqualTo(bucket);
            // s3proxy would ignore such a folder; too short for S3.
            assertThatThrownBy(() -> store.createBucket("b1"))
                    .isInstanceOf(IllegalArgumentException.class);

            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> listBuckets =
                    http.send(
                            HttpRequest.newBuilder(URI.create(store.endpoint() + "/")).build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(listBuckets.statusCode()).isEqualTo(403);
            assertThat(listBuckets.body()).contains("<Code>AccessDenied</Code>");

            HttpResponse<String> put =
                    http.send(
                            HttpRequest.newBuilder(URI.create(store.endpoint() + "/lake/x.txt"))
                                    .PUT(HttpRequest.BodyPublishers.ofString("not allowed"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(put.statusCode()).isEqualTo(403);
            try (var files = Files.list(bucket)) {
                assertThat(files).isEmpty();
            }
        }
        assertThat(jvm.isAlive()).isFalse();
    }

    @Test
    void missingStackExplainsHowToBuildIt() {
        assertThatThrownBy(() -> LocalKafkaBroker.start(tmp.resolve("nowhere"), tmp.resolve("k")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("mvn -B -DskipTests install");
        assertThatThrownBy(() -> LocalS3Store.start(tmp.resolve("nowhere"), tmp.resolve("s")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("mvn -B -DskipTests install");
    }
}
