package io.decisionledger.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.schema.LateDecision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.watermarkstatus.WatermarkStatus;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pre-aggregation in front of the metrics windows: one partial per key and window crosses the
 * shuffle, emitted before the watermark that closes the window and before every checkpoint barrier;
 * decisions that may be late go on alone at once; the heap it holds is bounded.
 */
class PreAggregateMetricsTest {

    private static final Granularity MINUTE = Granularity.parse("1m");

    private PreAggregateMetrics operator;
    private OneInputStreamOperatorTestHarness<DecisionFacts, MetricsPartial> harness;

    @BeforeEach
    void setUp() throws Exception {
        operator = new PreAggregateMetrics(MINUTE);
        harness = new OneInputStreamOperatorTestHarness<>(operator);
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private void send(DecisionFacts f) throws Exception {
        harness.processElement(new StreamRecord<>(f, f.eventTimeMillis()));
    }

    /** Everything emitted since the last call, partials and watermarks in order. */
    private List<Object> emitted() {
        List<Object> out = new ArrayList<>(harness.getOutput());
        harness.getOutput().clear();
        return out;
    }

    private static Instant at(String hhmmss) {
        return Instant.parse("2026-03-15T" + hhmmss + "Z");
    }

    @SuppressWarnings("unchecked")
    private static MetricsPartial partial(Object o) {
        return ((StreamRecord<MetricsPartial>) o).getValue();
    }

    @Test
    void holdsAWindowsDecisionsAndEmitsOnePartialPerKeyBeforeTheWatermarkThatClosesIt()
            throws Exception {
        // given 100 decisions of two tenants in the 10:00 minute, and one of 10:01
        for (int i = 0; i < 100; i++) {
            send(
                    Facts.approved(
                            i % 5 < 3 ? "bank_a" : "bank_b",
                            at("10:00:00").plusMillis(i * 500),
                            "u" + i));
        }
        send(Facts.approved("bank_a", at("10:01:30"), "u1"));
        // then nothing crosses the shuffle yet
        assertThat(emitted()).isEmpty();
        assertThat(operator.heldWindows()).isEqualTo(3);

        // when the watermark reaches the 10:00 window's last millisecond
        harness.processWatermark(at("10:00:59.999").toEpochMilli());

        // then one partial per tenant (60 and 40 decisions, stamped inside their window), then
        // the watermark; the 10:01 window is still held
        List<Object> out = emitted();
        assertThat(out).hasSize(3);
        assertThat(out.subList(0, 2).stream().map(PreAggregateMetricsTest::partial))
                .extracting(
                        p -> p.tenantId,
                        MetricsPartial::decisions,
                        MetricsPartial::isSingleDecision)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("bank_a", 60L, false),
                        org.assertj.core.groups.Tuple.tuple("bank_b", 40L, false));
        assertThat(out.subList(0, 2))
                .allSatisfy(
                        o ->
                                assertThat(((StreamRecord<?>) o).getTimestamp())
                                        .isEqualTo(at("10:00:59.999").toEpochMilli()));
        assertThat(out.get(2)).isEqualTo(new Watermark(at("10:00:59.999").toEpochMilli()));
        assertThat(operator.heldWindows()).isEqualTo(1);
    }

    @Test
    void aDecisionWhoseWindowTheWatermarkPassedGoesOnAloneAtOnceWithItsEventId() throws Exception {
        harness.processWatermark(at("10:02:00").toEpochMilli());
        emitted();

        DecisionFacts late = Facts.denied("bank_a", at("10:00:40"), "u3");
        send(late);

        List<Object> out = emitted();
        assertThat(out)
                .singleElement()
                .satisfies(o -> assertThat(partial(o).decision().eventId).isEqualTo(late.eventId));
        assertThat(((StreamRecord<?>) out.get(0)).getTimestamp()).isEqualTo(late.eventTimeMillis());
        assertThat(operator.heldWindows()).isZero();
    }

    @Test
    void nothingIsHeldAcrossABarrierAnIdleInputOrTheEndOfInput() throws Exception {
        send(Facts.approved("bank_a", at("10:00:10"), "u1"));
        send(Facts.approved("bank_a", at("10:00:20"), "u2"));
        harness.prepareSnapshotPreBarrier(1);
        assertThat(emitted())
                .singleElement()
                .satisfies(o -> assertThat(partial(o).decisions()).isEqualTo(2));
        assertThat(harness.snapshot(1, 1).getManagedOperatorState()).isEmpty();

        send(Facts.approved("bank_a", at("10:00:30"), "u3"));
        harness.processWatermarkStatus(WatermarkStatus.IDLE);
        List<Object> out = emitted();
        assertThat(partial(out.get(0)).decisions()).isEqualTo(1);
        assertThat(out.get(1)).isEqualTo(WatermarkStatus.IDLE);

        harness.processWatermarkStatus(WatermarkStatus.ACTIVE);
        emitted();
        send(Facts.approved("bank_b", at("10:00:40"), "u4"));
        operator.finish();
        assertThat(emitted())
                .singleElement()
                .satisfies(o -> assertThat(partial(o).tenantId).isEqualTo("bank_b"));
    }

