package io.decisionledger.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * How far an unbounded job has read a topic, from the broker's side: the topic's end offsets and
 * the consumer group's committed offsets (committed when a checkpoint completes, so everything
 * before them has been processed). The savepoint tests stop a live job once it has read what they
 * produced.
 */
public final class KafkaProgress {

    private KafkaProgress() {}

    public static Admin admin(String bootstrapServers) {
        return Admin.create(
                Map.of(
                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                        AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5_000,
                        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10_000));
    }

    /** The topic's end offset per partition. */
    public static Map<Integer, Long> endOffsets(
            String bootstrapServers, String topic, int partitions) throws Exception {
        try (Admin admin = admin(bootstrapServers)) {
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            for (int p = 0; p < partitions; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<Integer, Long> offsets = new TreeMap<>();
            admin.listOffsets(latest)
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .forEach((tp, info) -> offsets.put(tp.partition(), info.offset()));
            return offsets;
        }
    }

    /**
     * Waits until the job's consumer group has committed {@code end} on every partition: the job
     * commits offsets when a checkpoint completes, so everything before them has been processed.
     * Says nothing about what the job made of the records, so it holds whether state was restored
     * or not.
     */
    public static void awaitConsumed(
            String bootstrapServers, String group, JobClient job, Map<Integer, Long> end)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        try (Admin admin = admin(bootstrapServers)) {
            while (true) {
                Map<Integer, Long> committed = new TreeMap<>();
                for (Map.Entry<TopicPartition, OffsetAndMetadata> e :
                        admin.listConsumerGroupOffsets(group)
                                .partitionsToOffsetAndMetadata()
                                .get(30, TimeUnit.SECONDS)
                                .entrySet()) {
                    if (e.getValue() != null) {
                        committed.put(e.getKey().partition(), e.getValue().offset());
                    }
                }
                if (committed.equals(end)) {
                    return;
                }
                assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState())
                        .as("the restored job ended before reading the topic")
                        .isFalse();
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            "the job did not consume the topic in 120 s: committed "
                                    + committed
                                    + ", end "
                                    + end);
                }
                Thread.sleep(200);
            }
        }
    }
}
