package io.decisionledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.ChainLinkOperator;
import io.decisionledger.chain.ChainSharding;
import io.decisionledger.decision.DecisionParser;
import io.decisionledger.decision.ParseOutcome;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.decision.Quarantine;
import io.decisionledger.models.RequiredCertifications;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.testkit.SampleDecisions;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The single-shuffle graph's keyed operator under Flink's two-input harness: it must store,
 * quarantine, link and chain exactly as the de-duplicator, the card linker and the chain operator
 * of the two-shuffle graph do, and keep all three states across a snapshot.
 */
class DedupLinkChainOperatorTest {

    private static final Duration TTL = Duration.ofHours(1);
    private static final Instant INGEST = Instant.parse("2026-03-15T12:00:00Z");

    private final DecisionParser parser = new DecisionParser(ParserLimits.defaults());
    private final SampleDecisions.Sample sample = SampleDecisions.generate(3, 40, 0, 0, INGEST);
    private KeyedTwoInputStreamOperatorTestHarness<
                    String, ParsedDecision, ModelVersionCard, DecisionRecord>
            harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = newHarness();
        harness.open();
        harness.setProcessingTime(0);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private static KeyedTwoInputStreamOperatorTestHarness<
                    String, ParsedDecision, ModelVersionCard, DecisionRecord>
            newHarness() throws Exception {
        return new KeyedTwoInputStreamOperatorTestHarness<>(
                new DedupLinkChainOperator(
                        TTL, Duration.ofDays(90), RequiredCertifications.none(), true),
                DedupLinkChainOperator.key(ChainSharding.none()),
                card -> "cards", // the broadcast input touches no keyed state
                Types.STRING);
    }

    private ParsedDecision parsed(byte[] value, long offset) {
        ParseOutcome outcome = parser.parse(value, "t", 0, offset, INGEST);
        assertThat(outcome.isAccepted()).as(outcome.toString()).isTrue();
        return ParsedDecision.accepted(outcome, value);
    }

