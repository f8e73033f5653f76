package io.decisionledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.QuarantineChainHasher;
import io.decisionledger.chain.RecordVerifier;
import io.decisionledger.decision.ModelCardParser;
import io.decisionledger.decision.ReasonCode;
import io.decisionledger.models.ModelCardStatus;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.testing.CollectingSink;
import io.decisionledger.testing.InMemoryDecisions;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.SampleDecisions;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@link IngestPipeline} on a MiniCluster with an in-memory source and collecting sinks: for a
 * small fixed input (two model card registrations, decisions of three tenants, an exact re-send, a
 * malformed record and an event without tenant), exactly what reaches the audit, ops, quarantine,
 * chain heads and model versions sinks, record by record.
 *
 * <p>The input is read in two halves, one per source reader, each starting with its model card and
 * a refused record; the source emits one record per reader per completed checkpoint, so each card
 * has reached the card linker before any decision after it is read (see {@link
 * InMemoryDecisions#sourceOfValues(String, List, io.decisionledger.decision.ParserLimits,
 * RateLimiterStrategy)}). Decisions only name the card of their own half, or none.
 */
class IngestPipelineITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "decisions";
    private static final Instant NOW = Instant.parse("2026-03-15T12:00:00Z");

    private static final String CERTIFIED = "gpt-4o-2024-05-13";
    private static final String UNCERTIFIED = "gpt-4o-2024-08-06";
    private static final String UNREGISTERED = "gpt-4o-2024-11-20";

    private static final String BANK = "bank_456";
    private static final String INSURER = "insurer_789";
    private static final String UNION = "credit_union_12";

    private static List<SampleDecisions.Event> input;
    private static SampleDecisions.Event resent;
    private static List<DecisionRecord> audit;
    private static List<OpsDecisionRecord> ops;
    private static List<QuarantineRecord> quarantine;
    private static List<ChainHead> heads;
    private static List<ChainHead> quarantineHeads;
    private static List<ModelVersionCard> cards;

    @BeforeAll
    static void runThePipeline() throws Exception {
        // given two halves of seven records each
        SampleDecisions.Event a1 = decision(1, BANK, CERTIFIED);
        resent = a1;
        input =
                List.of(
                        card("card-a", CERTIFIED, "meta_20240513", "EU_AI_ACT"),
                        raw("loan approved, see attachment"),
                        a1,
                        decision(2, INSURER, CERTIFIED),
                        decision(3, BANK, UNREGISTERED),
                        decision(4, UNION, CERTIFIED),
                        a1, // an exact re-send
                        card("card-b", UNCERTIFIED, "meta_20240806"),
                        withoutTenant(decision(5, BANK, UNCERTIFIED)),
                        decision(6, BANK, UNCERTIFIED),
                        decision(7, INSURER, UNCERTIFIED),
                        decision(8, BANK, UNCERTIFIED),
                        decision(9, UNION, UNCERTIFIED),
                        decision(10, UNION, UNCERTIFIED));

        // when the pipeline runs them into collecting sinks, bank_456 requiring EU_AI_ACT
        IngestOptions options =
                IngestRun.boundedOptions("in-memory:9092", TOPIC, "file:///unused")
                        .with(
                                "checkpoint-interval",
                                "PT0.1S",
                                "required-certifications",
                                BANK + "=EU_AI_ACT");
        CollectingSink<DecisionRecord> auditSink = CollectingSink.of(DecisionRecord.class);
        CollectingSink<OpsDecisionRecord> opsSink = CollectingSink.of(OpsDecisionRecord.class);
        CollectingSink<QuarantineRecord> quarantineSink = CollectingSink.of(QuarantineRecord.class);
        CollectingSink<ChainHead> headsSink = CollectingSink.of(ChainHead.class);
        CollectingSink<ModelVersionCard> modelsSink = CollectingSink.of(ModelVersionCard.class);
        CollectingSink<ChainHead> quarantineHeadsSink = CollectingSink.of(ChainHead.class);
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        IngestJob.configureEnvironment(env, options);
        new IngestPipeline(
                        options,
                        InMemoryDecisions.sourceOfValues(
                                TOPIC,
                                input.stream().map(SampleDecisions.Event::value).toList(),
                                options.parserLimits(),
                                RateLimiterStrategy.perCheckpoint(2)),
                        new IngestPipeline.Sinks(
                                auditSink,
                                opsSink,
                                quarantineSink,
                                headsSink,
                                modelsSink,
                                quarantineHeadsSink))
                .build(env);
        env.execute("ingest-pipeline-it");

        audit = auditSink.values();
        ops = opsSink.values();
        quarantine = quarantineSink.values();
        heads = headsSink.values();
        quarantineHeads = quarantineHeadsSink.values();
        cards = modelsSink.values();
    }

    @Test
    void everyRecordEndsInExactlyOnePlace() {
        assertThat(audit.size() + quarantine.size() + cards.size()).isEqualTo(input.size());
        assertThat(audit)
                .extracting(DecisionRecord::getEventId)
                .containsExactlyInAnyOrder(
                        eventId(1),
                        eventId(2),
                        eventId(3),
                        eventId(4),
                        eventId(6),
                        eventId(7),
                        eventId(8),
                        eventId(9),
                        eventId(10));
        assertThat(audit)
                .allSatisfy(
                        d -> {
                            assertThat(d.getSourceTopic()).isEqualTo(TOPIC);
                            assertThat(d.getSourcePartition()).isZero();
                            assertThat(input.get((int) d.getSourceOffset()).eventId())
                                    .isEqualTo(d.getEventId());
                        });
    }

    @Test
    void quarantinesTheMalformedTheInvalidAndTheDuplicateWithTheirReasons() {
        Map<String, QuarantineRecord> byReason =
                quarantine.stream()
                        .collect(Collectors.toMap(QuarantineRecord::getReasonCode, q -> q));
        assertThat(byReason)
                .containsOnlyKeys(
                        ReasonCode.MALFORMED_JSON.name(),
                        ReasonCode.MISSING_FIELD.name(),
                        ReasonCode.DUPLICATE_EVENT_ID.name());

        QuarantineRecord malformed = byReason.get(ReasonCode.MALFORMED_JSON.name());
        assertThat(bytes(malformed.getRaw())).isEqualTo(input.get(1).value());
        assertThat(malformed.getSourceOffset()).isEqualTo(1);

        QuarantineRecord invalid = byReason.get(ReasonCode.MISSING_FIELD.name());
        assertThat(invalid.getDetail()).contains("tenantId");
        assertThat(invalid.getSourceOffset()).isEqualTo(8);

        QuarantineRecord duplicate = byReason.get(ReasonCode.DUPLICATE_EVENT_ID.name());
        assertThat(duplicate.getDetail()).contains("identical");
        assertThat(duplicate.getTenantId()).isEqualTo(BANK);
        assertThat(duplicate.getEventId()).isEqualTo(resent.eventId());
        assertThat(bytes(duplicate.getRaw())).isEqualTo(resent.value());
        // the later copy is the duplicate: the first one is stored
        assertThat(duplicate.getSourceOffset()).isEqualTo(6);
        assertThat(byEventId(audit).get(resent.eventId()).getSourceOffset()).isEqualTo(2);
        assertThat(quarantine).allSatisfy(q -> assertThat(q.getSourceTopic()).isEqualTo(TOPIC));
    }

    @Test
    void storesEachRegisteredCardAndLinksDecisionsToTheCardInForce() {
        assertThat(cards)
                .extracting(ModelVersionCard::getModelVersion, ModelVersionCard::getCardId)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple(CERTIFIED, "meta_20240513"),
                        org.assertj.core.groups.Tuple.tuple(UNCERTIFIED, "meta_20240806"));
        assertThat(cards)
                .allSatisfy(
                        c ->
                                assertThat(c.getCardSha256())
                                        .isEqualTo(ModelCardParser.sha256Hex(c.getCardJson())));
        Map<String, ModelVersionCard> cardByVersion =
                cards.stream().collect(Collectors.toMap(ModelVersionCard::getModelVersion, c -> c));

        Map<String, ModelCardStatus> expected = new TreeMap<>();
        expected.put(eventId(1), ModelCardStatus.LINKED);
        expected.put(eventId(2), ModelCardStatus.LINKED);
        expected.put(eventId(3), ModelCardStatus.NO_CARD);
        expected.put(eventId(4), ModelCardStatus.LINKED);
        expected.put(eventId(6), ModelCardStatus.MISSING_CERTIFICATION);
        expected.put(eventId(7), ModelCardStatus.LINKED);
        expected.put(eventId(8), ModelCardStatus.MISSING_CERTIFICATION);
        expected.put(eventId(9), ModelCardStatus.LINKED);
        expected.put(eventId(10), ModelCardStatus.LINKED);
        for (DecisionRecord d : audit) {
            assertThat(d.getModelCardStatus())
                    .as(d.getEventId())
                    .isEqualTo(expected.get(d.getEventId()).name());
            ModelVersionCard card = cardByVersion.get(d.getModelVersion());
            if (card == null) {
                assertThat(d.getModelCardId()).isNull();
                assertThat(d.getModelCardSha256()).isNull();
            } else {
                assertThat(d.getModelCardId()).isEqualTo(card.getCardId());
                assertThat(d.getModelCardSha256()).isEqualTo(card.getCardSha256());
            }
        }
    }

    @Test
    void writesLayoutThreeRecordsEachWithItsOwnSaltAndCoversTheCardLinkInTheChain() {
        assertThat(audit).isNotEmpty();
        RecordVerifier verifier = new RecordVerifier();
        for (DecisionRecord d : audit) {
            assertThat(d.getRecordLayout()).as(d.getEventId()).isEqualTo(3);
            assertThat(d.getFieldSalt()).matches("[0-9a-f]{64}");
            assertThat(d.getErasedColumnsJson()).isNull();
            assertThat(d.getErasureRequestId()).isNull();
            assertThat(d.getErasedAt()).isNull();
            RecordVerifier.Result result = verifier.verifyContent(d);
            assertThat(result.problem()).isNull();
            assertThat(result.contentOk()).isTrue();
            assertThat(verifier.chainHash(d.getPrevHash(), d)).isEqualTo(d.getHash());
            // the card link was set before the chain hashed the record: flipping it breaks it
            DecisionRecord flipped = DecisionRecord.newBuilder(d).build();
            flipped.setModelCardStatus(
                    ModelCardStatus.LINKED.name().equals(d.getModelCardStatus())
                            ? ModelCardStatus.NO_CARD.name()
                            : ModelCardStatus.LINKED.name());
            assertThat(verifier.chainHash(d.getPrevHash(), flipped)).isNotEqualTo(d.getHash());
        }
        assertThat(audit.stream().map(DecisionRecord::getFieldSalt).distinct())
                .hasSize(audit.size());
        // the identical re-send is still recognised although its salt, and so its
        // content_sha256, differ from the stored copy's
        assertThat(quarantine)
                .filteredOn(q -> q.getReasonCode().equals(ReasonCode.DUPLICATE_EVENT_ID.name()))
                .singleElement()
                .satisfies(q -> assertThat(q.getDetail()).endsWith("this copy is identical"));
        // the salt stays in the audit lake: the ops copy has no such column
        assertThat(OpsDecisionRecord.getClassSchema().getField("field_salt")).isNull();
    }

    @Test
    void chainsEveryTenantsDecisionsWithoutGapsAndPublishesItsHead() {
        ChainHasher hasher = new ChainHasher();
        Map<String, List<DecisionRecord>> chains =
                audit.stream().collect(Collectors.groupingBy(DecisionRecord::getTenantId));
        assertThat(chains).containsOnlyKeys(BANK, INSURER, UNION);
        assertThat(chains.get(BANK)).hasSize(4);
        for (List<DecisionRecord> chain : chains.values()) {
            chain.sort(Comparator.comparing(DecisionRecord::getChainSeq));
            String prev = ChainHasher.GENESIS;
            for (int i = 0; i < chain.size(); i++) {
                DecisionRecord d = chain.get(i);
                assertThat(d.getChainShard()).isZero();
                assertThat(d.getChainSeq()).isEqualTo(i + 1L);
                assertThat(d.getPrevHash()).isEqualTo(prev);
                assertThat(d.getHash()).isEqualTo(hasher.hash(prev, d));
                prev = d.getHash();
            }
            DecisionRecord last = chain.get(chain.size() - 1);
            ChainHead head =
                    heads.stream()
                            .filter(h -> h.getTenantId().equals(last.getTenantId()))
                            .max(Comparator.comparing(ChainHead::getChainSeq))
                            .orElseThrow();
            assertThat(head.getChainSeq()).isEqualTo(last.getChainSeq());
            assertThat(head.getHash()).isEqualTo(last.getHash());
            assertThat(head.getEventId()).isEqualTo(last.getEventId());
        }
        // every head published on the way names a record of its chain
        Map<String, DecisionRecord> bySeq =
                audit.stream()
                        .collect(
                                Collectors.toMap(
                                        d -> d.getTenantId() + "/" + d.getChainSeq(), d -> d));
        assertThat(heads)
                .isNotEmpty()
                .allSatisfy(
                        h ->
                                assertThat(bySeq.get(h.getTenantId() + "/" + h.getChainSeq()))
                                        .extracting(DecisionRecord::getHash)
                                        .isEqualTo(h.getHash()));
    }

    @Test
    void chainsTheQuarantinePerTenantAndPublishesItsHeads() {
        QuarantineChainHasher hasher = new QuarantineChainHasher();
        Map<String, List<QuarantineRecord>> chains =
                quarantine.stream()
                        .collect(
                                Collectors.groupingBy(
                                        q -> QuarantineChainHasher.chainTenant(q.getTenantId())));
        // the malformed record and the one without tenant have no tenant: the reserved chain
        assertThat(chains).containsOnlyKeys(QuarantineChainHasher.NO_TENANT, BANK);
        assertThat(chains.get(QuarantineChainHasher.NO_TENANT)).hasSize(2);
        assertThat(chains.get(BANK)).hasSize(1);
        for (Map.Entry<String, List<QuarantineRecord>> chain : chains.entrySet()) {
            List<QuarantineRecord> records = chain.getValue();
            records.sort(Comparator.comparing(QuarantineRecord::getChainSeq));
            String prev = ChainHasher.GENESIS;
            for (int i = 0; i < records.size(); i++) {
                QuarantineRecord q = records.get(i);
                assertThat(q.getChainShard()).isZero();
                assertThat(q.getChainSeq()).isEqualTo(i + 1L);
                assertThat(q.getPrevHash()).isEqualTo(prev);
                assertThat(q.getHash()).isEqualTo(hasher.hash(prev, q));
                prev = q.getHash();
            }
            ChainHead head =
                    quarantineHeads.stream()
                            .filter(h -> h.getTenantId().equals(chain.getKey()))
                            .max(Comparator.comparing(ChainHead::getChainSeq))
                            .orElseThrow();
            assertThat(head.getChainSeq()).isEqualTo(records.size());
            assertThat(head.getHash()).isEqualTo(prev);
        }
        // quarantine heads are not mixed into the decision heads
        assertThat(heads).noneMatch(h -> h.getTenantId().equals(QuarantineChainHasher.NO_TENANT));
    }

    @Test
    void writesAMaskedCopyOfEveryStoredDecision() {
        Map<String, DecisionRecord> stored = byEventId(audit);
        assertThat(ops)
                .extracting(OpsDecisionRecord::getEventId)
                .containsExactlyInAnyOrderElementsOf(stored.keySet());
        for (OpsDecisionRecord o : ops) {
            DecisionRecord d = stored.get(o.getEventId());
            assertThat(o.getTenantId()).isEqualTo(d.getTenantId());
            assertThat(o.getContentSha256()).isEqualTo(d.getContentSha256());
            assertThat(o.getModelVersion()).isEqualTo(d.getModelVersion());
            assertThat(o.getPseudonymKeyId()).isEqualTo("k1");
            assertThat(o.getUserPseudonym()).isNotBlank().doesNotContain(d.getUserId());
            assertThat(o.getMaskingPolicyVersion()).isNotBlank();
        }
        // the same user gets the same pseudonym, different users different ones
        Map<String, String> pseudonymByUser = new TreeMap<>();
        for (OpsDecisionRecord o : ops) {
            String user = stored.get(o.getEventId()).getUserId();
            String before = pseudonymByUser.putIfAbsent(user, o.getUserPseudonym());
            assertThat(before).isIn(null, o.getUserPseudonym());
        }
        assertThat(pseudonymByUser.values()).doesNotHaveDuplicates();
    }

    private static String eventId(int i) {
        return String.format("evt-%d-t%08d", 14, i);
    }

    private static SampleDecisions.Event decision(int i, String tenant, String version)
            throws IOException {
        SampleDecisions.Event base =
                SampleDecisions.eventAt(14, i, tenant, NOW.minusSeconds(60L * (20 - i)));
        ObjectNode e = (ObjectNode) JSON.readTree(base.value());
        ObjectNode ai = (ObjectNode) e.get("aiInteraction");
        ai.put("modelVersion", version);
        ai.put("modelMetadataId", "meta_" + version.substring(7).replace("-", ""));
        return new SampleDecisions.Event(base.key(), bytes(e), tenant, base.eventId());
    }

    private static SampleDecisions.Event withoutTenant(SampleDecisions.Event event)
            throws IOException {
        ObjectNode e = (ObjectNode) JSON.readTree(event.value());
        e.remove("tenantId");
        return new SampleDecisions.Event(event.key(), bytes(e), null, null);
    }

    private static SampleDecisions.Event card(
            String eventId, String version, String metadataId, String... certs) {
        ObjectNode e = JSON.createObjectNode();
        e.put("eventId", eventId);
        e.put("eventType", "MODEL_VERSION_REGISTERED");
        e.put("timestamp", NOW.minusSeconds(3600).toString());
        e.put("tenantId", BANK);
        e.put("modelMetadataId", metadataId);
        ObjectNode m = e.putObject("modelMetadata");
        m.put("modelName", "gpt-4o");
        m.put("version", version);
        var list = m.putArray("certifications");
        for (String c : certs) {
            list.addObject().put("name", c).put("passed", true);
        }
        return new SampleDecisions.Event(eventId, bytes(e), BANK, eventId);
    }

    private static SampleDecisions.Event raw(String text) {
        return new SampleDecisions.Event("raw", text.getBytes(StandardCharsets.UTF_8), null, null);
    }

    private static byte[] bytes(ObjectNode e) {
        return e.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    private static Map<String, DecisionRecord> byEventId(List<DecisionRecord> records) {
        return records.stream()
                .collect(Collectors.toMap(DecisionRecord::getEventId, Function.identity()));
    }
}
