package io.decisionledger.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.schema.DecisionMetrics;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.LateDecision;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkOutputMultiplexer;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.AggregateFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.api.transformations.OneInputTransformation;
import org.apache.flink.streaming.api.windowing.assigners.TumblingEventTimeWindows;
import org.apache.flink.streaming.api.windowing.triggers.EventTimeTrigger;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.util.clock.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The real pre-aggregation and window operator of one granularity, as {@link
 * MetricsPipeline#windows} builds them, under Flink's operator harnesses (the first one's output
 * handed to the second, as chain and shuffle would): rows appear only when the watermark passes a
 * window's end, late decisions within the allowed lateness produce correction rows with higher
 * revisions, later ones go to the side output, and closed windows leave no state or timers. Also:
 * the watermark strategy of the Kafka source with an idle partition, and live-with-late-events
 * equals batch.
 */
class MetricsWindowTest {

    static final Granularity MINUTE = Granularity.parse("1m");
    private static final Duration LATENESS = Duration.ofMinutes(5);
    static final Instant T = Instant.parse("2026-03-15T10:00:00Z");

    private InterceptingOperatorMetricGroup metrics;
    OneInputStreamOperatorTestHarness<DecisionFacts, MetricsPartial> preAggregate;
    KeyedOneInputStreamOperatorTestHarness<
                    Tuple3<String, String, String>, MetricsPartial, DecisionMetrics>
            harness;

    @BeforeEach
    void setUp() throws Exception {
        newHarnesses(MINUTE, LATENESS);
        preAggregate.open();
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        preAggregate.close();
        harness.close();
    }