    private List<QuarantineRecord> quarantined() {
        var side = harness.getSideOutput(Quarantine.OUTPUT);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    private List<ChainHead> heads() {
        var side = harness.getSideOutput(ChainLinkOperator.HEADS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    private static ModelVersionCard card(String version) {
        return ModelVersionCard.newBuilder()
                .setCardId("card-1")
                .setCardSha256("a".repeat(64))
                .setCardJson("{}")
                .setEventId("mv-1")
                .setRegisteredAt(INGEST)
                .setTenantId(null)
                .setModelMetadataId(null)
                .setModelName("gpt-4o")
                .setModelVersion(version)
                .setReleaseDate(null)
                .setTrainingCutoff(null)
                .setFineTuningDataset(null)
                .setEvaluationMetrics(null)
                .setCertifications(List.of())
                .setSourceTopic("decisions")
                .setSourcePartition(0)
                .setSourceOffset(0L)
                .setIngestTime(INGEST)
                .build();
    }

    @Test
    void storesTheFirstCopyChainedAndQuarantinesAnIdenticalResendWithItsRawBytes()
            throws Exception {
        byte[] event = sample.valid().get(0).value();
        harness.processElement1(new StreamRecord<>(parsed(event, 1)));
        harness.processElement1(new StreamRecord<>(parsed(event, 2)));

        List<DecisionRecord> stored = harness.extractOutputValues();
        assertThat(stored).hasSize(1);
        DecisionRecord d = stored.get(0);
        assertThat(d.getSourceOffset()).isEqualTo(1);
        assertThat(d.getChainSeq()).isEqualTo(1L);
        assertThat(d.getPrevHash()).isEqualTo(ChainHasher.GENESIS);
        assertThat(d.getHash()).isEqualTo(new ChainHasher().hash(ChainHasher.GENESIS, d));
        assertThat(d.getModelCardStatus()).isEqualTo("NO_CARD");
        assertThat(quarantined())
                .singleElement()
                .satisfies(
                        q -> {
                            assertThat(q.getReasonCode()).isEqualTo("DUPLICATE_EVENT_ID");
                            assertThat(q.getDetail()).contains("identical");
                            assertThat(q.getSourceOffset()).isEqualTo(2);
                            assertThat(q.getRaw().array()).isEqualTo(event);
                        });
        // one fingerprint, one digest, one chain head; one expiry timer
        assertThat(harness.numKeyedStateEntries()).isEqualTo(3);
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
    }

    @Test
    void namesTheStoredFingerprintWhenACopyConflicts() throws Exception {
        byte[] event = sample.valid().get(0).value();
        byte[] conflicting =
                new String(event, StandardCharsets.UTF_8)
                        .replace("\"finishReason\":\"stop\"", "\"finishReason\":\"length\"")
                        .getBytes(StandardCharsets.UTF_8);
        assertThat(conflicting).isNotEqualTo(event);
        ParsedDecision first = parsed(event, 1);
        harness.processElement1(new StreamRecord<>(first));
        harness.processElement1(new StreamRecord<>(parsed(conflicting, 2)));

        assertThat(quarantined())
                .singleElement()
                .satisfies(
                        q ->
                                assertThat(q.getDetail())
                                        .contains("different content")
                                        .contains(first.fingerprint()));
    }

    @Test
    void chainsEachTenantGapFreeAndPublishesMovedHeadsBeforeTheBarrier() throws Exception {
        int n = sample.valid().size();
        for (int i = 0; i < n; i++) {
            harness.processElement1(new StreamRecord<>(parsed(sample.valid().get(i).value(), i)));
        }
        List<DecisionRecord> stored = harness.extractOutputValues();
        assertThat(stored).hasSize(n);
        java.util.Map<String, DecisionRecord> last = new java.util.HashMap<>();
        for (DecisionRecord d : stored) {
            DecisionRecord before = last.get(d.getTenantId());
            assertThat(d.getChainSeq()).isEqualTo(before == null ? 1 : before.getChainSeq() + 1);
            assertThat(d.getPrevHash())
                    .isEqualTo(before == null ? ChainHasher.GENESIS : before.getHash());
            assertThat(d.getHash()).isEqualTo(new ChainHasher().hash(d.getPrevHash(), d));
            last.put(d.getTenantId(), copy(d));
        }
        harness.prepareSnapshotPreBarrier(1);
        assertThat(heads())
                .hasSize(last.size())
                .allSatisfy(
                        h -> {
                            DecisionRecord tail = last.get(h.getTenantId());
                            assertThat(h.getChainSeq()).isEqualTo(tail.getChainSeq());
                            assertThat(h.getHash()).isEqualTo(tail.getHash());
                            assertThat(h.getEventId()).isEqualTo(tail.getEventId());
                        });
        harness.prepareSnapshotPreBarrier(2);
        assertThat(heads()).as("no chain moved since the last barrier").hasSize(last.size());
    }

    @Test
    void linksToTheCardRegisteredOnTheBroadcastInput() throws Exception {
        ParsedDecision p = parsed(sample.valid().get(0).value(), 1);
        harness.processElement2(new StreamRecord<>(card(p.decision.getModelVersion())));
        harness.processElement1(new StreamRecord<>(p));

        DecisionRecord d = harness.extractOutputValues().get(0);
        assertThat(d.getModelCardId()).isEqualTo("card-1");
        assertThat(d.getModelCardSha256()).isEqualTo("a".repeat(64));
        assertThat(d.getModelCardStatus()).isEqualTo("LINKED");
    }

    @Test
    void forgetsAnEventIdAfterTheTtl() throws Exception {
        byte[] event = sample.valid().get(0).value();
        harness.processElement1(new StreamRecord<>(parsed(event, 1)));
        harness.setProcessingTime(TTL.toMillis());
        assertThat(harness.numProcessingTimeTimers()).isZero();
        harness.processElement1(new StreamRecord<>(parsed(event, 2)));

        assertThat(harness.extractOutputValues())
                .extracting(DecisionRecord::getChainSeq)
                .containsExactly(1L, 2L);
        assertThat(quarantined()).isEmpty();
    }

    @Test
    void keepsEventIdsChainHeadsAndCardsAcrossASnapshot() throws Exception {
        byte[] event = sample.valid().get(0).value();
        ParsedDecision first = parsed(event, 1);
        harness.processElement2(new StreamRecord<>(card(first.decision.getModelVersion())));
        harness.processElement1(new StreamRecord<>(first));
        String hash = harness.extractOutputValues().get(0).getHash();
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        harness.processElement1(new StreamRecord<>(parsed(event, 2)));
        ParsedDecision next = null;
        for (int i = 1; i < sample.valid().size() && next == null; i++) {
            ParsedDecision p = parsed(sample.valid().get(i).value(), 10 + i);
            if (p.decision.getTenantId().equals(first.decision.getTenantId())
                    && p.decision.getModelVersion().equals(first.decision.getModelVersion())) {
                next = p;
            }
        }
        assertThat(next).as("a second event of the same tenant and model version").isNotNull();
        harness.processElement1(new StreamRecord<>(next));

        // the re-send is still a duplicate, the chain continues, the card is still registered
        assertThat(quarantined())
                .singleElement()
                .extracting(QuarantineRecord::getSourceOffset)
                .isEqualTo(2L);
        DecisionRecord d = harness.extractOutputValues().get(0);
        assertThat(d.getChainSeq()).isEqualTo(2L);
        assertThat(d.getPrevHash()).isEqualTo(hash);
        assertThat(d.getModelCardStatus()).isEqualTo("LINKED");
    }

    private static DecisionRecord copy(DecisionRecord d) {
        return DecisionRecord.newBuilder(d).build();
    }
}
