package io.decisionledger.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.DecisionMetrics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The metrics branch's {@link HeldWindowOperator} under every test of {@link MetricsWindowTest}
 * (rows, corrections, too-late decisions, state left behind, checkpoints and restarts, live equals
 * batch: what Flink's window operator does there, it must do), and what it does differently: an
 * open window touches keyed state only when a checkpoint comes before the watermark passes it, a
 * fired one only for the allowed lateness.
 */
class HeldWindowOperatorTest extends MetricsWindowTest {

    @Override
    MetricsPipeline.Operators operators() {
        return MetricsPipeline.Operators.INGEST_BRANCH;
    }

    private HeldWindowOperator operator() {
        return (HeldWindowOperator) harness.getOneInputOperator();
    }

    @Override
    int firedWindowsKept() {
        return operator().firedWindows();
    }

    @Override
    int windowsLeft() {
        return harness.numKeyedStateEntries()
                + harness.numEventTimeTimers()
                + operator().openWindows()
                + operator().firedWindows();
    }

    @Test
    void anOpenWindowIsWrittenToKeyedStateOnlyWhenACheckpointComesFirst() throws Exception {
        // given two decisions in the 10:00 window, handed on by the pre-aggregation at a barrier
        send(Facts.approved("bank_a", at("10:00:10"), "u1"));
        send(Facts.denied("bank_a", at("10:00:20"), "u2"));
        barrier(1);
        assertThat(operator().openWindows()).isEqualTo(1);
        assertThat(harness.numKeyedStateEntries()).as("held in the heap only").isZero();
        assertThat(harness.numEventTimeTimers()).isZero();

        // when the checkpoint is taken, and then the watermark passes the window
        harness.snapshot(1, 1);
        assertThat(harness.numKeyedStateEntries()).as("open window in the checkpoint").isOne();
        watermark(at("10:01:00"));

        // then its row; the open window's entry is gone, the fired window kept in the heap
        assertThat(rows()).extracting(DecisionMetrics::getRevision).containsExactly(2L);
        assertThat(operator().openWindows()).isZero();
        assertThat(operator().firedWindows()).isOne();
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();

        // and the next checkpoint writes the fired window (it changed since the last one), once
        harness.snapshot(2, 2);
        assertThat(harness.numKeyedStateEntries()).isOne();
    }

    @Test
    void aWindowThePreAggregationHandsOnWithTheWatermarkNeverTouchesKeyedStateBeforeItFires()
            throws Exception {
        // given decisions the pre-aggregation holds until the watermark passes their window
        send(Facts.approved("bank_a", at("10:00:10"), "u1"));
        send(Facts.denied("bank_b", at("10:00:20"), "u2"));
        assertThat(operator().openWindows()).isZero();

        // when the watermark passes it, then two rows, the fired windows in the heap only
        watermark(at("10:01:00"));
        assertThat(rows()).hasSize(2);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(operator().firedWindows()).isEqualTo(2);
        assertThat(operator().firedWindowsInHeap()).isEqualTo(2);
    }

    @Test
    void withoutAllowedLatenessAWindowNeverTouchesKeyedState() throws Exception {
        // given no allowed lateness
        harness.close();
        preAggregate.close();
        newHarnesses(Granularity.parse("1m"), Duration.ZERO);
        preAggregate.open();
        harness.open();

        // when a window gets decisions and fires, and a decision for it arrives after that
        send(Facts.approved("bank_a", at("10:00:10"), "u1"));
        send(Facts.approved("bank_b", at("10:00:40"), "u2"));
        watermark(at("10:01:00"));
        send(Facts.denied("bank_a", at("10:00:50"), "u3"));

        // then two rows, the late decision too late, and no state at any point
        assertThat(rows()).hasSize(2);
        assertThat(tooLate()).hasSize(1);
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(operator().firedWindows()).isZero();
        assertThat(operator().openWindows()).isZero();
    }

    @Test
    void firedWindowsBeyondTheHeapCapMoveToKeyedStateAndStillTakeLateDecisions() throws Exception {
        // given the same decisions, one in three late, into an operator that keeps at most one
        // fired window in the heap and into one with the default cap
        List<MetricsPartial> decisions = new ArrayList<>();
        for (int s = 0; s < 600; s += 11) {
            decisions.add(
                    MetricsPartial.of(
                            Facts.approved(
                                    s % 2 == 0 ? "bank_a" : "bank_b", T.plusSeconds(s), "u" + s)));
        }
        List<List<DecisionMetrics>> rows =
                rowsWithEachCap(
                        (h, op, cap) -> {
                            for (int i = 0; i < decisions.size(); i++) {
                                MetricsPartial p = decisions.get(i);
                                long t = p.decision().eventTimeMillis();
                                // every third decision arrives after the watermark passed its
                                // window
                                h.processWatermark(i % 3 == 2 ? t + 90_000 : t - 30_000);
                                h.processElement(new StreamRecord<>(p, t));
                            }
                            if (cap == 1) {
                                assertThat(op.firedWindowsInHeap()).isLessThanOrEqualTo(1);
                                assertThat(h.numKeyedStateEntries())
                                        .as("fired windows moved to keyed state")
                                        .isPositive();
                            }
                            h.processWatermark(Long.MAX_VALUE);
                            assertThat(h.numKeyedStateEntries()).isZero();
                            assertThat(op.firedWindows()).isZero();
                        });

        // then both wrote the same rows, corrections included
        assertThat(rows.get(0).stream().filter(r -> r.getRevision() > 1)).isNotEmpty();
        assertThat(sorted(rows.get(0))).isEqualTo(sorted(rows.get(1)));
    }

    @Test
    void openWindowsBeyondTheHeapCapWaitInKeyedStateAndStillCountEveryDecision() throws Exception {
        // given decisions over ten minutes of two tenants while the watermark is held back, each
        // window getting decisions at two different times
        List<MetricsPartial> decisions = new ArrayList<>();
        for (int round = 0; round < 2; round++) {
            for (int s = round; s < 600; s += 13) {
                decisions.add(
                        MetricsPartial.of(
                                Facts.approved(
                                        s % 2 == 0 ? "bank_a" : "bank_b",
                                        T.plusSeconds(s),
                                        "u" + s)));
            }
        }
        List<List<DecisionMetrics>> rows =
                rowsWithEachCap(
                        (h, op, cap) -> {
                            for (MetricsPartial p : decisions) {
                                h.processElement(
                                        new StreamRecord<>(p, p.decision().eventTimeMillis()));
                            }
                            assertThat(op.openWindows()).isEqualTo(20);
                            if (cap == 1) {
                                assertThat(op.openWindowsInHeap()).isLessThanOrEqualTo(1);
                                // (the other 19 only in keyed state: one map per key)
                                assertThat(h.numKeyedStateEntries()).isEqualTo(2);
                            }
                            h.processWatermark(Long.MAX_VALUE);
                            assertThat(h.numKeyedStateEntries()).isZero();
                            assertThat(op.openWindows()).isZero();
                            assertThat(op.openWindowsInHeap()).isZero();
                        });

        // then both wrote one row per window, the same, covering every decision
        assertThat(rows.get(0)).hasSize(20);
        assertThat(rows.get(0).stream().mapToLong(DecisionMetrics::getTotalDecisions).sum())
                .isEqualTo(decisions.size());
        assertThat(sorted(rows.get(0))).isEqualTo(sorted(rows.get(1)));
    }

    /** One run of the cap tests: feeds and checks the operator under {@code h}. */
    private interface CapRun {
        void run(
                KeyedOneInputStreamOperatorTestHarness<
                                Tuple3<String, String, String>, MetricsPartial, DecisionMetrics>
                        h,
                HeldWindowOperator op,
                int cap)
                throws Exception;
    }

    /**
     * Runs {@code run} on a held-window operator of 1m windows and 5 minutes' lateness with a heap
     * cap of 1, then of the default, and returns the rows of each.
     */
    private static List<List<DecisionMetrics>> rowsWithEachCap(CapRun run) throws Exception {
        List<List<DecisionMetrics>> rows = new ArrayList<>();
        for (int cap : List.of(1, HeldWindowOperator.MAX_IN_HEAP)) {
            try (KeyedOneInputStreamOperatorTestHarness<
                            Tuple3<String, String, String>, MetricsPartial, DecisionMetrics>
                    h =
                            new KeyedOneInputStreamOperatorTestHarness<>(
                                    new HeldWindowOperator(MINUTE, Duration.ofMinutes(5), cap),
                                    new MetricsPipeline.WindowKey(),
                                    Types.TUPLE(Types.STRING, Types.STRING, Types.STRING))) {
                h.open();
                run.run(h, (HeldWindowOperator) h.getOneInputOperator(), cap);
                rows.add(h.extractOutputValues());
            }
        }
        return rows;
    }
}
