package io.decisionledger.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.DecisionMetrics;
import java.time.Duration;
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

        // then its row, and the one entry left is the fired window kept for the lateness
        assertThat(rows()).extracting(DecisionMetrics::getRevision).containsExactly(2L);
        assertThat(operator().openWindows()).isZero();
        assertThat(operator().firedWindows()).isOne();
        assertThat(harness.numKeyedStateEntries()).isOne();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void aWindowThePreAggregationHandsOnWithTheWatermarkNeverTouchesKeyedStateBeforeItFires()
            throws Exception {
        // given decisions the pre-aggregation holds until the watermark passes their window
        send(Facts.approved("bank_a", at("10:00:10"), "u1"));
        send(Facts.denied("bank_b", at("10:00:20"), "u2"));
        assertThat(operator().openWindows()).isZero();

        // when the watermark passes it, then two rows and only the two fired windows in state
        watermark(at("10:01:00"));
        assertThat(rows()).hasSize(2);
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        assertThat(operator().firedWindows()).isEqualTo(2);
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
}