    @Test
    void theHeldWindowsAreBoundedAndReleasedAllAtOnceWhenFull() throws Exception {
        for (int i = 0; i <= PreAggregateMetrics.MAX_HELD; i++) {
            send(Facts.approved("bank_" + i, at("10:00:10"), "u"));
        }
        assertThat(operator.heldWindows()).isZero();
        assertThat(emitted()).hasSize(PreAggregateMetrics.MAX_HELD + 1);
    }

    @Test
    void aDecisionWithoutEventTimeIsRefusedWithAClearError() {
        assertThatThrownBy(
                        () ->
                                harness.processElement(
                                        new StreamRecord<>(
                                                Facts.approved("bank_a", at("10:00:10"), "u1"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("without an event-time timestamp");
    }

    @Test
    void partialsOfBothKindsSurviveTheWireAndACopy() throws Exception {
        DecisionFacts one =
                Facts.of("bank_a", "v2", at("10:00:10"), null, null, "length", 17, "u9");
        MetricsAccumulator acc = new MetricsAccumulator();
        for (int i = 0; i < 500; i++) {
            acc.add(Facts.approved("bank_a", at("10:00:10"), "user_" + i));
        }
        for (MetricsPartial p :
                List.of(MetricsPartial.of(one), MetricsPartial.of("bank_a", "gpt-4o", "v1", acc))) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            MetricsPartialSerializer.INSTANCE.serialize(p, out);
            MetricsPartial read =
                    MetricsPartialSerializer.INSTANCE.deserialize(
                            new DataInputDeserializer(out.getCopyOfBuffer()));
            MetricsAccumulator direct = p.addTo(new MetricsAccumulator());
            for (MetricsPartial back : List.of(read, MetricsPartialSerializer.INSTANCE.copy(p))) {
                assertThat(back).isNotSameAs(p);
                assertThat(
                                back.addTo(new MetricsAccumulator())
                                        .toRow("1m", "t", "m", "v", 0, 60_000))
                        .isEqualTo(direct.toRow("1m", "t", "m", "v", 0, 60_000));
                assertThat(back.isSingleDecision()).isEqualTo(p.isSingleDecision());
                assertThat(back.toString()).isEqualTo(p.toString());
                if (p.isSingleDecision()) {
                    assertThat(back.decision())
                            .isNotSameAs(one)
                            .usingRecursiveComparison()
                            // NaN confidence (absent) must survive too; Double.equals says so
                            .withEqualsForType(Double::equals, Double.class)
                            .isEqualTo(one);
                }
            }
        }
    }

    @Test
    void aTooLatePartialIsCountedByItsDecisionsAndASingleDecisionIsRecordedByEventId()
            throws Exception {
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();
        try (OneInputStreamOperatorTestHarness<MetricsPartial, LateDecision> tooLate =
                new OneInputStreamOperatorTestHarness<>(
                        new ProcessOperator<>(new TooLateDecisions(MINUTE)),
                        MetricsWindowTest.reportingTo(metrics))) {
            tooLate.open();
            tooLate.processWatermark(at("10:10:00").toEpochMilli());
            MetricsAccumulator three = new MetricsAccumulator();
            for (int i = 0; i < 3; i++) {
                three.add(Facts.approved("bank_a", at("10:00:10"), "u" + i));
            }
            tooLate.processElement(
                    new StreamRecord<>(
                            MetricsPartial.of("bank_a", "gpt-4o", "v1", three),
                            at("10:00:59.999").toEpochMilli()));
            DecisionFacts one = Facts.denied("bank_a", at("10:00:30"), "u7");
            tooLate.processElement(
                    new StreamRecord<>(MetricsPartial.of(one), one.eventTimeMillis()));

            assertThat(tooLate.extractOutputValues())
                    .singleElement()
                    .satisfies(d -> assertThat(d.getEventId()).isEqualTo(one.eventId));
            assertThat(((Counter) metrics.get(TooLateDecisions.METRIC_TOO_LATE)).getCount())
                    .isEqualTo(4);
        }
    }
}
