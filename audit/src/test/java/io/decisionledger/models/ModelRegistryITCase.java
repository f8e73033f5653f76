package io.decisionledger.models;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.audit.ModelCards;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.ingest.IngestOptions;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.Proves;
import io.decisionledger.testkit.LocalKafkaBroker;
import io.decisionledger.testkit.SampleDecisions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model registry through the real ingest job on a real Kafka broker. Run 1 (unbounded) reads
 * model cards from the models topic and decisions of a version nobody registered, and is stopped
 * with a savepoint. Run 2 restarts from that savepoint and reads only new records (and is stopped
 * the same way once they are stored): decisions of the registered versions are linked although
 * their cards are not read again (the registry came back from broadcast state), a card lacking the
 * tenant's required certification flags its decisions, and a card registered after its version's
 * first decisions is re-linked by the report.
 */
class ModelRegistryITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DECISIONS = "decisions";
    private static final String MODELS = "model-cards";
    private static final String CERTIFIED = "gpt-4o-2024-05-13";
    private static final String UNCERTIFIED = "gpt-4o-mini-2024-07-18";
    private static final String LATE = "gpt-4.1-2025-04-14";

    @TempDir static Path work;
    private static LocalKafkaBroker kafka;
    private static Path lake;
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @BeforeAll
    static void ingestInTwoRunsAcrossASavepoint() throws Exception {
        kafka =
                LocalKafkaBroker.start(
                        Path.of(System.getProperty("decisionledger.stack.dir")),
                        work.resolve("kafka"));
        kafka.createTopic(DECISIONS, 2);
        kafka.createTopic(MODELS, 1);
        lake = work.resolve("lake");

        // given: cards for two versions (one without EU_AI_ACT), a bad card, and 4 decisions of a
        // version with no card yet
        List<SampleDecisions.Event> cards =
                List.of(
                        card(
                                "mv-1",
                                CERTIFIED,
                                "meta_4o",
                                NOW.minus(Duration.ofDays(30)),
                                "EU_AI_ACT",
                                "SOC2"),
                        card("mv-2", UNCERTIFIED, null, NOW.minus(Duration.ofDays(30)), "SOC2"),
                        badCard("mv-bad"));
        IngestRun.produce(kafka.bootstrapServers(), MODELS, cards);
        List<SampleDecisions.Event> first = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            first.add(decision(i, "bank_456", LATE));
        }
        IngestRun.produce(kafka.bootstrapServers(), DECISIONS, first);

        IngestOptions options =
                IngestRun.boundedOptions(
                                kafka.bootstrapServers(), DECISIONS, lake.toUri().toString())
                        .with(
                                "models-topic", MODELS,
                                "required-certifications", "bank_456=EU_AI_ACT",
                                "bounded", "false");

        // when run 1 has stored them, it is stopped with a savepoint
        StreamExecutionEnvironment env1 = environment(options, null);
        IngestJob.fromOptions(options).build(env1);
        JobClient run1 = env1.executeAsync("registry-run-1");
        waitFor(() -> rows("models/model_versions") == 2 && rows("audit/decisions") == 4);
        String savepoint =
                run1.stopWithSavepoint(
                                false,
                                work.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get(60, TimeUnit.SECONDS);

        // and run 2 restores it (bounded) after a late card and new decisions were produced
        IngestRun.produce(
                kafka.bootstrapServers(),
                MODELS,
                List.of(card("mv-3", LATE, "meta_41", NOW, "EU_AI_ACT")));
        List<SampleDecisions.Event> second = new ArrayList<>();
        for (int i = 10; i < 13; i++) {
            second.add(decision(i, "bank_456", CERTIFIED));
            second.add(decision(i + 10, "bank_456", UNCERTIFIED));
            second.add(decision(i + 20, "insurer_789", UNCERTIFIED));
        }
        IngestRun.produce(kafka.bootstrapServers(), DECISIONS, second);
        // Run 2 is unbounded too: splits restored from an unbounded run keep no stopping offset.
        StreamExecutionEnvironment env2 = environment(options, savepoint);
        IngestJob.fromOptions(options).build(env2);
        JobClient run2 = env2.executeAsync("registry-run-2");
        waitFor(() -> rows("models/model_versions") == 3 && rows("audit/decisions") == 13);
        run2.stopWithSavepoint(
                        false,
                        work.resolve("savepoints").toUri().toString(),
                        SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static StreamExecutionEnvironment environment(IngestOptions options, String savepoint) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        IngestJob.configureEnvironment(env, options);
        return env;
    }

    private static long rows(String folder) {
        try {
            long n = 0;
            for (var f :
                    LakeFiles.parquetFiles(
                            new org.apache.flink.core.fs.Path(lake.resolve(folder).toUri()))) {
                n += LakeFiles.rowCount(f);
            }
            return n;
        } catch (Exception e) {
            return -1;
        }
    }

    private static void waitFor(java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the job did not store the cards and decisions in 90 s");
            }
            Thread.sleep(200);
        }
    }

    private static SampleDecisions.Event card(
            String eventId, String version, String metadataId, Instant at, String... certs) {
        ObjectNode e = JSON.createObjectNode();
        e.put("eventId", eventId);
        e.put("eventType", "MODEL_VERSION_REGISTERED");
        e.put("timestamp", at.toString());
        e.put("tenantId", "bank_456");
        if (metadataId != null) {
            e.put("modelMetadataId", metadataId);
        }
        ObjectNode m = e.putObject("modelMetadata");
        m.put("modelName", "gpt-4o");
        m.put("version", version);
        m.put("releaseDate", "2024-05-13");
        m.put("trainingCutoff", "2024-04-01");
        m.put("finetuningDataset", "proprietary_loan_decisions_2024");
        m.putObject("evaluationMetrics").put("accuracy", 0.94).put("fairnessScore", 0.89);
        var list = m.putArray("certifications");
        for (String c : certs) {
            list.addObject().put("name", c).put("passed", true);
        }
        return new SampleDecisions.Event(eventId, bytes(e), "bank_456", eventId);
    }

    private static SampleDecisions.Event badCard(String eventId) {
        ObjectNode e = JSON.createObjectNode();
        e.put("eventId", eventId);
        e.put("eventType", "MODEL_VERSION_REGISTERED");
        e.put("timestamp", NOW.toString());
        e.put("tenantId", "bank_456");
        e.putObject("modelMetadata").put("modelName", "gpt-4o");
        return new SampleDecisions.Event(eventId, bytes(e), "bank_456", eventId);
    }

    private static SampleDecisions.Event decision(int i, String tenant, String version)
            throws Exception {
        SampleDecisions.Event base =
                SampleDecisions.eventAt(
                        9, i, tenant, NOW.minus(Duration.ofHours(1)).plusSeconds(i));
        ObjectNode e = (ObjectNode) JSON.readTree(base.value());
        ObjectNode ai = (ObjectNode) e.get("aiInteraction");
        ai.put("modelVersion", version);
        ai.remove("modelMetadataId");
        return new SampleDecisions.Event(base.key(), bytes(e), tenant, base.eventId());
    }

    private static byte[] bytes(ObjectNode e) {
        return e.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static String audit() {
        return table(lake.resolve("audit/decisions"));
    }

    @Test
    void storesEveryValidCardOnceAndQuarantinesTheBadOne() {
        String cards = table(lake.resolve("models/model_versions"));
        assertThat(count("SELECT count(*) FROM " + cards)).isEqualTo(3);
        Map<String, String> idByVersion = new TreeMap<>();
        for (Map<String, Object> r :
                query("SELECT model_version, card_id, card_sha256, card_json FROM " + cards)) {
            idByVersion.put((String) r.get("model_version"), (String) r.get("card_id"));
            assertThat((String) r.get("card_sha256"))
                    .isEqualTo(
                            io.decisionledger.decision.ModelCardParser.sha256Hex(
                                    (String) r.get("card_json")));
        }
        assertThat(idByVersion).containsEntry(CERTIFIED, "meta_4o").containsEntry(LATE, "meta_41");
        assertThat(idByVersion.get(UNCERTIFIED)).startsWith("mv:" + UNCERTIFIED + ":");
        assertThat(
                        count(
                                "SELECT count(*) FROM "
                                        + cards
                                        + " WHERE evaluation_metrics['accuracy'] = 0.94"))
                .isEqualTo(3);

        String quarantine = table(lake.resolve("quarantine"));
        List<Map<String, Object>> bad =
                query("SELECT reason_code, detail, event_id FROM " + quarantine);
        assertThat(bad).hasSize(1);
        assertThat(bad.get(0).get("reason_code")).isEqualTo("MISSING_FIELD");
        assertThat(bad.get(0).get("detail")).isEqualTo("modelMetadata.version is required");
        assertThat(bad.get(0).get("event_id")).isEqualTo("mv-bad");
    }

    @Test
    void linksDecisionsToTheCardInForceRestoredAfterTheSavepoint() {
        Map<String, Long> perStatus = new HashMap<>();
        for (Map<String, Object> r :
                query(
                        "SELECT tenant_id || '/' || model_version || '/' || model_card_status AS k, count(*) AS n FROM "
                                + audit()
                                + " GROUP BY 1")) {
            perStatus.put((String) r.get("k"), ((Number) r.get("n")).longValue());
        }
        assertThat(perStatus)
                .containsOnly(
                        Map.entry("bank_456/" + LATE + "/NO_CARD", 4L),
                        Map.entry("bank_456/" + CERTIFIED + "/LINKED", 3L),
                        Map.entry("bank_456/" + UNCERTIFIED + "/MISSING_CERTIFICATION", 3L),
                        Map.entry("insurer_789/" + UNCERTIFIED + "/LINKED", 3L));
        assertThat(
                        count(
                                "SELECT count(*) FROM "
                                        + audit()
                                        + " WHERE model_card_status <> 'NO_CARD' AND (model_card_id IS NULL OR length(model_card_sha256) <> 64)"))
                .isZero();
        assertThat(
                        count(
                                "SELECT count(DISTINCT model_card_id) FROM "
                                        + audit()
                                        + " WHERE model_version = '"
                                        + CERTIFIED
                                        + "'"))
                .isEqualTo(1);
        // the chain still verifies: model card columns are provenance, not chained content
        assertThat(count("SELECT count(*) FROM " + audit() + " WHERE hash IS NULL")).isZero();
    }

    @Test
    @Proves({"SR-26-2-inventory"})
    void reportListsFlaggedDecisionsAndReLinksTheLateCard() throws Exception {
        ModelsReport.Result r =
                ModelsReport.run(
                        LakeLayout.at(lake.toUri().toString()),
                        RequiredCertifications.parse("bank_456=EU_AI_ACT"),
                        null);

        assertThat(r.decisionsScanned()).isEqualTo(13);
        assertThat(r.cards()).isEqualTo(3);
        assertThat(r.flagged()).isEqualTo(7);
        assertThat(r.stillFlagged()).isEqualTo(3);
        assertThat(r.groups()).hasSize(2);
        ModelsReport.Group late =
                r.groups().stream()
                        .filter(g -> g.modelVersion().equals(LATE))
                        .findFirst()
                        .orElseThrow();
        assertThat(late.statusAtIngest()).isEqualTo("NO_CARD");
        assertThat(late.decisions()).isEqualTo(4);
        assertThat(late.statusNow()).isEqualTo(ModelCardStatus.LINKED);
        assertThat(late.cardIdNow()).isEqualTo("meta_41");
        assertThat(late.cardRegisteredAfterFirstDecision()).isTrue();
        ModelsReport.Group uncertified =
                r.groups().stream()
                        .filter(g -> g.modelVersion().equals(UNCERTIFIED))
                        .findFirst()
                        .orElseThrow();
        assertThat(uncertified.tenantId()).isEqualTo("bank_456");
        assertThat(uncertified.statusNow()).isEqualTo(ModelCardStatus.MISSING_CERTIFICATION);
        assertThat(uncertified.missingCertificationsNow()).containsExactly("EU_AI_ACT");

        Path csv = work.resolve("relinks.csv");
        ModelsReport.writeRelinks(r, csv);
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(1 + 7);
        assertThat(
                        lines.stream()
                                .filter(
                                        l ->
                                                l.contains(",NO_CARD,meta_41,")
                                                        && l.endsWith(",LINKED")))
                .hasSize(4);
    }

    @Test
    @Proves({"SR-26-2-inventory", "EU-AI-Act-Art-86"})
    void evidenceFindsTheCardTheDecisionWasLinkedTo() throws Exception {
        LakeLayout layout = LakeLayout.at(lake.toUri().toString());
        DecisionRecord[] linked = {null};
        for (var p : LakeFiles.auditPartitions(layout, "bank_456", null, null)) {
            for (var f : LakeFiles.parquetFiles(p)) {
                LakeFiles.forEachRecord(
                        f,
                        DecisionRecord.class,
                        d -> {
                            if (CERTIFIED.equals(d.getModelVersion())) {
                                linked[0] = d;
                            }
                        });
            }
        }
        var card = ModelCards.find(layout, linked[0]).orElseThrow();
        assertThat(card.matchedOn()).isEqualTo("model_card_id");
        assertThat(card.record().get("card_id").toString()).isEqualTo("meta_4o");
    }
}
