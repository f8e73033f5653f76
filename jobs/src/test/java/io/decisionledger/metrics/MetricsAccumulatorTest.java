package io.decisionledger.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.decisionledger.schema.DecisionMetrics;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The window accumulator: exact values, a row that depends only on the set of decisions (not their
 * order, not how partial results were merged), stated HLL error, and a compact state format.
 */
class MetricsAccumulatorTest {

    private static final Instant T = Instant.parse("2026-03-15T10:00:00Z");
    private static final String[] FINISH = {"stop", "stop", "stop", "length", "tool_calls", null};

    private static DecisionMetrics row(MetricsAccumulator a) {
        return a.toRow(
                "1h", "bank_456", "gpt-4o", "v1", T.toEpochMilli(), T.toEpochMilli() + 3_600_000);
    }

    private static MetricsAccumulator accumulate(List<DecisionFacts> facts) {
        MetricsAccumulator a = new MetricsAccumulator();
        facts.forEach(a::add);
        return a;
    }

    /** An hour of varied decisions: outcomes, missing confidences, finish reasons, users. */
    private static List<DecisionFacts> anHour(long seed, int n, int users) {
        Random random = new Random(seed);
        List<DecisionFacts> facts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int outcome = random.nextInt(10);
            Boolean approved = outcome < 6 ? Boolean.TRUE : outcome < 9 ? Boolean.FALSE : null;
            Double confidence =
                    approved == null ? null : Math.round(random.nextDouble() * 1000) / 1000.0;
            facts.add(
                    Facts.of(
                            "bank_456",
                            "v1",
                            T.plusMillis(random.nextInt(3_600_000)),
                            approved,
                            confidence,
                            FINISH[random.nextInt(FINISH.length)],
                            random.nextInt(3) == 0 ? -1 : 20 + random.nextInt(80),
                            "user_" + random.nextInt(users)));
        }
        return facts;
    }

    @Test
    void countsOutcomesConfidencesTokensAndFinishReasonsExactly() {
        // given
        MetricsAccumulator a = new MetricsAccumulator();
        a.add(Facts.of("bank_456", "v1", T, true, 0.92, "stop", 45, "user_1"));
        a.add(Facts.of("bank_456", "v1", T, true, 0.80, "length", 30, "user_2"));
        a.add(Facts.of("bank_456", "v1", T, false, 0.55, "content_filter", 10, "user_1"));
        a.add(Facts.of("bank_456", "v1", T, null, null, "end_turn", -1, "user_3"));
        a.add(Facts.of("bank_456", "v1", T, false, null, null, 5, "user_4"));

        // when
        DecisionMetrics r = row(a);

        // then
        assertThat(r.getGranularity()).isEqualTo("1h");
        assertThat(r.getWindowStart()).isEqualTo(T);
        assertThat(r.getWindowEnd()).isEqualTo(T.plusSeconds(3600));
        assertThat(r.getRevision()).isEqualTo(5);
        assertThat(r.getTotalDecisions()).isEqualTo(5);
        assertThat(r.getApproved()).isEqualTo(2);
        assertThat(r.getDenied()).isEqualTo(2);
        assertThat(r.getNoDecision()).isEqualTo(1);
        assertThat(r.getApprovalRate()).isEqualTo(0.4);
        assertThat(r.getDenialRate()).isEqualTo(0.4);
        assertThat(r.getConfidenceCount()).isEqualTo(3);
        assertThat(r.getConfidenceMean()).isEqualTo(0.7566666666666667);
        assertThat(r.getConfidenceMin()).isEqualTo(0.55);
        assertThat(r.getConfidenceMax()).isEqualTo(0.92);
        assertThat(r.getConfidenceP50()).isEqualTo(0.8);
        assertThat(r.getConfidenceP90()).isEqualTo(0.92);
        assertThat(r.getConfidenceP99()).isEqualTo(0.92);
        assertThat(r.getResponseTokensSum()).isEqualTo(90);
        assertThat(r.getFinishReasonStop()).isEqualTo(1);
        assertThat(r.getFinishReasonLength()).isEqualTo(1);
        assertThat(r.getFinishReasonContentFilter()).isEqualTo(1);
        assertThat(r.getFinishReasonToolCalls()).isZero();
        assertThat(r.getFinishReasonOther()).isEqualTo(1);
        assertThat(r.getFinishReasonMissing()).isEqualTo(1);
        assertThat(r.getDistinctUsers()).isEqualTo(4);
    }

    @Test
    void aWindowWithoutConfidencesHasNullConfidenceColumns() {
        MetricsAccumulator a = new MetricsAccumulator();
        a.add(Facts.of("bank_456", "v1", T, null, null, "stop", 10, "user_1"));
        DecisionMetrics r = row(a);
        assertThat(r.getConfidenceCount()).isZero();
        assertThat(r.getConfidenceMean()).isNull();
        assertThat(r.getConfidenceMin()).isNull();
        assertThat(r.getConfidenceP50()).isNull();
        assertThat(r.getApprovalRate()).isZero();
        assertThat(r.getNoDecision()).isEqualTo(1);
    }

    @Test
    void theRowDoesNotDependOnArrivalOrder() {
        // given 5 000 decisions of 3 000 users (the HLL is past its exact mode)
        List<DecisionFacts> facts = anHour(1, 5_000, 3_000);
        DecisionMetrics inOrder = row(accumulate(facts));

        for (long seed = 2; seed < 6; seed++) {
            // when the same decisions arrive in another order
            List<DecisionFacts> shuffled = new ArrayList<>(facts);
            Collections.shuffle(shuffled, new Random(seed));
            // then every column is identical, to the last bit
            assertThat(row(accumulate(shuffled))).isEqualTo(inOrder);
        }
    }

    @Test
    void anHourIsExactlyTheMergeOfItsMinutes() {
        // given an hour of decisions, accumulated directly and per minute
        List<DecisionFacts> facts = anHour(3, 6_000, 4_000);
        MetricsAccumulator hour = accumulate(facts);
        List<MetricsAccumulator> minutes = new ArrayList<>();
        for (int m = 0; m < 60; m++) {
            minutes.add(new MetricsAccumulator());
        }
        for (DecisionFacts f : facts) {
            minutes.get((int) ((f.eventTimeMillis() - T.toEpochMilli()) / 60_000)).add(f);
        }

        // when the minutes are merged (in an order unrelated to time)
        Collections.shuffle(minutes, new Random(4));
        MetricsAccumulator rolledUp = new MetricsAccumulator();
        minutes.forEach(rolledUp::merge);

        // then the roll-up is the hour, percentiles and distinct users included
        assertThat(row(rolledUp)).isEqualTo(row(hour));
        assertThat(minutes.stream().mapToLong(MetricsAccumulator::total).sum()).isEqualTo(6_000);
    }

    @Test
    void distinctUsersAreExactWhenFewAndWithinTheStatedErrorWhenMany() {
        for (int n : new int[] {1, 10, 100, 384}) {
            MetricsAccumulator a = new MetricsAccumulator();
            for (int u = 0; u < n; u++) {
                a.add(Facts.approved("bank_456", T, "user_" + u));
                a.add(Facts.approved("bank_456", T, "user_" + u)); // a second decision, same user
            }
            assertThat(a.distinctUsers()).as("%d users", n).isEqualTo(n);
        }
        for (int n : new int[] {385, 500, 2_000, 20_000, 200_000}) {
            MetricsAccumulator a = new MetricsAccumulator();
            for (int u = 0; u < n; u++) {
                a.add(Facts.approved("bank_456", T, "user_" + u));
            }
            // 1.6 % relative standard error; three of them is a 99.7 % bound
            assertThat((double) a.distinctUsers())
                    .as("%d users", n)
                    .isCloseTo(n, within(n * 0.048));
        }
    }

    @Test
    void stateRoundTripsThroughTheSerializerAndStaysSmall() throws IOException {
        MetricsAccumulator one = accumulate(List.of(Facts.approved("bank_456", T, "user_1")));
        MetricsAccumulator minute = accumulate(anHour(5, 100, 80));
        MetricsAccumulator day = accumulate(anHour(6, 50_000, 20_000));

        for (MetricsAccumulator a : List.of(one, minute, day, new MetricsAccumulator())) {
            byte[] bytes = serialize(a);
            MetricsAccumulator back =
                    MetricsAccumulatorSerializer.INSTANCE.deserialize(
                            new DataInputDeserializer(bytes));
            assertThat(row(back)).isEqualTo(row(a));
            // the restored accumulator goes on counting like the original
            back.add(Facts.denied("bank_456", T, "user_new"));
            a.copy().add(Facts.denied("bank_456", T, "user_new"));
            assertThat(back.total()).isEqualTo(a.total() + 1);
        }
        assertThat(serialize(one).length).as("one decision").isLessThan(64);
        assertThat(serialize(minute).length).as("100 decisions, 80 users").isLessThan(800);
        assertThat(serialize(day).length).as("50 000 decisions, 20 000 users").isLessThan(5_000);
    }

    @Test
    void copiesAreIndependent() {
        MetricsAccumulator a = accumulate(anHour(7, 50, 20));
        MetricsAccumulator copy = a.copy();
        copy.add(Facts.denied("bank_456", T, "someone_else"));
        assertThat(a.total()).isEqualTo(50);
        assertThat(copy.total()).isEqualTo(51);
        assertThat(row(a)).isEqualTo(row(accumulate(anHour(7, 50, 20))));
    }

    static byte[] serialize(MetricsAccumulator a) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        MetricsAccumulatorSerializer.INSTANCE.serialize(a, out);
        return out.getCopyOfBuffer();
    }
}