    /**
     * The pre-aggregation and the window operator of one granularity, each under its harness; what
     * the first emits (partials and watermarks, in order) is handed to the second, as the chain and
     * the shuffle would.
     */
    @SuppressWarnings("unchecked")
    void newHarnesses(Granularity g, Duration lateness) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        DataStream<DecisionFacts> in =
                env.fromSequence(0, 1)
                        .map(i -> new DecisionFacts())
                        .returns(TypeInformation.of(DecisionFacts.class));
        OneInputTransformation<MetricsPartial, DecisionMetrics> t =
                (OneInputTransformation<MetricsPartial, DecisionMetrics>)
                        MetricsPipeline.windows(in, g, lateness, operators()).getTransformation();
        OneInputTransformation<DecisionFacts, MetricsPartial> pre =
                (OneInputTransformation<DecisionFacts, MetricsPartial>)
                        t.getInputs().get(0).getInputs().get(0);
        preAggregate =
                new OneInputStreamOperatorTestHarness<>(
                        (OneInputStreamOperator<DecisionFacts, MetricsPartial>) pre.getOperator());
        metrics = new InterceptingOperatorMetricGroup();
        harness =
                new KeyedOneInputStreamOperatorTestHarness<>(
                        (OneInputStreamOperator<MetricsPartial, DecisionMetrics>) t.getOperator(),
                        (KeySelector<MetricsPartial, Tuple3<String, String, String>>)
                                t.getStateKeySelector(),
                        (TypeInformation<Tuple3<String, String, String>>) t.getStateKeyType(),
                        reportingTo(metrics));
    }

    /** Which job's window operator is under test: the metrics job's (Flink's window operator). */
    MetricsPipeline.Operators operators() {
        return MetricsPipeline.Operators.METRICS_JOB;
    }

    /** Windows kept for late decisions after they fired. */
    int firedWindowsKept() {
        // Flink's operator: one cleanup timer per fired window (its end timer has fired)
        return harness.numEventTimeTimers();
    }

    /** Windows open and kept, in any form: state entries, timers or (held windows) the heap. */
    int windowsLeft() {
        return harness.numKeyedStateEntries() + harness.numEventTimeTimers();
    }

    /** A task environment whose operators report their metrics to {@code metrics}. */
    static MockEnvironment reportingTo(InterceptingOperatorMetricGroup metrics) {
        return io.decisionledger.testing.OperatorMetrics.reportingTo(metrics);
    }

    /** New operators (a restart): the window operator's state from {@code snapshot}, or none. */
    private void restoreFrom(OperatorSubtaskState snapshot) throws Exception {
        preAggregate.close();
        harness.close();
        newHarnesses(MINUTE, LATENESS);
        if (snapshot != null) {
            harness.initializeState(snapshot);
        }
        preAggregate.open();
        harness.open();
    }

    void send(DecisionFacts f) throws Exception {
        preAggregate.processElement(new StreamRecord<>(f, f.eventTimeMillis()));
        handOn();
    }

    void watermark(Instant t) throws Exception {
        watermark(t.toEpochMilli());
    }

    private void watermark(long t) throws Exception {
        preAggregate.processWatermark(t);
        handOn();
    }

    /** A checkpoint barrier reaches the pre-aggregation (what it holds goes on before it). */
    void barrier(long checkpointId) throws Exception {
        preAggregate.prepareSnapshotPreBarrier(checkpointId);
        handOn();
    }

    /** What the pre-aggregation emitted, in order, into the window operator. */
    @SuppressWarnings("unchecked")
    private void handOn() throws Exception {
        Object o;
        while ((o = preAggregate.getOutput().poll()) != null) {
            if (o instanceof StreamRecord<?> r) {
                harness.processElement((StreamRecord<MetricsPartial>) r);
            } else if (o instanceof org.apache.flink.streaming.api.watermark.Watermark w) {
                harness.processWatermark(w);
            }
        }
    }

    List<DecisionMetrics> rows() {
        return harness.extractOutputValues();
    }

    List<DecisionFacts> tooLate() {
        ConcurrentLinkedQueue<StreamRecord<MetricsPartial>> side =
                harness.getSideOutput(MetricsPipeline.tooLateTag(MINUTE));
        return side == null ? List.of() : side.stream().map(r -> r.getValue().decision()).toList();
    }

    private long lateCorrected() {
        Counter c = (Counter) metrics.get(CountingEventTimeTrigger.METRIC_LATE_CORRECTED);
        return c == null ? 0 : c.getCount();
    }

    static Instant at(String hhmmss) {
        return Instant.parse("2026-03-15T" + hhmmss + "Z");
    }

    @Test
    void emitsAWindowsRowsOnlyWhenTheWatermarkPassesItsEnd() throws Exception {
        // given decisions of two tenants in the 10:00 minute and one in the 10:01 minute
        send(Facts.approved("bank_a", at("10:00:10"), "u1"));
        send(Facts.denied("bank_a", at("10:00:50"), "u2"));
        send(Facts.approved("bank_b", at("10:00:30"), "u3"));
        send(Facts.approved("bank_a", at("10:01:05"), "u1"));

        // when the watermark reaches the last millisecond of 10:00 minus one
        watermark(at("10:00:59.998"));
        // then nothing is emitted yet
        assertThat(rows()).isEmpty();

        // when it reaches the window's last millisecond
        watermark(at("10:00:59.999"));
        // then one row per key of the 10:00 window, each covering its decisions
        List<DecisionMetrics> rows = sorted(rows());
        assertThat(rows)
                .extracting(
                        DecisionMetrics::getTenantId,
                        DecisionMetrics::getWindowStart,
                        DecisionMetrics::getWindowEnd,
                        DecisionMetrics::getRevision,
                        DecisionMetrics::getApproved,
                        DecisionMetrics::getDenied,
                        DecisionMetrics::getDistinctUsers)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "bank_a", T, at("10:01:00"), 2L, 1L, 1L, 2L),
                        org.assertj.core.groups.Tuple.tuple(
                                "bank_b", T, at("10:01:00"), 1L, 1L, 0L, 1L));
        assertThat(rows).allSatisfy(r -> assertThat(r.getGranularity()).isEqualTo("1m"));
        // the 10:01 window is still held before the shuffle, and the 10:00 windows wait for late
        // decisions
        assertThat(((PreAggregateMetrics) preAggregate.getOneInputOperator()).heldWindows())
                .isEqualTo(1);
        assertThat(firedWindowsKept()).isEqualTo(2);
        assertThat(lateCorrected()).isZero();
    }

    @Test
    void aLateDecisionWithinTheAllowedLatenessProducesACorrectionWithAHigherRevision()
            throws Exception {
        // given a 10:00 window that has fired
        send(Facts.approved("bank_a", at("10:00:10"), "u1"));
        send(Facts.approved("bank_a", at("10:00:20"), "u2"));
        watermark(at("10:02:00"));
        assertThat(rows()).extracting(DecisionMetrics::getRevision).containsExactly(2L);

        // when a decision of 10:00:40 arrives, two minutes late
        send(Facts.denied("bank_a", at("10:00:40"), "u3"));

        // then a correction row: the same window, revision 3, covering all three decisions
        List<DecisionMetrics> rows = rows();
        assertThat(rows).hasSize(2);
        DecisionMetrics correction = rows.get(1);
        assertThat(correction.getWindowStart()).isEqualTo(T);
        assertThat(correction.getRevision()).isEqualTo(3);
        assertThat(correction.getTotalDecisions()).isEqualTo(3);
        assertThat(correction.getDenied()).isEqualTo(1);
        assertThat(correction.getDistinctUsers()).isEqualTo(3);
        assertThat(lateCorrected()).isEqualTo(1);
        assertThat(tooLate()).isEmpty();
    }

    @Test
    void aDecisionLaterThanTheAllowedLatenessGoesToTheSideOutputNotIntoARow() throws Exception {
        // given a 10:00 window that fired and then closed for good (10:01 + 5 min lateness)
        send(Facts.approved("bank_a", at("10:00:10"), "u1"));
        watermark(at("10:05:59.999"));
        assertThat(rows()).hasSize(1);

        // when a 10:00:30 decision arrives after that
        DecisionFacts veryLate = Facts.denied("bank_a", at("10:00:30"), "u2");
        send(veryLate);

        // then no row changes, and the decision is handed on, not dropped
        assertThat(rows()).hasSize(1);
        assertThat(tooLate()).hasSize(1);
        assertThat(tooLate().get(0).eventId).isEqualTo(veryLate.eventId);
        assertThat(lateCorrected()).isZero();

        // and the late-decision record names the window a rebuild must cover
        LateDecision record =
                new TooLateDecisions(MINUTE).record(veryLate, at("10:06:00").toEpochMilli());
        assertThat(record.getWindowStart()).isEqualTo(T);
        assertThat(record.getWindowEnd()).isEqualTo(at("10:01:00"));
        assertThat(record.getEventTime()).isEqualTo(at("10:00:30"));
        assertThat(record.getWatermark()).isEqualTo(at("10:06:00"));
        assertThat(record.getGranularity()).isEqualTo("1m");
        assertThat(record.getTenantId()).isEqualTo("bank_a");
    }

    @Test
    void closedWindowsLeaveNoStateAndNoTimers() throws Exception {
        // given windows of several keys and minutes, one of them corrected by a late decision
        for (int s = 0; s < 180; s += 7) {
            send(Facts.approved(s % 2 == 0 ? "bank_a" : "bank_b", T.plusSeconds(s), "u" + s));
        }
        watermark(at("10:02:30"));
        send(Facts.denied("bank_a", at("10:00:05"), "late"));
        assertThat(firedWindowsKept()).isPositive();
        assertThat(windowsLeft()).isPositive();

        // when the watermark passes the last window's end plus the allowed lateness
        watermark(at("10:08:00"));

        // then every window has emitted and nothing is left behind
        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(harness.numProcessingTimeTimers()).isZero();
        assertThat(windowsLeft()).isZero();
        assertThat(sorted(current(rows())))
                .extracting(DecisionMetrics::getTotalDecisions)
                .containsExactly(6L, 4L, 4L, 5L, 4L, 4L);
    }

    @Test
    void windowStateSurvivesACheckpointAndRestore() throws Exception {
        // given two decisions in an open window, checkpointed
        send(Facts.approved("bank_a", at("10:00:10"), "u1"));
        send(Facts.denied("bank_a", at("10:00:20"), "u2"));
        barrier(1);
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);

        // when the operators are restored and the window completes
        restoreFrom(snapshot);
        send(Facts.approved("bank_a", at("10:00:30"), "u3"));
        watermark(at("10:01:00"));

        // then the row covers the decisions from before and after the restore
        List<DecisionMetrics> rows = rows();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).getRevision()).isEqualTo(3);
        assertThat(rows.get(0).getApproved()).isEqualTo(2);
        assertThat(rows.get(0).getDistinctUsers()).isEqualTo(3);
    }

    @Test
    void windowStateOfTheOperatorThatTookDecisionsOneByOneRestoresIntoThePreAggregatedOne()
            throws Exception {
        // (the metrics job's upgrade path; the held windows have their own uids and state)
        assumeTrue(operators() == MetricsPipeline.Operators.METRICS_JOB);
        // given the window operator as it was before pre-aggregation (decision facts in, same
        // uid, same accumulator state), with two decisions in an open window, checkpointed
        OperatorSubtaskState snapshot;
        try (KeyedOneInputStreamOperatorTestHarness<
                        Tuple3<String, String, String>, DecisionFacts, DecisionMetrics>
                before = factsWindowHarness()) {
            before.open();
            for (DecisionFacts f :
                    List.of(
                            Facts.approved("bank_a", at("10:00:10"), "u1"),
                            Facts.denied("bank_a", at("10:00:20"), "u2"))) {
                before.processElement(new StreamRecord<>(f, f.eventTimeMillis()));
            }
            snapshot = before.snapshot(1, 1);
        }

        // when today's operator restores that state and the window completes
        restoreFrom(snapshot);
        send(Facts.approved("bank_a", at("10:00:30"), "u3"));
        watermark(at("10:01:00"));

        // then its row covers the decisions from before the upgrade and after it
        assertThat(rows())
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.getRevision()).isEqualTo(3);
                            assertThat(r.getApproved()).isEqualTo(2);
                            assertThat(r.getDenied()).isEqualTo(1);
                            assertThat(r.getDistinctUsers()).isEqualTo(3);
                        });
    }

    /** The 1m window operator as built before pre-aggregation: decision facts in. */
    @SuppressWarnings("unchecked")
    private static KeyedOneInputStreamOperatorTestHarness<
                    Tuple3<String, String, String>, DecisionFacts, DecisionMetrics>
            factsWindowHarness() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        OneInputTransformation<DecisionFacts, DecisionMetrics> t =
                (OneInputTransformation<DecisionFacts, DecisionMetrics>)
                        env.fromSequence(0, 1)
                                .map(i -> new DecisionFacts())
                                .returns(TypeInformation.of(DecisionFacts.class))
                                .keyBy(
                                        new FactsKey(),
                                        Types.TUPLE(Types.STRING, Types.STRING, Types.STRING))
                                .window(TumblingEventTimeWindows.of(MINUTE.length()))
                                .trigger(EventTimeTrigger.create())
                                .allowedLateness(LATENESS)
                                .aggregate(
                                        new FactsAggregate(),
                                        new EmitMetricsRow(MINUTE),
                                        SerializerTypeInfo.ACCUMULATOR,
                                        SerializerTypeInfo.ACCUMULATOR,
                                        new AvroTypeInfo<>(DecisionMetrics.class))
                                .uid("metrics-window-1m")
                                .getTransformation();
        return new KeyedOneInputStreamOperatorTestHarness<>(
                (OneInputStreamOperator<DecisionFacts, DecisionMetrics>) t.getOperator(),
                (KeySelector<DecisionFacts, Tuple3<String, String, String>>)
                        t.getStateKeySelector(),
                (TypeInformation<Tuple3<String, String, String>>) t.getStateKeyType());
    }

    private static final class FactsKey
            implements KeySelector<DecisionFacts, Tuple3<String, String, String>> {
        @Override
        public Tuple3<String, String, String> getKey(DecisionFacts f) {
            return Tuple3.of(f.tenantId, f.model, f.modelVersion);
        }
    }

    private static final class FactsAggregate
            implements AggregateFunction<DecisionFacts, MetricsAccumulator, MetricsAccumulator> {
        @Override
        public MetricsAccumulator createAccumulator() {
            return new MetricsAccumulator();
        }

        @Override
        public MetricsAccumulator add(DecisionFacts f, MetricsAccumulator acc) {
            return acc.add(f);
        }

        @Override
        public MetricsAccumulator getResult(MetricsAccumulator acc) {
            return acc;
        }

        @Override
        public MetricsAccumulator merge(MetricsAccumulator a, MetricsAccumulator b) {
            return a.merge(b);
        }
    }

    @Test
    void liveWithOutOfOrderAndLateDecisionsEndsWithTheRowsOfABatchRun() throws Exception {
        // given 600 decisions over 12 minutes, 3 tenants, 2 model versions
        Random random = new Random(42);
        List<DecisionFacts> facts = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            Boolean approved = random.nextInt(10) < 7 ? random.nextBoolean() : null;
            facts.add(
                    Facts.of(
                            "bank_" + random.nextInt(3),
                            "v" + random.nextInt(2),
                            T.plusMillis(random.nextInt(12 * 60_000)),
                            approved,
                            approved == null ? null : random.nextInt(101) / 100.0,
                            random.nextBoolean() ? "stop" : "length",
                            random.nextInt(90),
                            "user_" + random.nextInt(150)));
        }

        // when a batch run sees them all before any watermark (end of input)
        List<DecisionFacts> byFileOrder = new ArrayList<>(facts);
        Collections.shuffle(byFileOrder, new Random(1));
        for (DecisionFacts f : byFileOrder) {
            send(f);
        }
        watermark(Long.MAX_VALUE);
        List<DecisionMetrics> batch = sorted(rows());
        preAggregate.close();
        harness.close();

        // and a live run sees them in time order with jitter, a watermark every 20 decisions
        // that trails by 30 s, and one decision in ten held back by up to four minutes
        newHarnesses(MINUTE, LATENESS);
        preAggregate.open();
        harness.open();
        Map<DecisionFacts, Long> arrivesAt = new java.util.IdentityHashMap<>();
        facts.forEach(f -> arrivesAt.put(f, f.eventTimeMillis() + jitter(random)));
        List<DecisionFacts> arrival = new ArrayList<>(facts);
        arrival.sort(Comparator.comparingLong(arrivesAt::get));
        long maxSeen = Long.MIN_VALUE;
        for (int i = 0; i < arrival.size(); i++) {
            send(arrival.get(i));
            maxSeen = Math.max(maxSeen, arrival.get(i).eventTimeMillis());
            if (i % 20 == 19) {
                watermark(maxSeen - 30_000 - 1);
            }
            if (i % 97 == 96) {
                barrier(i);
            }
        }
        watermark(Long.MAX_VALUE);
        List<DecisionMetrics> live = rows();

        // then the live run made corrections, and its current rows are the batch rows
        assertThat(lateCorrected()).as("late decisions corrected").isGreaterThan(10);
        assertThat(live.size()).isEqualTo(batch.size() + (int) lateCorrected());
        assertThat(tooLate()).isEmpty();
        assertThat(sorted(current(live))).isEqualTo(batch);
        assertThat(batch.stream().mapToLong(DecisionMetrics::getTotalDecisions).sum())
                .isEqualTo(600);
    }

    @Test
    void restartsFromCheckpointsMidRunEndWithTheRowsOfABatchRun() throws Exception {
        // given 400 decisions over 10 minutes, two tenants, one in ten up to four minutes late
        Random random = new Random(7);
        List<DecisionFacts> facts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            facts.add(
                    Facts.approved(
                            "bank_" + random.nextInt(2),
                            T.plusMillis(random.nextInt(10 * 60_000)),
                            "user_" + random.nextInt(80)));
        }
        for (DecisionFacts f : facts) {
            send(f);
        }
        watermark(Long.MAX_VALUE);
        List<DecisionMetrics> batch = sorted(rows());
        restoreFrom(null);

        // when a live run checkpoints every 50 decisions and restarts from some of them: what
        // arrived after that checkpoint is read again (as Kafka replays it), and the rows emitted
        // after it are not committed (as the exactly-once sink discards them)
        Map<DecisionFacts, Long> arrivesAt = new java.util.IdentityHashMap<>();
        facts.forEach(f -> arrivesAt.put(f, f.eventTimeMillis() + jitter(random)));
        List<DecisionFacts> arrival = new ArrayList<>(facts);
        arrival.sort(Comparator.comparingLong(arrivesAt::get));
        List<DecisionMetrics> live = new ArrayList<>();
        long corrected = 0;
        long maxSeen = Long.MIN_VALUE;
        OperatorSubtaskState checkpoint = null;
        int checkpointedAt = 0;
        int rowsAtCheckpoint = 0;
        int restarts = 0;
        for (int i = 0; i < arrival.size(); i++) {
            send(arrival.get(i));
            maxSeen = Math.max(maxSeen, arrival.get(i).eventTimeMillis());
            if (i % 20 == 19) {
                watermark(maxSeen - 30_000 - 1);
            }
            if (i % 50 == 49) {
                if (checkpoint != null && restarts < i / 100) {
                    corrected += lateCorrected();
                    live.addAll(rows().subList(0, rowsAtCheckpoint));
                    restoreFrom(checkpoint);
                    rowsAtCheckpoint = 0;
                    restarts++;
                    i = checkpointedAt;
                    maxSeen = Long.MIN_VALUE;
                    for (int j = 0; j <= i; j++) {
                        maxSeen = Math.max(maxSeen, arrival.get(j).eventTimeMillis());
                    }
                    continue;
                }
                barrier(i);
                checkpoint = harness.snapshot(i, i);
                checkpointedAt = i;
                rowsAtCheckpoint = rows().size();
            }
        }
        watermark(Long.MAX_VALUE);
        live.addAll(rows());
        corrected += lateCorrected();

        // then, rows repeated or not, every window's latest row is its batch row
        assertThat(restarts).isEqualTo(3);
        assertThat(corrected).as("late decisions corrected").isPositive();
        assertThat(tooLate()).isEmpty();
        assertThat(sorted(current(live))).isEqualTo(batch);
    }

    /** One in ten decisions arrives up to four minutes late, the others up to 20 s out of order. */
    private static long jitter(Random random) {
        return random.nextInt(10) == 0 ? 60_000 + random.nextInt(180_000) : random.nextInt(20_000);
    }

    @Test
    void anIdleKafkaPartitionStopsHoldingBackTheWatermarkSoWindowsClose() throws Exception {
        // given the live job's watermark strategy on two partitions, combined the way the Kafka
        // source combines them, and a clock for idleness
        WatermarkStrategy<ParsedDecision> strategy =
                MetricsWatermarks.forDecisions(Duration.ofSeconds(30), Duration.ofMinutes(1));
        // (not at 0: Flink's idleness timer reads a relative time of 0 as "not started")
        ManualClock clock = new ManualClock(Duration.ofHours(1).toNanos());
        WatermarkGeneratorSupplier.Context context =
                new WatermarkGeneratorSupplier.Context() {
                    @Override
                    public MetricGroup getMetricGroup() {
                        return new UnregisteredMetricsGroup();
                    }

                    @Override
                    public org.apache.flink.util.clock.RelativeClock getInputActivityClock() {
                        return clock;
                    }
                };
        TimestampAssigner<ParsedDecision> timestamps =
                strategy.createTimestampAssigner(UnregisteredMetricsGroup::new);
        List<Long> combined = new ArrayList<>();
        WatermarkOutputMultiplexer source =
                new WatermarkOutputMultiplexer(
                        new WatermarkOutput() {
                            @Override
                            public void emitWatermark(Watermark watermark) {
                                combined.add(watermark.getTimestamp());
                            }

                            @Override
                            public void markIdle() {}

                            @Override
                            public void markActive() {}
                        });
        source.registerNewOutput("p0");
        source.registerNewOutput("p1");
        WatermarkGenerator<ParsedDecision> p0 = strategy.createWatermarkGenerator(context);
        WatermarkGenerator<ParsedDecision> p1 = strategy.createWatermarkGenerator(context);
        Runnable periodic =
                () -> {
                    p0.onPeriodicEmit(source.getDeferredOutput("p0"));
                    p1.onPeriodicEmit(source.getDeferredOutput("p1"));
                    source.onPeriodicEmit();
                };

        // when both partitions have a 10:00:00 decision, and only p0 goes on to 10:05
        ParsedDecision first = decisionAt(T);
        p0.onEvent(first, timestamps.extractTimestamp(first, 0), source.getDeferredOutput("p0"));
        p1.onEvent(first, timestamps.extractTimestamp(first, 0), source.getDeferredOutput("p1"));
        periodic.run();
        ParsedDecision later = decisionAt(at("10:05:00"));
        p0.onEvent(later, timestamps.extractTimestamp(later, 0), source.getDeferredOutput("p0"));
        periodic.run();

        // then the silent p1 holds the watermark at 10:00:00 - 30 s
        long held = T.minusSeconds(30).toEpochMilli() - 1;
        assertThat(combined).last().isEqualTo(held);

        // when p1 stays silent past the idleness timeout (p0 keeps sending)
        clock.advanceTime(Duration.ofSeconds(61));
        p0.onEvent(later, timestamps.extractTimestamp(later, 0), source.getDeferredOutput("p0"));
        periodic.run();

        // then the watermark follows p0 alone, and the 10:00 window closes
        long followsP0 = at("10:04:30").toEpochMilli() - 1;
        assertThat(combined).last().isEqualTo(followsP0);
        send(Facts.approved("bank_a", at("10:00:10"), "u1"));
        watermark(combined.get(combined.size() - 1));
        assertThat(rows()).extracting(DecisionMetrics::getWindowStart).containsExactly(T);

        // and a refused record (no trustworthy time) never moves a watermark
        ParsedDecision refused = ParsedDecision.rejected(null);
        assertThat(timestamps.extractTimestamp(refused, 123L)).isEqualTo(Long.MIN_VALUE);
    }

    private static ParsedDecision decisionAt(Instant t) {
        DecisionRecord r = new DecisionRecord();
        r.setEventTime(t);
        return ParsedDecision.accepted(r, new byte[0]);
    }

    /** The row with the highest revision of each window and key. */
    static List<DecisionMetrics> current(List<DecisionMetrics> rows) {
        Map<String, DecisionMetrics> current = new TreeMap<>();
        for (DecisionMetrics r : rows) {
            current.merge(
                    MetricsRowJson.key(r), r, (a, b) -> a.getRevision() >= b.getRevision() ? a : b);
        }
        return new ArrayList<>(current.values());
    }

    static List<DecisionMetrics> sorted(List<DecisionMetrics> rows) {
        List<DecisionMetrics> copy = new ArrayList<>(rows);
        copy.sort(
                Comparator.comparing(DecisionMetrics::getWindowStart)
                        .thenComparing(DecisionMetrics::getTenantId)
                        .thenComparing(DecisionMetrics::getModelVersion)
                        .thenComparing(DecisionMetrics::getRevision));
        return copy;
    }
}
