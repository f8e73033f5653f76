package io.decisionledger.ingest;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Savepoint compatibility of the ingest job (issue 14). {@code
 * src/test/resources/savepoints/ingest-bd00da8/} holds a savepoint that the ingest job of commit
 * bd00da8 took in live mode after reading {@link #beforeSavepoint()} from Kafka (how: the README
 * there). This test restores it into the current code with {@code allowNonRestoredState = false}
 * (every operator state in it must find its operator by uid), on a fresh broker whose topic holds
 * the same records at the same offsets followed by {@link #afterSavepoint}, and shows that each
 * piece of state came back rather than the job merely starting:
 *
 * <ul>
 *   <li>Kafka offsets: nothing below the savepoint's offsets is read again;
 *   <li>de-duplication: re-sends of event ids stored before the savepoint are quarantined as
 *       duplicates, a conflicting one names the content hash stored before the savepoint;
 *   <li>hash chains: each tenant's chain continues at the savepoint's sequence number and hash;
 *   <li>model registry (broadcast state): decisions are linked to the card registered before the
 *       savepoint, which is not read again.
 * </ul>
 *
 * What the old run ended on (offsets, chain heads, card and content hashes) is in {@code
 * expected.json} next to the savepoint.
 */
class IngestSavepointCompatibilityITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    /** The savepoint and what its run ended on, on the test class path. */
    static final String RESOURCE = "/savepoints/ingest-bd00da8";

    static final String TOPIC = "decisions";
    static final int PARTITIONS = 2;
    static final String GROUP = "savepoint-compat-ingest";

    /** The sample's newest event time: fixed, so the records are the same on every run. */
    static final Instant NOW = Instant.parse("2026-03-15T12:00:00Z");

    static final String CARD_VERSION = "gpt-4o-2024-08-06";

    /** What the sample's decisions of {@link #CARD_VERSION} carry as modelMetadataId. */
    static final String CARD_ID = "meta_20240806";

    /** The index (in the old sample's valid events) of the event re-sent with other content. */
    static final int CONFLICTING = 5;

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path work;

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
    private static Path lake;
    private static JsonNode expected;
    private static SampleDecisions.Sample before;
    private static List<SampleDecisions.Event> newEvents;
    private static List<SampleDecisions.Event> resent;
    private static Map<Integer, Long> savepointOffsets;

    /**
     * The records the savepoint's run read, in production order: a model card registration, then
     * 240 decisions of three tenants, 11 malformed records and 10 producer re-sends (seed 14). It
     * must never change: the savepoint's Kafka offsets count exactly these records.
     */
    static List<SampleDecisions.Event> beforeSavepoint() {
        List<SampleDecisions.Event> events = new ArrayList<>();
        events.add(modelCard());
        events.addAll(sampleBeforeSavepoint().events());
        return events;
    }

    static SampleDecisions.Sample sampleBeforeSavepoint() {
        return SampleDecisions.generate(14, 240, 11, 10, NOW);
    }

    /** Registers {@link #CARD_VERSION} (not gpt-4o-2024-05-13) under {@link #CARD_ID}. */
    static SampleDecisions.Event modelCard() {
        ObjectNode e = JSON.createObjectNode();
        e.put("eventId", "mv-20240806");
        e.put("eventType", "MODEL_VERSION_REGISTERED");
        e.put("timestamp", "2026-03-01T09:00:00Z");
        e.put("tenantId", "bank_456");
        e.put("modelMetadataId", CARD_ID);
        ObjectNode m = e.putObject("modelMetadata");
        m.put("modelName", "gpt-4o");
        m.put("version", CARD_VERSION);
        m.put("releaseDate", "2024-08-06");
        m.put("trainingCutoff", "2023-10-01");
        m.putArray("certifications").addObject().put("name", "EU_AI_ACT").put("passed", true);
        return new SampleDecisions.Event(
                "mv-20240806",
                e.toString().getBytes(StandardCharsets.UTF_8),
                "bank_456",
                "mv-20240806");
    }

    /** The job's options, the same for the savepoint's run and the restored one. */
    static IngestOptions options(String bootstrapServers, Path lake, Path keyFile) {
        return IngestOptions.parse(
                new String[] {
                    "--bootstrap-servers",
                    bootstrapServers,
                    "--topic",
                    TOPIC,
                    "--group-id",
                    GROUP,
                    "--starting-offsets",
                    "earliest",
                    "--bounded",
                    "false",
                    "--lake",
                    lake.toUri().toString(),
                    "--checkpoint-interval",
                    "PT0.5S",
                    // Processing-time timers expire de-duplication state: with the default 7 days,
                    // a savepoint older than that would restore with its event ids forgotten.
                    "--dedup-ttl",
                    "P36500D",
                    // The savepoint is of the two-shuffle graph: it restores only into that one
                    // (see theSingleShuffleGraphRefusesTheOldSavepointRatherThanDropItsState).
                    "--single-shuffle",
                    "false",
                    "--pseudonym-key-file",
                    keyFile.toString()
                });
    }

    /**
     * Parallelism 2, RocksDB (as deploy/ configures it), no restarts, and the savepoint to restore
     * (null: none) with {@code allowNonRestoredState = false}.
     */
    static StreamExecutionEnvironment environment(IngestOptions options, String savepoint) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        if (savepoint != null) {
            conf.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
            conf.set(StateRecoveryOptions.SAVEPOINT_IGNORE_UNCLAIMED_STATE, false);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        IngestJob.configureEnvironment(env, options);
        return env;
    }

    @BeforeAll
    static void restoreTheOldSavepointAndIngestNewRecords() throws Exception {
        Path resource = resource();
        expected = JSON.readTree(resource.resolve("expected.json").toFile());
        Path savepoint = copy(resource.resolve("savepoint"), work.resolve("old-savepoint"));

        // given the old run's records at the same offsets on a fresh broker
        KAFKA.broker().createTopic(TOPIC, PARTITIONS);
        KAFKA.broker().produce(TOPIC, beforeSavepoint());
        savepointOffsets = new TreeMap<>();
        expected.get("endOffsets")
                .fields()
                .forEachRemaining(
                        e ->
                                savepointOffsets.put(
                                        Integer.parseInt(e.getKey()), e.getValue().asLong()));
        assertThat(KafkaProgress.endOffsets(KAFKA.broker().bootstrapServers(), TOPIC, PARTITIONS))
                .as("the records before the savepoint sit at the offsets the savepoint counts")
                .isEqualTo(savepointOffsets);

        // and after them new decisions, re-sends of old event ids and one conflicting re-send
        before = sampleBeforeSavepoint();
        newEvents = SampleDecisions.generate(15, 60, 0, 0, NOW).valid();
        resent = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            resent.add(before.valid().get(10 + 20 * k));
        }
        List<SampleDecisions.Event> after = afterSavepoint(newEvents, resent, conflicting());
        KAFKA.broker().produce(TOPIC, after);

        // when the current code restores the old savepoint and has read everything
        lake = work.resolve("lake");
        Path keyFile = work.resolve("pseudonym.key");
        Files.writeString(keyFile, "c2F2ZXBvaW50LWNvbXBhdGliaWxpdHktdGVzdC1rZXktMzItYnl0ZXM=");
        IngestOptions options = options(KAFKA.broker().bootstrapServers(), lake, keyFile);
        StreamExecutionEnvironment env = environment(options, savepoint.toUri().toString());
        IngestJob.fromOptions(options).build(env);
        JobClient job = env.executeAsync("ingest-savepoint-compat");
        KafkaProgress.awaitConsumed(
                KAFKA.broker().bootstrapServers(),
                GROUP,
                job,
                KafkaProgress.endOffsets(KAFKA.broker().bootstrapServers(), TOPIC, PARTITIONS));
        job.stopWithSavepoint(
                        false,
                        work.resolve("new-savepoints").toUri().toString(),
                        SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);
    }

    /** Re-sends first (they follow their originals, which are before the savepoint), then new. */
    static List<SampleDecisions.Event> afterSavepoint(
            List<SampleDecisions.Event> newEvents,
            List<SampleDecisions.Event> resent,
            SampleDecisions.Event conflicting) {
        List<SampleDecisions.Event> after = new ArrayList<>(resent);
        after.add(conflicting);
        after.addAll(newEvents);
        return after;
    }

    /** An old event id again, with other content (a producer bug): same key, same partition. */
    private static SampleDecisions.Event conflicting() throws IOException {
        SampleDecisions.Event original = before.valid().get(CONFLICTING);
        ObjectNode event = (ObjectNode) JSON.readTree(original.value());
        ((ObjectNode) event.get("aiInteraction").get("decision"))
                .put("reasoning", "re-sent with other content");
        return new SampleDecisions.Event(
                original.key(),
                JSON.writeValueAsBytes(event),
                original.tenantId(),
                original.eventId());
    }

    // Each test looks at one piece of state, so the one that fails names what was lost.

    @Test
    void kafkaOffsetsWereRestored_nothingBeforeTheSavepointIsReadAgain() throws Exception {
        // Every record read ends in audit/decisions or in quarantine, with its offset.
        Map<Integer, Long> end =
                KafkaProgress.endOffsets(KAFKA.broker().bootstrapServers(), TOPIC, PARTITIONS);
        List<Map<String, Object>> perPartition =
                query(
                        "SELECT source_partition AS p, min(source_offset) AS first,"
                                + " max(source_offset) AS last, count(*) AS n,"
                                + " count(DISTINCT source_offset) AS distinct_offsets FROM ("
                                + readRecords()
                                + ") GROUP BY ALL ORDER BY p");
        assertThat(perPartition).hasSize(PARTITIONS);
        for (Map<String, Object> row : perPartition) {
            int p = ((Number) row.get("p")).intValue();
            long resumedAt = savepointOffsets.get(p);
            assertThat(((Number) row.get("first")).longValue())
                    .as("first offset read from partition %d", p)
                    .isEqualTo(resumedAt);
            assertThat(((Number) row.get("last")).longValue()).isEqualTo(end.get(p) - 1);
            assertThat(((Number) row.get("n")).longValue())
                    .as("records read from partition %d", p)
                    .isEqualTo(end.get(p) - resumedAt)
                    .isEqualTo(((Number) row.get("distinct_offsets")).longValue());
        }
        // the model card before the savepoint is not read again either
        assertThat(parquetFiles(lake.resolve("models/model_versions"))).isEmpty();
    }

    /** (source_partition, source_offset) of every record in audit/decisions and quarantine. */
    private static String readRecords() {
        List<String> parts = new ArrayList<>();
        for (String folder : List.of("audit/decisions", "quarantine")) {
            if (!parquetFiles(lake.resolve(folder)).isEmpty()) {
                parts.add(
                        "SELECT source_partition, source_offset FROM "
                                + table(lake.resolve(folder)));
            }
        }
        return String.join(" UNION ALL ", parts);
    }

    @Test
    void deduplicationStateWasRestored_oldEventIdsAreQuarantinedAsDuplicates() {
        String conflictingId = before.valid().get(CONFLICTING).eventId();
        Set<String> resentIds =
                resent.stream().map(SampleDecisions.Event::eventId).collect(Collectors.toSet());
        resentIds.add(conflictingId);
        assertThat(parquetFiles(lake.resolve("quarantine"))).as("quarantined records").isNotEmpty();
        Map<String, List<String>> detailsById = new TreeMap<>();
        for (Map<String, Object> r :
                query(
                        "SELECT event_id, reason_code, detail FROM "
                                + table(lake.resolve("quarantine")))) {
            if (resentIds.contains((String) r.get("event_id"))) {
                assertThat(r.get("reason_code")).isEqualTo("DUPLICATE_EVENT_ID");
                detailsById
                        .computeIfAbsent((String) r.get("event_id"), k -> new ArrayList<>())
                        .add((String) r.get("detail"));
            }
        }
        assertThat(detailsById.keySet()).isEqualTo(resentIds);
        for (SampleDecisions.Event e : resent) {
            assertThat(detailsById.get(e.eventId()))
                    .containsOnly("eventId already stored for this tenant; this copy is identical");
        }
        // the fingerprint it names was computed by the old run (as its DLC2 content_sha256) and
        // came with the savepoint: record layout 3 compares the same DLC2 value, so the old
        // state still matches (the identical re-sends above are recognised as identical)
        JsonNode probe = expected.get("conflictingResend");
        assertThat(probe.get("eventId").asText()).isEqualTo(conflictingId);
        assertThat(detailsById.get(conflictingId))
                .contains(
                        "eventId already stored for this tenant with different content"
                                + " (fingerprint of the stored copy "
                                + probe.get("contentSha256").asText()
                                + ")");
        assertThat(
                        count(
                                "SELECT count(*) FROM "
                                        + audit()
                                        + " WHERE event_id IN ('"
                                        + String.join("', '", resentIds)
                                        + "')"))
                .as("re-sent old event ids stored again")
                .isZero();
    }

    @Test
    void chainStateWasRestored_everyTenantsChainContinuesFromTheSavepointsHead() {
        JsonNode heads = expected.get("chainHeads");
        assertThat(heads.size()).isEqualTo(SampleDecisions.TENANTS.size());
        Set<String> tenants =
                newEvents.stream().map(SampleDecisions.Event::tenantId).collect(Collectors.toSet());
        assertThat(tenants).containsExactlyInAnyOrderElementsOf(SampleDecisions.TENANTS);

        for (String tenant : tenants) {
            JsonNode head = heads.get(tenant);
            List<Map<String, Object>> chain =
                    query(
                            "SELECT chain_shard, chain_seq, prev_hash, hash FROM "
                                    + audit()
                                    + " WHERE tenant_id = '"
                                    + tenant
                                    + "' ORDER BY chain_seq");
            assertThat(chain).isNotEmpty();
            // gap-free from the old head on, each link pointing at the one before
            String prev = head.get("hash").asText();
            long seq = head.get("seq").asLong();
            for (Map<String, Object> link : chain) {
                seq++;
                assertThat(((Number) link.get("chain_shard")).intValue()).isZero();
                assertThat(((Number) link.get("chain_seq")).longValue())
                        .as("%s chain_seq", tenant)
                        .isEqualTo(seq);
                assertThat(link.get("prev_hash"))
                        .as("%s prev_hash at %d", tenant, seq)
                        .isEqualTo(prev);
                prev = (String) link.get("hash");
            }
            // and the published head moved on from the old one to the new end of the chain
            Map<String, Object> newHead =
                    query(
                                    "SELECT max(chain_seq) AS seq, arg_max(hash, chain_seq) AS hash FROM "
                                            + table(lake.resolve("chain/heads"))
                                            + " WHERE tenant_id = '"
                                            + tenant
                                            + "'")
                            .get(0);
            assertThat(((Number) newHead.get("seq")).longValue()).isEqualTo(seq);
            assertThat(newHead.get("hash")).isEqualTo(prev);
        }
    }

    @Test
    void modelRegistryWasRestored_decisionsAreLinkedToTheCardRegisteredBeforeTheSavepoint() {
        JsonNode card = expected.get("modelCard");
        assertThat(card.get("cardId").asText()).isEqualTo(CARD_ID);
        assertThat(parquetFiles(lake.resolve("models/model_versions")))
                .as("cards read again: the links below would not show the restored registry")
                .isEmpty();
        Map<String, Long> perLink = new TreeMap<>();
        for (Map<String, Object> r :
                query(
                        "SELECT model_version || '/' || model_card_status || '/' ||"
                                + " coalesce(model_card_id, '-') || '/' || coalesce(model_card_sha256, '-')"
                                + " AS k, count(*) AS n FROM "
                                + audit()
                                + " GROUP BY 1")) {
            perLink.put((String) r.get("k"), ((Number) r.get("n")).longValue());
        }
        // the registered version is linked to the old card, the other one has none
        assertThat(perLink.keySet())
                .containsExactlyInAnyOrder(
                        CARD_VERSION + "/LINKED/" + CARD_ID + "/" + card.get("cardSha256").asText(),
                        "gpt-4o-2024-05-13/NO_CARD/-/-");
    }

    @Test
    void altogetherStoresExactlyTheNewDecisionsAndQuarantinesExactlyTheReSends() {
        List<String> stored =
                query("SELECT event_id FROM " + audit() + " ORDER BY event_id").stream()
                        .map(r -> (String) r.get("event_id"))
                        .toList();
        assertThat(stored)
                .isEqualTo(
                        newEvents.stream().map(SampleDecisions.Event::eventId).sorted().toList());
        assertThat(count("SELECT count(*) FROM " + table(lake.resolve("quarantine"))))
                .isEqualTo(resent.size() + 1);
        Map<String, Long> perVersion = new TreeMap<>();
        newEvents.forEach(e -> perVersion.merge(modelVersion(e), 1L, Long::sum));
        assertThat(count("SELECT count(*) FROM " + audit() + " WHERE model_card_status = 'LINKED'"))
                .isEqualTo(perVersion.get(CARD_VERSION));
    }

    private static String modelVersion(SampleDecisions.Event e) {
        try {
            return JSON.readTree(e.value()).get("aiInteraction").get("modelVersion").asText();
        } catch (IOException x) {
            throw new UncheckedIOException(x);
        }
    }

    private static String audit() {
        return table(lake.resolve("audit/decisions"));
    }

    /**
     * The default graph (one keyed shuffle, {@code dedup-link-chain}) keeps its de-duplication
     * state, card registry and chain heads in other operators than the old savepoint: restoring it
     * there must fail at start, naming the way out, never start with the event ids, cards and chain
     * heads silently forgotten (docs/operator-guide.md, "Upgrading a running job with a
     * savepoint").
     */
    @Test
    void theSingleShuffleGraphRefusesTheOldSavepointRatherThanDropItsState() throws Exception {
        Path savepoint = copy(resource().resolve("savepoint"), work.resolve("refused-savepoint"));
        Path keyFile = work.resolve("pseudonym.key");
        String[] args = {
            "--bootstrap-servers", KAFKA.broker().bootstrapServers(),
            "--topic", TOPIC,
            "--group-id", GROUP + "-single",
            "--lake", work.resolve("lake-single").toUri().toString(),
            "--pseudonym-key-file", keyFile.toString()
        };
        IngestOptions options = IngestOptions.parse(args);
        assertThat(options.singleShuffle()).as("the default graph").isTrue();
        assertTheRestoreIsRefused(options, savepoint.toUri().toString());
    }

    /**
     * Runs the job of {@code options} from {@code savepoint} ({@code allowNonRestoredState =
     * false}) and asserts that Flink refuses it because some of its state has no operator to go to.
     */
    static void assertTheRestoreIsRefused(IngestOptions options, String savepoint) {
        StreamExecutionEnvironment env = environment(options, savepoint);
        IngestJob.fromOptions(options).build(env);
        Throwable failure = null;
        try {
            env.execute("ingest-restore-refused");
        } catch (Exception e) {
            failure = e;
        }
        assertThat(failure).as("the restore is refused").isNotNull();
        assertThat(org.apache.flink.util.ExceptionUtils.stringifyException(failure))
                .contains("Cannot map checkpoint/savepoint state for operator")
                .contains("allowNonRestoredState");
    }

    // ------------------------------------------------------------------ plumbing

    static Path resource() throws URISyntaxException {
        var url = IngestSavepointCompatibilityITCase.class.getResource(RESOURCE + "/expected.json");
        assertThat(url).as("test resource %s/expected.json", RESOURCE).isNotNull();
        return Path.of(url.toURI()).getParent();
    }
}
