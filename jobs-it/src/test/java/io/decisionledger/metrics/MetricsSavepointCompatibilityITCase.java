package io.decisionledger.metrics;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static io.decisionledger.testing.TestFiles.copy;
import static io.decisionledger.testing.TestFiles.parquetFiles;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.testing.KafkaProgress;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.KafkaBrokerExtension;
import io.decisionledger.testkit.SampleDecisions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Savepoint compatibility of the live metrics job (issue 14). {@code
 * src/test/resources/savepoints/metrics-bd00da8/} holds a savepoint that the metrics job of commit
 * bd00da8 took after reading {@link #beforeSavepoint()} (10:00 to 10:10 on 2026-03-15) from Kafka:
 * its watermark had closed the one-minute windows up to 10:08 (their rows were written), while the
 * 10:09 minute, the 10:00 hour and the 2026-03-15 day were open, their accumulators in state. This
 * test restores it into the current code with {@code allowNonRestoredState = false}, reads {@link
 * #newDecisions()} (10:10 to 10:20) and one record per partition the next day that closes every
 * window, and checks the rows. Each test looks at one piece of state, so the one that fails names
 * what was lost:
 *
 * <ul>
 *   <li>accumulators: each hour and day window counts the decisions from before the savepoint and
 *       after it (totals, approvals, tokens, distinct users);
 *   <li>window timers: the minutes still open at the savepoint fire; those that had fired before it
 *       do not fire again;
 *   <li>de-duplication: old event ids re-sent with a time on 2026-03-13 are dropped, so no window
 *       of that day appears;
 *   <li>Kafka offsets: below the savepoint's offsets the topic holds decoys (the old records' keys,
 *       so the same partitions and offsets, but other event ids and times on 2026-03-14): no window
 *       of that day appears.
 * </ul>
 *
 * The offsets and the windows the old run had emitted are in {@code expected.json} next to the
 * savepoint.
 */
class MetricsSavepointCompatibilityITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    /** The savepoint and what its run ended on, on the test class path. */
    static final String RESOURCE = "/savepoints/metrics-bd00da8";

    static final String TOPIC = "decisions";
    static final int PARTITIONS = 2;
    static final String GROUP = "savepoint-compat-metrics";
    static final Instant START = Instant.parse("2026-03-15T10:00:00Z");

    /** After every window of 2026-03-15 plus the out-of-orderness: closes them all. */
    static final Instant NEXT_DAY = Instant.parse("2026-03-16T02:00:00Z");

    /** Decoys below the savepoint's offsets carry times on this day: read, they show up. */
    static final String DECOY_DAY = "2026-03-14";

    /** Re-sends of old event ids carry times on this day: counted, they show up. */
    static final String RESENT_DAY = "2026-03-13";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Long> GRANULARITY_MILLIS =
            Map.of("1m", 60_000L, "1h", 3_600_000L, "1d", 86_400_000L);

    @TempDir static Path work;

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
    private static Path lake;
    private static JsonNode expected;
    private static List<SampleDecisions.Event> resent;

    /**
     * The records the savepoint's run read: 120 decisions, one every 5 s from 10:00:00, cycling
     * through the three tenants and both model versions (seed 21). It must never change: the
     * savepoint's offsets count exactly these records, and its windows hold them.
     */
    static List<SampleDecisions.Event> beforeSavepoint() {
        List<SampleDecisions.Event> events = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            events.add(decision(21, i, START.plusSeconds(5L * i)));
        }
        return events;
    }

    /** 60 decisions after the savepoint, one every 10 s from 10:10:00 (seed 22). */
    static List<SampleDecisions.Event> newDecisions() {
        List<SampleDecisions.Event> events = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            events.add(decision(22, i, START.plusSeconds(600 + 10L * i)));
        }
        return events;
    }

    /** Decision i of a seed: tenant i mod 3, model version (i / 3) mod 2, so every key is busy. */
    static SampleDecisions.Event decision(long seed, int i, Instant time) {
        String tenant = SampleDecisions.TENANTS.get(i % 3);
        String version = SampleDecisions.MODEL_VERSIONS.get((i / 3) % 2);
        SampleDecisions.Event base = SampleDecisions.eventAt(seed, i, tenant, time);
        ObjectNode event = read(base.value());
        ObjectNode ai = (ObjectNode) event.get("aiInteraction");
        ai.put("modelVersion", version);
        ai.put("modelMetadataId", "meta_" + version.substring(7).replace("-", ""));
        return new SampleDecisions.Event(base.key(), bytes(event), tenant, base.eventId());
    }

    /** The live job's options, the same for the savepoint's run and the restored one. */
    static MetricsOptions options(String bootstrapServers, Path lake) {
        return MetricsOptions.parse(
                new String[] {
                    "--source", "kafka",
                    "--bootstrap-servers", bootstrapServers,
                    "--topic", TOPIC,
                    "--group-id", GROUP,
                    "--starting-offsets", "earliest",
                    "--bounded", "false",
                    "--lake", lake.toUri().toString(),
                    "--checkpoint-interval", "PT0.5S",
                    // Processing-time timers expire de-duplication state: with the default 7 days,
                    // a savepoint older than that would restore with its event ids forgotten.
                    "--dedup-ttl", "P36500D"
                    // default granularities (1m,1h,1d), out-of-orderness, idleness and lateness
                });
    }

    /**
     * Parallelism 2, RocksDB (as deploy/ configures it), no restarts, and the savepoint to restore
     * (null: none) with {@code allowNonRestoredState = false}.
     */
    static StreamExecutionEnvironment environment(MetricsOptions options, String savepoint) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, false);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        MetricsJob.configureEnvironment(env, options);
        return env;
    }

    @BeforeAll
    static void restoreTheOldSavepointAndCloseItsWindows() throws Exception {
        Path resource = resource();
        expected = JSON.readTree(resource.resolve("expected.json").toFile());
        Path savepoint = copy(resource.resolve("savepoint"), work.resolve("old-savepoint"));

        // given decoys at the offsets the old run read, on a fresh broker
        KAFKA.broker().createTopic(TOPIC, PARTITIONS);
        List<SampleDecisions.Event> decoys = new ArrayList<>();
        for (SampleDecisions.Event e : beforeSavepoint()) {
            ObjectNode decoy = read(e.value());
            decoy.put("eventId", e.eventId() + "-decoy");
            decoy.put("timestamp", timestamp(e).minus(Duration.ofDays(1)).toString());
            decoys.add(new SampleDecisions.Event(e.key(), bytes(decoy), e.tenantId(), null));
        }
        KAFKA.broker().produce(TOPIC, decoys);
        Map<Integer, Long> savepointOffsets = new TreeMap<>();
        expected.get("endOffsets")
                .fields()
                .forEachRemaining(
                        e ->
                                savepointOffsets.put(
                                        Integer.parseInt(e.getKey()), e.getValue().asLong()));
        assertThat(KafkaProgress.endOffsets(KAFKA.broker().bootstrapServers(), TOPIC, PARTITIONS))
                .as("the decoys sit at the offsets the savepoint counts")
                .isEqualTo(savepointOffsets);

        // and after them old event ids again (other content: moved two days back), new
        // decisions and the next day's first
        resent = new ArrayList<>();
        for (int k = 0; k < 12; k++) {
            SampleDecisions.Event old = beforeSavepoint().get(7 + 10 * k);
            ObjectNode again = read(old.value());
            again.put("timestamp", timestamp(old).minus(Duration.ofDays(2)).toString());
            resent.add(
                    new SampleDecisions.Event(
                            old.key(), bytes(again), old.tenantId(), old.eventId()));
        }
        List<SampleDecisions.Event> after = new ArrayList<>(resent);
        after.addAll(newDecisions());
        KAFKA.broker().produce(TOPIC, after);
        for (int p = 0; p < PARTITIONS; p++) {
            produce(KAFKA.broker().bootstrapServers(), p, decision(23, p, NEXT_DAY));
        }

        // when the current code restores the old savepoint and the watermark passed the day
        lake = work.resolve("lake");
        MetricsOptions options = options(KAFKA.broker().bootstrapServers(), lake);
        StreamExecutionEnvironment env = environment(options, savepoint.toUri().toString());
        MetricsJob.fromOptions(options).build(env);
        JobClient job = env.executeAsync("metrics-savepoint-compat");
        KafkaProgress.awaitConsumed(
                KAFKA.broker().bootstrapServers(),
                GROUP,
                job,
                KafkaProgress.endOffsets(KAFKA.broker().bootstrapServers(), TOPIC, PARTITIONS));
        awaitDayRows(job, 6);
        job.stopWithSavepoint(
                        false,
                        work.resolve("new-savepoints").toUri().toString(),
                        SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);
    }

    /** One window's numbers. */
    record Window(long total, long approved, long tokens, long users) {}

    /** granularity|tenant|model version|window start (UTC) → numbers, of these decisions. */
    static Map<String, Window> windows(List<SampleDecisions.Event> decisions) {
        Map<String, List<JsonNode>> byWindow = new TreeMap<>();
        for (SampleDecisions.Event e : decisions) {
            JsonNode d = read(e.value());
            long t = Instant.parse(d.get("timestamp").asText()).toEpochMilli();
            for (var g : GRANULARITY_MILLIS.entrySet()) {
                String key =
                        windowKey(
                                g.getKey(),
                                d.get("tenantId").asText(),
                                d.get("aiInteraction").get("modelVersion").asText(),
                                t / g.getValue() * g.getValue());
                byWindow.computeIfAbsent(key, k -> new ArrayList<>()).add(d);
            }
        }
        Map<String, Window> windows = new TreeMap<>();
        byWindow.forEach(
                (key, ds) -> {
                    Set<String> users = new HashSet<>();
                    long approved = 0;
                    long tokens = 0;
                    for (JsonNode d : ds) {
                        JsonNode ai = d.get("aiInteraction");
                        approved += ai.get("decision").get("approved").asBoolean() ? 1 : 0;
                        tokens += ai.get("response").get("tokens").asLong();
                        users.add(d.get("userId").asText());
                    }
                    windows.put(key, new Window(ds.size(), approved, tokens, users.size()));
                });
        return windows;
    }

    static String windowKey(String granularity, String tenant, String version, long start) {
        return granularity + "|" + tenant + "|" + version + "|" + Instant.ofEpochMilli(start);
    }

    /** The rows the restored job wrote, by window; fails on two rows for one window. */
    private static Map<String, Window> rows(String granularity) {
        Map<String, Window> rows = new TreeMap<>();
        for (Map<String, Object> r :
                query(
                        "SELECT tenant_id, model_version, epoch_ms(window_start) AS ws, revision,"
                                + " total_decisions, approved, response_tokens_sum, distinct_users"
                                + " FROM "
                                + table(lake.resolve("metrics/decision_metrics"))
                                + " WHERE granularity = '"
                                + granularity
                                + "'")) {
            String key =
                    windowKey(
                            granularity,
                            (String) r.get("tenant_id"),
                            (String) r.get("model_version"),
                            ((Number) r.get("ws")).longValue());
            long total = ((Number) r.get("total_decisions")).longValue();
            assertThat(((Number) r.get("revision")).longValue())
                    .as("revision of %s", key)
                    .isEqualTo(total);
            Window previous =
                    rows.put(
                            key,
                            new Window(
                                    total,
                                    ((Number) r.get("approved")).longValue(),
                                    ((Number) r.get("response_tokens_sum")).longValue(),
                                    ((Number) r.get("distinct_users")).longValue()));
            assertThat(previous).as("a second row for %s", key).isNull();
        }
        return rows;
    }

    /** The rows of windows starting on {@code date} (yyyy-MM-dd, UTC). */
    private static Map<String, Window> rowsOn(String granularity, String date) {
        Map<String, Window> rows = rows(granularity);
        rows.keySet().removeIf(k -> !k.contains("|" + date + "T"));
        return rows;
    }

    private static Instant timestamp(SampleDecisions.Event e) {
        return Instant.parse(read(e.value()).get("timestamp").asText());
    }

    private static Map<String, Window> expectedWindows(String granularity) {
        List<SampleDecisions.Event> all = new ArrayList<>(beforeSavepoint());
        all.addAll(newDecisions());
        Map<String, Window> expected = new TreeMap<>();
        windows(all)
                .forEach(
                        (k, w) -> {
                            if (k.startsWith(granularity + "|")) {
                                expected.put(k, w);
                            }
                        });
        return expected;
    }

    @Test
    void accumulatorsWereRestored_hourAndDayWindowsCountDecisionsFromBeforeAndAfterTheSavepoint() {
        for (String g : List.of("1h", "1d")) {
            Map<String, Window> want = expectedWindows(g);
            assertThat(want).hasSize(6); // 3 tenants x 2 model versions, all in one hour
            Set<String> open = new TreeSet<>();
            expected.get("openAtSavepoint").get(g).forEach(k -> open.add(k.asText()));
            assertThat(open).isEqualTo(want.keySet());
            assertThat(rowsOn(g, "2026-03-15")).as("%s rows", g).isEqualTo(want);
        }
    }

    @Test
    void timersWereRestored_minuteWindowsFireOnceAcrossTheSavepoint() {
        Set<String> emittedBefore = new TreeSet<>();
        expected.get("emittedBeforeSavepoint")
                .get("1m")
                .forEach(k -> emittedBefore.add(k.asText()));
        Set<String> openAtSavepoint = new TreeSet<>();
        expected.get("openAtSavepoint").get("1m").forEach(k -> openAtSavepoint.add(k.asText()));
        Map<String, Window> want = expectedWindows("1m");
        assertThat(emittedBefore).isNotEmpty().allMatch(want::containsKey);
        assertThat(openAtSavepoint).isNotEmpty().allMatch(want::containsKey);
        want.keySet().removeAll(emittedBefore);

        Map<String, Window> rows = rowsOn("1m", "2026-03-15");
        // a window emitted before the savepoint is not emitted again, one open at it is emitted now
        assertThat(rows.keySet())
                .doesNotContainAnyElementsOf(emittedBefore)
                .containsAll(openAtSavepoint);
        assertThat(rows).isEqualTo(want);
    }

    @Test
    void deduplicationStateWasRestored_oldEventIdsSentAgainAreNotCounted() {
        for (String g : GRANULARITY_MILLIS.keySet()) {
            assertThat(rowsOn(g, RESENT_DAY)).as("%s rows of re-sent old event ids", g).isEmpty();
        }
        assertThat(parquetFiles(lake.resolve("metrics/late_decisions"))).isEmpty();
    }

    @Test
    void kafkaOffsetsWereRestored_theDecoysBelowTheSavepointsOffsetsAreNotRead() {
        for (String g : GRANULARITY_MILLIS.keySet()) {
            assertThat(rowsOn(g, DECOY_DAY)).as("%s rows of decoys", g).isEmpty();
        }
    }

    @Test
    void altogetherEveryRowIsOneOfTheExpectedOnes() {
        Map<String, Window> want = new TreeMap<>();
        for (String g : GRANULARITY_MILLIS.keySet()) {
            want.putAll(expectedWindows(g));
        }
        expected.get("emittedBeforeSavepoint").get("1m").forEach(k -> want.remove(k.asText()));
        Map<String, Window> rows = new TreeMap<>();
        for (String g : GRANULARITY_MILLIS.keySet()) {
            rows.putAll(rows(g));
        }
        assertThat(rows).isEqualTo(want);
    }

    // ------------------------------------------------------------------ plumbing

    private static ObjectNode read(byte[] json) {
        try {
            return (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] bytes(ObjectNode json) {
        try {
            return JSON.writeValueAsBytes(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path resource() throws URISyntaxException {
        var url =
                MetricsSavepointCompatibilityITCase.class.getResource(RESOURCE + "/expected.json");
        assertThat(url).as("test resource %s/expected.json", RESOURCE).isNotNull();
        return Path.of(url.toURI()).getParent();
    }

    /** Sends one record to a given partition. */
    static void produce(String bootstrapServers, int partition, SampleDecisions.Event e) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(TOPIC, partition, e.key(), e.value()));
            producer.flush();
        }
    }

    /**
     * Waits until the 2026-03-15 day windows' rows are committed: the watermark that the next day's
     * records carry has then passed every window operator, ahead of the final savepoint's barrier.
     */
    private static void awaitDayRows(JobClient job, int rows) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (dayRows() < rows) {
            assertThat(job.getJobStatus().get(10, TimeUnit.SECONDS).isGloballyTerminalState())
                    .as("the job ended before closing its windows")
                    .isFalse();
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the day windows did not close in 60 s");
            }
            Thread.sleep(200);
        }
    }

    private static long dayRows() {
        Path dir = lake.resolve("metrics/decision_metrics/granularity=1d");
        return parquetFiles(dir).isEmpty()
                ? 0
                : count(
                        "SELECT count(*) FROM "
                                + table(dir)
                                + " WHERE window_date = DATE '2026-03-15'");
    }
}
