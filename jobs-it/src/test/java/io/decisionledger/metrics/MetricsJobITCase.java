package io.decisionledger.metrics;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.DecisionMetrics;
import io.decisionledger.schema.LateDecision;
import io.decisionledger.testing.CollectingSink;
import io.decisionledger.testing.DuckDbLake;
import io.decisionledger.testing.InMemoryDecisions;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.Proves;
import io.decisionledger.testkit.LocalKafkaBroker;
import io.decisionledger.testkit.SampleDecisions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The read model's central promise, on a real MiniCluster: the live metrics pipeline reads a topic
 * with out-of-order and late decisions (plus malformed records and producer re-sends), fed from
 * memory through the Kafka source's reader; the ingest pipeline stores the same records in the
 * audit lake; a batch rebuild of the read model from that lake (MetricsJob with its production
 * source and sinks) then has exactly the live job's current rows, and every number in them equals a
 * direct DuckDB query over the audit lake. DuckDB also runs the dashboard query of docs/lake.md.
 * One test runs the live MetricsJob as production does, bounded from a real Kafka broker with an
 * output topic: the same rows, every revision also on the topic as JSON.
 */
class MetricsJobITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "decisions";
    private static final String ROWS_TOPIC = "metrics-live";
    private static final Instant START = Instant.parse("2026-03-15T23:10:00Z");
    private static final int VALID = 540;
    private static final int RESENT = 8;

    @TempDir static Path work;

    private static List<SampleDecisions.Event> events;
    private static Path auditLake;
    private static Path liveLake;
    private static Path branchLake;
    private static int lateInTopic;
    private static List<String> foldersIngestWroteWithoutTheBranch;

    @BeforeAll
    static void runLiveIngestAndRebuild() throws Exception {
        // given a topic whose decisions arrive out of order, some of them minutes late
        events = timeline();
        auditLake = work.resolve("lake");
        liveLake = work.resolve("live");

        // when the ingest job stores it
        IngestRun.ingestInMemory(events, TOPIC, auditLake.toUri().toString());
        foldersIngestWroteWithoutTheBranch = folders(auditLake);

        // and the ingest job with its metrics branch stores the same records in another lake
        branchLake = work.resolve("ingest-with-branch");
        IngestRun.ingestInMemory(
                events,
                TOPIC,
                IngestRun.boundedOptions("in-memory:9092", TOPIC, branchLake.toUri().toString())
                        .with(
                                "metrics", "true",
                                "metrics-max-out-of-orderness", "PT30S",
                                "metrics-allowed-lateness", "PT1H"));

        // and the live metrics job reads the same records
        MetricsOptions live = liveOptions("in-memory:9092", liveLake);
        StreamExecutionEnvironment env = environment(live);
        MetricsPipeline.live(
                        live,
                        InMemoryDecisions.source(TOPIC, events, live.parserLimits()),
                        new MetricsPipeline.Sinks(
                                MetricsJob.metricsSink(live), MetricsJob.lateSink(live), null))
                .build(env);
        env.execute("metrics-live-it");

        // and the read model is rebuilt in batch from the audit lake
        MetricsOptions rebuild =
                MetricsOptions.parse(
                        new String[] {"--source", "lake", "--lake", auditLake.toUri().toString()});
        env = environment(rebuild);
        MetricsJob.fromOptions(rebuild).build(env);
        env.execute("metrics-rebuild-it");
    }

    private static MetricsOptions liveOptions(String bootstrapServers, Path lake) {
        return MetricsOptions.parse(
                new String[] {
                    "--bootstrap-servers", bootstrapServers,
                    "--topic", TOPIC,
                    "--group-id", "metrics-it",
                    "--starting-offsets", "earliest",
                    "--bounded", "true",
                    "--lake", lake.toUri().toString(),
                    "--checkpoint-interval", "PT0.5S",
                    "--max-out-of-orderness", "PT30S",
                    "--allowed-lateness", "PT1H"
                });
    }

    private static StreamExecutionEnvironment environment(MetricsOptions options) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        MetricsJob.configureEnvironment(env, options);
        return env;
    }

    /**
     * 540 decisions every ~10 s from 23:10 to 00:40 (two UTC days, three hours), with up to 15 s of
     * jitter, and every 12th decision held back by 7 minutes (beyond the 30 s out-of-orderness,
     * within the hour of allowed lateness). Outcomes, confidences, finish reasons and tokens vary;
     * malformed records and exact re-sends are mixed in.
     */
    private static List<SampleDecisions.Event> timeline() throws IOException {
        Random random = new Random(2026);
        List<SampleDecisions.Event> valid = new ArrayList<>();
        Map<SampleDecisions.Event, Long> arrival = new HashMap<>();
        for (int i = 0; i < VALID; i++) {
            String tenant = SampleDecisions.TENANTS.get(random.nextInt(3));
            Instant time = START.plusSeconds(10L * i).plusMillis(random.nextInt(15_000));
            SampleDecisions.Event e = vary(SampleDecisions.eventAt(7, i, tenant, time), i);
            valid.add(e);
            boolean late = i % 12 == 5;
            lateInTopic += late ? 1 : 0;
            arrival.put(e, time.toEpochMilli() + (late ? 7 * 60_000 : 0));
        }
        List<SampleDecisions.Event> events = new ArrayList<>(valid);
        events.sort(Comparator.comparingLong(arrival::get));
        String[] malformed = {"not json at all", "", "[1,2,3]", "{\"eventType\":\"AI_DECISION\"}"};
        for (int k = 0; k < malformed.length; k++) {
            events.add(
                    40 * (k + 1),
                    new SampleDecisions.Event(
                            "malformed-" + k,
                            malformed[k].getBytes(StandardCharsets.UTF_8),
                            null,
                            null));
        }
        for (int k = 0; k < RESENT; k++) {
            events.add(valid.get(random.nextInt(VALID))); // exact re-sends, after their original
        }
        return events;
    }

    /** Varies the sample's uniform decisions so every column of the read model is exercised. */
    private static SampleDecisions.Event vary(SampleDecisions.Event e, int i) throws IOException {
        ObjectNode event = (ObjectNode) JSON.readTree(e.value());
        ObjectNode ai = (ObjectNode) event.get("aiInteraction");
        ObjectNode response = (ObjectNode) ai.get("response");
        if (i % 17 == 3) {
            ai.remove("decision");
        } else if (i % 13 == 4) {
            ((ObjectNode) ai.get("decision")).remove("confidence");
        }
        if (i % 7 == 1) {
            response.put("finishReason", "length");
        } else if (i % 11 == 2) {
            response.put("finishReason", "content_filter");
        } else if (i % 19 == 6) {
            response.remove("finishReason");
        } else if (i % 23 == 7) {
            response.put("finishReason", "end_turn");
        } else if (i % 29 == 8) {
            response.put("finishReason", "tool_calls");
        }
        if (i % 31 == 9) {
            response.remove("tokens");
        }
        return new SampleDecisions.Event(
                e.key(), JSON.writeValueAsBytes(event), e.tenantId(), e.eventId());
    }

    private static String audit() {
        return table(auditLake.resolve("audit/decisions"));
    }

    private static String liveRows() {
        return table(liveLake.resolve("metrics/decision_metrics"));
    }

    private static String branchRows() {
        return table(branchLake.resolve("metrics/decision_metrics"));
    }

    /** The lake's folders two levels down (audit/decisions, chain/heads, quarantine/…). */
    private static List<String> folders(Path lake) throws IOException {
        try (Stream<Path> paths = Files.walk(lake, 2)) {
            return paths.filter(Files::isDirectory)
                    .map(p -> lake.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.isEmpty() && !p.contains("="))
                    .sorted()
                    .toList();
        }
    }

    private static String rebuiltRows() {
        return table(auditLake.resolve("metrics/decision_metrics"));
    }

    /** The current row of every window: the highest revision. */
    private static String current(String rows) {
        return "(SELECT * FROM "
                + rows
                + " QUALIFY row_number() OVER (PARTITION BY granularity, tenant_id, model,"
                + " model_version, window_start ORDER BY revision DESC) = 1)";
    }

    @Test
    void theRebuildHasExactlyTheLiveJobsCurrentRows() {
        long liveCurrent = count("SELECT count(*) FROM " + current(liveRows()));
        long rebuilt = count("SELECT count(*) FROM " + rebuiltRows());

        // three granularities over 90 minutes, 3 tenants, 2 model versions
        assertThat(rebuilt).isGreaterThan(300);
        assertThat(liveCurrent).isEqualTo(rebuilt);
        // a batch run writes each window once
        assertThat(count("SELECT count(*) FROM " + current(rebuiltRows()))).isEqualTo(rebuilt);
        // every column, every value, compared both ways
        assertThat(
                        count(
                                "SELECT count(*) FROM (SELECT * FROM "
                                        + current(liveRows())
                                        + " EXCEPT SELECT * FROM "
                                        + rebuiltRows()
                                        + ")"))
                .isZero();
        assertThat(
                        count(
                                "SELECT count(*) FROM (SELECT * FROM "
                                        + rebuiltRows()
                                        + " EXCEPT SELECT * FROM "
                                        + current(liveRows())
                                        + ")"))
                .isZero();
        // every row of the live job is a revision of a window the rebuild has, never above it
        assertThat(
                        count(
                                "SELECT count(*) FROM "
                                        + liveRows()
                                        + " l JOIN "
                                        + rebuiltRows()
                                        + " r USING (granularity, tenant_id, model, model_version,"
                                        + " window_start) WHERE l.revision > r.revision"))
                .isZero();
        assertThat(lateInTopic).isEqualTo(45);
    }

    @Test
    void theIngestJobsMetricsBranchHasExactlyTheLiveJobsCurrentRows() throws IOException {
        long rebuilt = count("SELECT count(*) FROM " + rebuiltRows());
        assertThat(rebuilt).isGreaterThan(300);
        assertThat(count("SELECT count(*) FROM " + current(branchRows()))).isEqualTo(rebuilt);
        // every column, every value, compared both ways: with the rebuild, and with the live job
        for (String other : List.of(rebuiltRows(), current(liveRows()))) {
            assertThat(
                            count(
                                    "SELECT count(*) FROM (SELECT * FROM "
                                            + current(branchRows())
                                            + " EXCEPT SELECT * FROM "
                                            + other
                                            + ")"))
                    .isZero();
            assertThat(
                            count(
                                    "SELECT count(*) FROM (SELECT * FROM "
                                            + other
                                            + " EXCEPT SELECT * FROM "
                                            + current(branchRows())
                                            + ")"))
                    .isZero();
        }
        // a revision is the number of decisions covered: never above the window's full count
        assertThat(
                        count(
                                "SELECT count(*) FROM "
                                        + branchRows()
                                        + " b JOIN "
                                        + rebuiltRows()
                                        + " r USING (granularity, tenant_id, model, model_version,"
                                        + " window_start) WHERE b.revision > r.revision"))
                .isZero();
        assertThat(
                        LakeFiles.parquetFiles(
                                LakeLayout.at(branchLake.toUri().toString()).lateDecisions()))
                .isEmpty();
    }

    @Test
    void theMetricsBranchLeavesWhatIngestStoresUnchanged() {
        // without the branch ingest writes no read model; with it, the read model and no more
        assertThat(foldersIngestWroteWithoutTheBranch)
                .noneMatch(f -> f.startsWith("metrics"))
                .contains("audit/decisions", "ops/decisions", "quarantine", "chain/heads");
        List<String> withBranch = new ArrayList<>();
        withBranch.addAll(foldersIngestWroteWithoutTheBranch);
        withBranch.addAll(List.of("metrics", "metrics/decision_metrics"));
        try {
            assertThat(folders(branchLake)).containsExactlyInAnyOrderElementsOf(withBranch);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }

        // and the same records, column for column, but for what differs between any two runs:
        // ingest time, per-record salts and the hashes over them, the source's read time, and
        // the order in which two source readers' records reached a chain
        Map<String, String> varying =
                Map.of(
                        "audit/decisions",
                        "ingest_time, content_sha256, field_salt, chain_seq, prev_hash, hash",
                        "ops/decisions",
                        "ingest_time, content_sha256",
                        "quarantine",
                        "ingest_time, source_timestamp, chain_seq, prev_hash, hash");
        for (var folder : varying.entrySet()) {
            String without =
                    "(SELECT * EXCLUDE ("
                            + folder.getValue()
                            + ") FROM "
                            + table(auditLake.resolve(folder.getKey()))
                            + ")";
            String with =
                    "(SELECT * EXCLUDE ("
                            + folder.getValue()
                            + ") FROM "
                            + table(branchLake.resolve(folder.getKey()))
                            + ")";
            long rows = count("SELECT count(*) FROM " + without);
            assertThat(rows).as(folder.getKey()).isPositive();
            assertThat(count("SELECT count(*) FROM " + with)).as(folder.getKey()).isEqualTo(rows);
            assertThat(count("SELECT count(*) FROM (" + without + " EXCEPT ALL " + with + ")"))
                    .as(folder.getKey())
                    .isZero();
        }
        // every chain is as long, with or without the branch
        String lengths =
                "SELECT tenant_id, max(chain_seq) AS n, count(*) AS c FROM %s GROUP BY ALL";
        assertThat(
                        query(
                                lengths.formatted(table(branchLake.resolve("audit/decisions")))
                                        + " ORDER BY 1"))
                .isEqualTo(
                        query(
                                lengths.formatted(table(auditLake.resolve("audit/decisions")))
                                        + " ORDER BY 1"));
    }

    @Test
    void noDecisionWasTooLateForTheLiveReadModel() throws IOException {
        assertThat(
                        LakeFiles.parquetFiles(
                                LakeLayout.at(liveLake.toUri().toString()).lateDecisions()))
                .isEmpty();
    }

    @Test
    @Proves({"EU-AI-Act-Art-72", "SR-26-2-monitoring"})
    void everyGranularityEqualsADirectCountOverTheAuditLake() {
        assertThat(count("SELECT count(*) FROM " + audit())).isEqualTo(VALID);
        for (var g : Map.of("1m", 60_000L, "1h", 3_600_000L, "1d", 86_400_000L).entrySet()) {
            String direct =
                    "SELECT tenant_id, model, model_version,"
                            + " (epoch_ms(event_time) // "
                            + g.getValue()
                            + ") * "
                            + g.getValue()
                            + " AS ws, count(*) AS n,"
                            + " count(*) FILTER (decision_approved) AS approved,"
                            + " count(*) FILTER (NOT decision_approved) AS denied,"
                            + " count(*) FILTER (decision_approved IS NULL) AS no_decision,"
                            + " count(decision_confidence) AS confidence_count,"
                            + " avg(decision_confidence) AS mean, min(decision_confidence) AS lo,"
                            + " max(decision_confidence) AS hi,"
                            + " quantile_disc(round(decision_confidence, 3), 0.5) AS p50,"
                            + " quantile_disc(round(decision_confidence, 3), 0.9) AS p90,"
                            + " quantile_disc(round(decision_confidence, 3), 0.99) AS p99,"
                            + " coalesce(sum(response_tokens), 0) AS tokens,"
                            + " count(*) FILTER (response_finish_reason = 'stop') AS stop,"
                            + " count(*) FILTER (response_finish_reason = 'length') AS length,"
                            + " count(*) FILTER (response_finish_reason = 'content_filter') AS cf,"
                            + " count(*) FILTER (response_finish_reason = 'tool_calls') AS tools,"
                            + " count(*) FILTER (response_finish_reason NOT IN ('stop', 'length',"
                            + " 'content_filter', 'tool_calls')) AS other,"
                            + " count(*) FILTER (response_finish_reason IS NULL) AS missing,"
                            + " count(DISTINCT user_id) AS users"
                            + " FROM "
                            + audit()
                            + " GROUP BY ALL";
            String model =
                    "SELECT *, epoch_ms(window_start) AS ws FROM "
                            + current(liveRows())
                            + " WHERE granularity = '"
                            + g.getKey()
                            + "'";
            String mismatches =
                    "SELECT count(*) FROM ("
                            + direct
                            + ") a FULL OUTER JOIN ("
                            + model
                            + ") m USING (tenant_id, model, model_version, ws) WHERE"
                            + " a.n IS DISTINCT FROM m.total_decisions"
                            + " OR m.revision IS DISTINCT FROM a.n"
                            + " OR a.approved IS DISTINCT FROM m.approved"
                            + " OR a.denied IS DISTINCT FROM m.denied"
                            + " OR a.no_decision IS DISTINCT FROM m.no_decision"
                            + " OR abs(m.approval_rate - a.approved / a.n) > 1e-15"
                            + " OR abs(m.denial_rate - a.denied / a.n) > 1e-15"
                            + " OR a.confidence_count IS DISTINCT FROM m.confidence_count"
                            + " OR abs(a.mean - m.confidence_mean) > 1e-12"
                            + " OR (a.mean IS NULL) <> (m.confidence_mean IS NULL)"
                            + " OR a.lo IS DISTINCT FROM m.confidence_min"
                            + " OR a.hi IS DISTINCT FROM m.confidence_max"
                            + " OR a.p50 IS DISTINCT FROM m.confidence_p50"
                            + " OR a.p90 IS DISTINCT FROM m.confidence_p90"
                            + " OR a.p99 IS DISTINCT FROM m.confidence_p99"
                            + " OR a.tokens IS DISTINCT FROM m.response_tokens_sum"
                            + " OR a.stop IS DISTINCT FROM m.finish_reason_stop"
                            + " OR a.length IS DISTINCT FROM m.finish_reason_length"
                            + " OR a.cf IS DISTINCT FROM m.finish_reason_content_filter"
                            + " OR a.tools IS DISTINCT FROM m.finish_reason_tool_calls"
                            + " OR a.other IS DISTINCT FROM m.finish_reason_other"
                            + " OR a.missing IS DISTINCT FROM m.finish_reason_missing"
                            // fewer than 384 users per window: the HLL sketch is exact there
                            + " OR a.users IS DISTINCT FROM m.distinct_users";
            assertThat(count(mismatches)).as("mismatched %s windows", g.getKey()).isZero();
            assertThat(count("SELECT count(*) FROM (" + model + ")"))
                    .isEqualTo(count("SELECT count(*) FROM (" + direct + ")"));
        }
        // and the data really has what the columns count
        assertThat(
                        count(
                                "SELECT sum(no_decision) FROM "
                                        + current(liveRows())
                                        + " WHERE granularity = '1d'"))
                .isPositive();
        assertThat(
                        count(
                                "SELECT sum(finish_reason_other + finish_reason_missing + finish_reason_tool_calls) FROM "
                                        + current(liveRows())
                                        + " WHERE granularity = '1d'"))
                .isPositive();
        assertThat(
                        count(
                                "SELECT sum(total_decisions) FROM "
                                        + current(liveRows())
                                        + " WHERE granularity = '1d'"))
                .isEqualTo(VALID);
        assertThat(count("SELECT count(DISTINCT window_date) FROM " + rebuiltRows())).isEqualTo(2);
    }

    @Test
    void theReadmeDashboardQueryAndMetricsTodayAgreeWithTheAuditLake() throws IOException {
        LocalDate day = LocalDate.parse("2026-03-15");
        String sql =
                documentedDashboardQuery()
                        .replace("/path/to/lake", liveLake.toString())
                        .replace("(now() AT TIME ZONE 'UTC')::DATE", "DATE '" + day + "'");
        List<Map<String, Object>> dashboard = query(sql);
        List<Map<String, Object>> direct =
                query(
                        "SELECT model, model_version, count(*) AS decisions,"
                                + " count(*) FILTER (decision_approved) / count(*) AS approval_rate,"
                                + " count(*) FILTER (NOT decision_approved) / count(*) AS denial_rate"
                                + " FROM "
                                + audit()
                                + " WHERE tenant_id = 'bank_456' AND event_date = DATE '"
                                + day
                                + "' GROUP BY ALL ORDER BY ALL");
        assertThat(dashboard).hasSize(2).hasSameSizeAs(direct);
        for (int i = 0; i < direct.size(); i++) {
            Map<String, Object> d = direct.get(i);
            Map<String, Object> r = dashboard.get(i);
            assertThat(r.get("model_version")).isEqualTo(d.get("model_version"));
            assertThat(((Number) r.get("decisions")).longValue())
                    .isEqualTo(((Number) d.get("decisions")).longValue());
            assertThat((Double) r.get("approval_rate"))
                    .isCloseTo(
                            (Double) d.get("approval_rate"),
                            org.assertj.core.data.Offset.offset(1e-12));
            assertThat((Double) r.get("denial_rate"))
                    .isCloseTo(
                            (Double) d.get("denial_rate"),
                            org.assertj.core.data.Offset.offset(1e-12));
        }

        // the CLI command reads the same numbers from the Parquet files
        List<TodayDashboard.ModelTotals> cli =
                TodayDashboard.print(
                        new TodayDashboard.Options(
                                LakeLayout.at(liveLake.toUri().toString()), "bank_456", day, null),
                        System.out);
        assertThat(cli).hasSize(direct.size());
        for (int i = 0; i < direct.size(); i++) {
            assertThat(cli.get(i).modelVersion()).isEqualTo(direct.get(i).get("model_version"));
            assertThat(cli.get(i).decisions())
                    .isEqualTo(((Number) direct.get(i).get("decisions")).longValue());
            assertThat(cli.get(i).approvalRate())
                    .isCloseTo(
                            (Double) direct.get(i).get("approval_rate"),
                            org.assertj.core.data.Offset.offset(1e-12));
        }
        assertThat(cli)
                .allSatisfy(
                        t ->
                                assertThat(t.through())
                                        .isBetween(
                                                Instant.parse("2026-03-15T23:50:00Z"),
                                                Instant.parse("2026-03-16T00:00:00Z")));
    }

    private static String documentedDashboardQuery() throws IOException {
        String readme = Files.readString(Path.of("..", "docs", "lake.md"));
        int marker = readme.indexOf("<!-- dashboard-query -->");
        assertThat(marker).as("docs/lake.md marks its dashboard query").isPositive();
        int start = readme.indexOf("```sql", marker) + "```sql".length();
        return readme.substring(start, readme.indexOf("```", start)).strip();
    }

    @Test
    void writesTheDocumentedLayoutAndColumns() throws IOException {
        Path root = liveLake.resolve("metrics/decision_metrics");
        try (Stream<Path> files = Files.walk(root)) {
            assertThat(
                            files.filter(Files::isRegularFile)
                                    .map(p -> root.relativize(p).toString())
                                    .toList())
                    .isNotEmpty()
                    .allMatch(
                            p ->
                                    p.matches(
                                            "granularity=(1m|1h|1d)/tenant_id=[a-z_0-9]+/window_date=2026-03-1[56]/part-[^/]+\\.parquet"));
        }
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("granularity", "VARCHAR");
        expected.put("tenant_id", "VARCHAR");
        expected.put("model", "VARCHAR");
        expected.put("model_version", "VARCHAR");
        expected.put("window_start", "TIMESTAMP WITH TIME ZONE");
        expected.put("window_end", "TIMESTAMP WITH TIME ZONE");
        expected.put("revision", "BIGINT");
        expected.put("total_decisions", "BIGINT");
        expected.put("approved", "BIGINT");
        expected.put("denied", "BIGINT");
        expected.put("no_decision", "BIGINT");
        expected.put("approval_rate", "DOUBLE");
        expected.put("denial_rate", "DOUBLE");
        expected.put("confidence_count", "BIGINT");
        expected.put("confidence_mean", "DOUBLE");
        expected.put("confidence_min", "DOUBLE");
        expected.put("confidence_max", "DOUBLE");
        expected.put("confidence_p50", "DOUBLE");
        expected.put("confidence_p90", "DOUBLE");
        expected.put("confidence_p99", "DOUBLE");
        expected.put("response_tokens_sum", "BIGINT");
        expected.put("finish_reason_stop", "BIGINT");
        expected.put("finish_reason_length", "BIGINT");
        expected.put("finish_reason_content_filter", "BIGINT");
        expected.put("finish_reason_tool_calls", "BIGINT");
        expected.put("finish_reason_other", "BIGINT");
        expected.put("finish_reason_missing", "BIGINT");
        expected.put("distinct_users", "BIGINT");
        expected.put("window_date", "DATE");
        assertThat(DuckDbLake.describe(root)).containsExactlyEntriesOf(expected);
    }

    @Test
    void theJobReadsTheTopicBoundedAndSendsEveryRowRevisionToTheOutputTopicAsJson()
            throws Exception {
        // given the same records on a two-partition topic of a real broker
        Path kafkaLake = work.resolve("live-from-kafka");
        List<JsonNode> messages = new ArrayList<>();
        try (LocalKafkaBroker kafka =
                LocalKafkaBroker.start(
                        Path.of(System.getProperty("decisionledger.stack.dir")),
                        work.resolve("kafka"))) {
            kafka.createTopic(TOPIC, 2);
            kafka.createTopic(ROWS_TOPIC, 1);
            IngestRun.produce(kafka.bootstrapServers(), TOPIC, events);

            // when the live job reads it as main runs it, bounded, with an output topic
            MetricsOptions live =
                    liveOptions(kafka.bootstrapServers(), kafkaLake)
                            .with("output-topic", ROWS_TOPIC);
            StreamExecutionEnvironment env = environment(live);
            MetricsJob.fromOptions(live).build(env);
            env.execute("metrics-live-kafka-it");

            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            try (KafkaConsumer<byte[], byte[]> consumer =
                    new KafkaConsumer<>(
                            props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                TopicPartition p = new TopicPartition(ROWS_TOPIC, 0);
                consumer.assign(List.of(p));
                consumer.seekToBeginning(List.of(p));
                long end = consumer.endOffsets(List.of(p)).get(p);
                while (consumer.position(p) < end) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
                        messages.add(JSON.readTree(r.value()));
                    }
                }
            }
        }
        String kafkaRows = table(kafkaLake.resolve("metrics/decision_metrics"));

        // then its current rows are the rebuild's, and nothing was too late
        assertThat(count("SELECT count(*) FROM " + current(kafkaRows)))
                .isEqualTo(count("SELECT count(*) FROM " + rebuiltRows()));
        assertThat(
                        count(
                                "SELECT count(*) FROM (SELECT * FROM "
                                        + current(kafkaRows)
                                        + " EXCEPT SELECT * FROM "
                                        + rebuiltRows()
                                        + ")"))
                .isZero();
        assertThat(
                        count(
                                "SELECT count(*) FROM (SELECT * FROM "
                                        + rebuiltRows()
                                        + " EXCEPT SELECT * FROM "
                                        + current(kafkaRows)
                                        + ")"))
                .isZero();
        assertThat(
                        LakeFiles.parquetFiles(
                                LakeLayout.at(kafkaLake.toUri().toString()).lateDecisions()))
                .isEmpty();

        // and every row revision also reached the output topic as JSON
        assertThat((long) messages.size()).isEqualTo(count("SELECT count(*) FROM " + kafkaRows));
        // the current revisions on the topic are the Parquet current rows
        Map<String, JsonNode> current = new HashMap<>();
        for (JsonNode m : messages) {
            String key =
                    m.get("granularity").asText()
                            + "|"
                            + m.get("tenant_id").asText()
                            + "|"
                            + m.get("model_version").asText()
                            + "|"
                            + Instant.parse(m.get("window_start").asText()).toEpochMilli();
            current.merge(
                    key,
                    m,
                    (a, b) -> a.get("revision").asLong() >= b.get("revision").asLong() ? a : b);
        }
        long decisionsOnTopic =
                current.values().stream()
                        .filter(m -> m.get("granularity").asText().equals("1d"))
                        .mapToLong(m -> m.get("total_decisions").asLong())
                        .sum();
        assertThat(decisionsOnTopic).isEqualTo(VALID);
        assertThat((long) current.size())
                .isEqualTo(count("SELECT count(*) FROM " + current(kafkaRows)));
    }

    /** The metrics job's windows and sinks, and the same code as the ingest job's branch. */
    @ParameterizedTest
    @EnumSource(MetricsPipeline.Operators.class)
    void correctsWindowsForLateDecisionsAndRecordsTooLateOnesWithTheirWindow(
            MetricsPipeline.Operators operators) throws Exception {
        // given facts whose watermark follows each one exactly: on time, a minute on, late
        // within the hour of allowed lateness, three hours on, then too late for the first window
        Instant t = Instant.parse("2026-03-15T10:00:00Z");
        List<DecisionFacts> facts =
                List.of(
                        Facts.approved("bank_456", t.plusSeconds(10), "u1"),
                        Facts.approved("bank_456", t.plusSeconds(65), "u2"),
                        Facts.denied("bank_456", t.plusSeconds(20), "u3"),
                        Facts.approved("bank_456", t.plusSeconds(3 * 3600), "u4"),
                        Facts.denied("bank_456", t.plusSeconds(30), "u5"));
        MetricsOptions options =
                liveOptions("in-memory:9092", work.resolve("unused"))
                        .with("granularities", "1m", "checkpoint-interval", "PT0.1S");
        CollectingSink<DecisionMetrics> rows = CollectingSink.of(DecisionMetrics.class);
        CollectingSink<LateDecision> late = CollectingSink.of(LateDecision.class);
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        MetricsJob.configureEnvironment(env, options);

        // when the live pipeline's windows and sinks (or the ingest branch's) process them
        MetricsPipeline.windowsAndSinks(
                env.fromData(facts, TypeInformation.of(DecisionFacts.class))
                        .assignTimestampsAndWatermarks(
                                WatermarkStrategy.<DecisionFacts>forGenerator(
                                                ctx -> new EveryEventIsTheWatermark())
                                        .withTimestampAssigner((f, ts) -> f.eventTimeMillis()))
                        .setParallelism(1),
                options.granularities(),
                options.allowedLateness(),
                new MetricsPipeline.Sinks(rows, late, null),
                operators);
        env.execute("metrics-late-it-" + operators);

        // then the first window has a row, and a correction for the decision late within the hour
        Map<String, List<Long>> totalsByWindow = new TreeMap<>();
        for (DecisionMetrics r : rows.values()) {
            assertThat(r.getGranularity()).isEqualTo("1m");
            assertThat(r.getRevision()).isEqualTo(r.getTotalDecisions());
            totalsByWindow
                    .computeIfAbsent(r.getWindowStart().toString(), w -> new ArrayList<>())
                    .add(r.getTotalDecisions());
        }
        totalsByWindow.values().forEach(l -> l.sort(Long::compare));
        assertThat(totalsByWindow)
                .containsOnly(
                        Map.entry(t.toString(), List.of(1L, 2L)),
                        Map.entry(t.plusSeconds(60).toString(), List.of(1L)),
                        Map.entry(t.plusSeconds(3 * 3600).toString(), List.of(1L)));

        // and the decision too late for it is recorded with that window, not counted
        assertThat(late.values())
                .singleElement()
                .satisfies(
                        d -> {
                            assertThat(d.getGranularity()).isEqualTo("1m");
                            assertThat(d.getTenantId()).isEqualTo("bank_456");
                            assertThat(d.getModelVersion()).isEqualTo("v1");
                            assertThat(d.getEventId()).isEqualTo(facts.get(4).eventId);
                            assertThat(d.getEventTime()).isEqualTo(t.plusSeconds(30));
                            assertThat(d.getWindowStart()).isEqualTo(t);
                            assertThat(d.getWindowEnd()).isEqualTo(t.plusSeconds(60));
                            assertThat(d.getWatermark()).isBeforeOrEqualTo(t.plusSeconds(3 * 3600));
                        });
    }

    /** Punctuated: the watermark is each event's time (events are in order but for the late). */
    private static final class EveryEventIsTheWatermark
            implements WatermarkGenerator<DecisionFacts> {
        private long max = Long.MIN_VALUE;

        @Override
        public void onEvent(DecisionFacts f, long timestamp, WatermarkOutput output) {
            if (timestamp > max) {
                max = timestamp;
                output.emitWatermark(new Watermark(max));
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {}
    }

    @Test
    void aRebuildCanBeLimitedToOneTenantAndDateRange() throws IOException {
        LakeLayout lake = LakeLayout.at(auditLake.toUri().toString());
        assertThat(LakeFiles.auditPartitions(lake, null, null, null)).hasSize(6);
        assertThat(
                        LakeFiles.auditPartitions(
                                lake,
                                "bank_456",
                                LocalDate.parse("2026-03-16"),
                                LocalDate.parse("2026-03-16")))
                .singleElement()
                .satisfies(
                        p ->
                                assertThat(p.toString())
                                        .endsWith("tenant_id=bank_456/event_date=2026-03-16"));
        assertThat(LakeFiles.auditPartitions(lake, "nobody", LocalDate.parse("2026-03-16"), null))
                .isEmpty();
    }
}
