package io.decisionledger.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.testkit.SampleDecisions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The de-duplicator under Flink's keyed operator harness: output, side output, state, timers. */
class DecisionDeduplicatorTest {

    private static final Duration TTL = Duration.ofHours(1);

    private KeyedOneInputStreamOperatorTestHarness<String, ParsedDecision, DecisionRecord> harness;
    private final DecisionParser parser = new DecisionParser(ParserLimits.defaults());
    private final SampleDecisions.Sample sample =
            SampleDecisions.generate(3, 2, 0, 0, Instant.parse("2026-03-15T12:00:00Z"));

    @BeforeEach
    void setUp() throws Exception {
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new DecisionDeduplicator(TTL)),
                        DecisionDeduplicator.key(),
                        org.apache.flink.api.common.typeinfo.Types.STRING);
        harness.open();
        harness.setProcessingTime(0);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private ParsedDecision parsed(byte[] value, long offset) {
        ParseOutcome outcome =
                parser.parse(value, "t", 0, offset, Instant.parse("2026-03-15T12:00:00Z"));
        assertThat(outcome.isAccepted()).as(outcome.toString()).isTrue();
        return ParsedDecision.accepted(outcome, value);
    }

    private List<QuarantineRecord> quarantined() {
        var side = harness.getSideOutput(Quarantine.OUTPUT);
        // The harness has no queue for a side output nothing was sent to yet.
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void emitsTheFirstCopyAndQuarantinesAnIdenticalResend() throws Exception {
        // given one event
        byte[] event = sample.valid().get(0).value();

        // when it arrives twice: each copy gets its own salt, so their content hashes differ
        ParsedDecision first = parsed(event, 1);
        ParsedDecision second = parsed(event, 2);
        assertThat(second.decision.getContentSha256())
                .isNotEqualTo(first.decision.getContentSha256());
        harness.processElement(new StreamRecord<>(first));
        harness.processElement(new StreamRecord<>(second));

        // then the first is stored, the second quarantined with its own coordinates and raw bytes
        assertThat(harness.extractOutputValues())
                .singleElement()
                .satisfies(d -> assertThat(d.getSourceOffset()).isEqualTo(1));
        assertThat(quarantined())
                .singleElement()
                .satisfies(
                        q -> {
                            assertThat(q.getReasonCode()).isEqualTo("DUPLICATE_EVENT_ID");
                            assertThat(q.getDetail()).contains("identical");
                            assertThat(q.getSourceOffset()).isEqualTo(2);
                            assertThat(q.getRaw().array()).isEqualTo(event);
                            assertThat(q.getEventId()).isEqualTo(sample.valid().get(0).eventId());
                        });
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        assertThat(harness.numProcessingTimeTimers()).isEqualTo(1);
    }

    @Test
    void flagsAConflictingCopyWithTheSameEventId() throws Exception {
        byte[] event = sample.valid().get(0).value();
        String text = new String(event, java.nio.charset.StandardCharsets.UTF_8);
        byte[] conflicting =
                text.replace("\"finishReason\":\"stop\"", "\"finishReason\":\"length\"")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(conflicting).isNotEqualTo(event);

        ParsedDecision first = parsed(event, 1);
        harness.processElement(new StreamRecord<>(first));
        harness.processElement(new StreamRecord<>(parsed(conflicting, 2)));

        assertThat(harness.extractOutputValues()).hasSize(1);
        assertThat(quarantined())
                .singleElement()
                .satisfies(
                        q ->
                                assertThat(q.getDetail())
                                        .isEqualTo(
                                                "eventId already stored for this tenant with"
                                                        + " different content (fingerprint of the"
                                                        + " stored copy "
                                                        + first.fingerprint()
                                                        + ")"));
    }

    @Test
    void keepsDistinctEventsAndTheSameIdInAnotherTenantApart() throws Exception {
        byte[] first = sample.valid().get(0).value();
        byte[] second = sample.valid().get(1).value();
        String otherTenant =
                new String(first, java.nio.charset.StandardCharsets.UTF_8)
                        .replaceFirst("\"tenantId\":\"[a-z_0-9]+\"", "\"tenantId\":\"other_bank\"");

        harness.processElement(new StreamRecord<>(parsed(first, 1)));
        harness.processElement(new StreamRecord<>(parsed(second, 2)));
        harness.processElement(
                new StreamRecord<>(
                        parsed(otherTenant.getBytes(java.nio.charset.StandardCharsets.UTF_8), 3)));

        assertThat(harness.extractOutputValues()).hasSize(3);
        assertThat(quarantined()).isEmpty();
        assertThat(harness.numKeyedStateEntries()).isEqualTo(3);
    }

    @Test
    void forgetsAnEventIdAfterTheTtlAndLeavesNoStateOrTimers() throws Exception {
        byte[] event = sample.valid().get(0).value();
        harness.processElement(new StreamRecord<>(parsed(event, 1)));

        // just before the TTL the id is still remembered
        harness.setProcessingTime(TTL.toMillis() - 1);
        harness.processElement(new StreamRecord<>(parsed(event, 2)));
        assertThat(quarantined()).hasSize(1);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);

        // at the TTL, state and timer are gone
        harness.setProcessingTime(TTL.toMillis());
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();

        // and a copy arriving later is stored again (the verify job reports such duplicates)
        harness.processElement(new StreamRecord<>(parsed(event, 3)));
        assertThat(harness.extractOutputValues()).hasSize(2);
    }

    @Test
    void restoresRememberedIdsFromASnapshot() throws Exception {
        byte[] event = sample.valid().get(0).value();
        harness.processElement(new StreamRecord<>(parsed(event, 1)));
        var snapshot = harness.snapshot(1, 1);
        harness.close();

        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(new DecisionDeduplicator(TTL)),
                        DecisionDeduplicator.key(),
                        org.apache.flink.api.common.typeinfo.Types.STRING);
        harness.initializeState(snapshot);
        harness.open();
        harness.processElement(new StreamRecord<>(parsed(event, 2)));

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(quarantined()).hasSize(1);
    }

    private static final Duration DIGEST_TTL = Duration.ofDays(400);

    /** A harness for ingest's de-duplicator, which keeps content digests for DIGEST_TTL. */
    private KeyedOneInputStreamOperatorTestHarness<String, ParsedDecision, DecisionRecord>
            ingestHarness(DecisionDeduplicator dedup) throws Exception {
        var h =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        new KeyedProcessOperator<>(dedup),
                        DecisionDeduplicator.key(),
                        org.apache.flink.api.common.typeinfo.Types.STRING);
        return h;
    }

    private byte[] conflictingCopyOf(byte[] event) {
        byte[] conflicting =
                new String(event, java.nio.charset.StandardCharsets.UTF_8)
                        .replace("\"finishReason\":\"stop\"", "\"finishReason\":\"length\"")
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(conflicting).isNotEqualTo(event);
        return conflicting;
    }

    private static long counter(
            KeyedOneInputStreamOperatorTestHarness<String, ParsedDecision, DecisionRecord> h,
            String name) {
        return ((org.apache.flink.streaming.api.operators.KeyedProcessOperator<?, ?, ?>)
                                        h.getOperator())
                                .getUserFunction()
                        instanceof DecisionDeduplicator d
                ? (name.equals(DecisionDeduplicator.METRIC_COLLISIONS)
                        ? d.collisions()
                        : d.resends())
                : -1;
    }

    @Test
    void countsADifferentCopyStoredAfterTheWindowAsACollision() throws Exception {
        harness.close();
        harness = ingestHarness(new DecisionDeduplicator(TTL, DIGEST_TTL));
        harness.open();
        harness.setProcessingTime(0);
        harness.setStateTtlProcessingTime(0);
        byte[] event = sample.valid().get(0).value();
        byte[] conflicting = conflictingCopyOf(event);

        // given an event stored, and its de-duplication window over
        harness.processElement(new StreamRecord<>(parsed(event, 1)));
        harness.setProcessingTime(TTL.toMillis());
        harness.setStateTtlProcessingTime(TTL.toMillis());

        // when a copy with the same event id but other content arrives
        harness.processElement(new StreamRecord<>(parsed(conflicting, 2)));

        // then it is stored as before, and counted as a collision, not as a re-send
        assertThat(harness.extractOutputValues()).hasSize(2);
        assertThat(quarantined()).isEmpty();
        assertThat(counter(harness, DecisionDeduplicator.METRIC_COLLISIONS)).isEqualTo(1);
        assertThat(counter(harness, DecisionDeduplicator.METRIC_RESENDS)).isZero();
        // the window's state again (hash + timer) and the long-lived digest
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
    }

    @Test
    void countsTheSameCopyStoredAfterTheWindowAsAResend() throws Exception {
        harness.close();
        harness = ingestHarness(new DecisionDeduplicator(TTL, DIGEST_TTL));
        harness.open();
        harness.setProcessingTime(0);
        harness.setStateTtlProcessingTime(0);
        byte[] event = sample.valid().get(0).value();

        harness.processElement(new StreamRecord<>(parsed(event, 1)));
        harness.setProcessingTime(TTL.toMillis());
        harness.setStateTtlProcessingTime(TTL.toMillis());
        harness.processElement(new StreamRecord<>(parsed(event, 2)));

        assertThat(harness.extractOutputValues()).hasSize(2);
        assertThat(counter(harness, DecisionDeduplicator.METRIC_RESENDS)).isEqualTo(1);
        assertThat(counter(harness, DecisionDeduplicator.METRIC_COLLISIONS)).isZero();
    }

    @Test
    void forgetsTheDigestAfterItsOwnTtl() throws Exception {
        harness.close();
        harness = ingestHarness(new DecisionDeduplicator(TTL, DIGEST_TTL));
        harness.open();
        harness.setProcessingTime(0);
        harness.setStateTtlProcessingTime(0);
        byte[] event = sample.valid().get(0).value();
        harness.processElement(new StreamRecord<>(parsed(event, 1)));

        // long after both TTLs, a different copy is a new event again: nothing to compare with
        harness.setProcessingTime(DIGEST_TTL.toMillis());
        harness.setStateTtlProcessingTime(DIGEST_TTL.toMillis());
        harness.processElement(new StreamRecord<>(parsed(conflictingCopyOf(event), 2)));

        assertThat(harness.extractOutputValues()).hasSize(2);
        assertThat(counter(harness, DecisionDeduplicator.METRIC_COLLISIONS)).isZero();
        assertThat(counter(harness, DecisionDeduplicator.METRIC_RESENDS)).isZero();
    }

    @Test
    void keepsDigestsAcrossASnapshotAndAddsNoStateWithoutADigestTtl() throws Exception {
        // the metrics job's de-duplicator (no digest TTL) keeps only its window state
        byte[] event = sample.valid().get(0).value();
        harness.processElement(new StreamRecord<>(parsed(event, 1)));
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);
        harness.close();

        // ingest's keeps the digest, and it survives a snapshot/restore
        harness = ingestHarness(new DecisionDeduplicator(TTL, DIGEST_TTL));
        harness.open();
        harness.setProcessingTime(0);
        harness.setStateTtlProcessingTime(0);
        harness.processElement(new StreamRecord<>(parsed(event, 1)));
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        var snapshot = harness.snapshot(1, 1);
        harness.close();
        harness = ingestHarness(new DecisionDeduplicator(TTL, DIGEST_TTL));
        harness.setStateTtlProcessingTime(TTL.toMillis());
        harness.initializeState(snapshot);
        harness.open();
        harness.setProcessingTime(TTL.toMillis());

        harness.processElement(new StreamRecord<>(parsed(conflictingCopyOf(event), 2)));

        assertThat(counter(harness, DecisionDeduplicator.METRIC_COLLISIONS)).isEqualTo(1);
    }

    @Test
    void keepsADigestAtLeastAsLongAsTheWindow() throws Exception {
        // a digest TTL shorter than the window would expire before it could be compared
        harness.close();
        harness = ingestHarness(new DecisionDeduplicator(TTL, Duration.ofMinutes(1)));
        harness.open();
        harness.setProcessingTime(0);
        harness.setStateTtlProcessingTime(0);
        byte[] event = sample.valid().get(0).value();
        harness.processElement(new StreamRecord<>(parsed(event, 1)));

        harness.setProcessingTime(TTL.toMillis());
        harness.setStateTtlProcessingTime(TTL.toMillis() - 1);
        harness.processElement(new StreamRecord<>(parsed(conflictingCopyOf(event), 2)));

        assertThat(counter(harness, DecisionDeduplicator.METRIC_COLLISIONS)).isEqualTo(1);
    }
}
