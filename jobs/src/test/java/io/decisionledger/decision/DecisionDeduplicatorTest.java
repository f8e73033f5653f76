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
}
