package io.decisionledger.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.decision.DecisionReader;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.testkit.SampleDecisions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkGeneratorSupplier;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.util.clock.RelativeClock;
import org.apache.flink.util.clock.SystemClock;
import org.junit.jupiter.api.Test;

/**
 * Event time of the ingest job's metrics branch: with the branch on, the ingest source stamps each
 * decision with its event time and emits the metrics job's watermarks (same out-of-orderness, same
 * treatment of refused records); with it off the source has no event time at all, as before the
 * branch existed. (The windows and sinks after that are the metrics job's own code, {@link
 * MetricsPipeline#windowsAndSinks}; their late handling is tested in MetricsJobITCase for both.)
 */
class MetricsBranchTest {

    private static final Instant T = Instant.parse("2026-03-15T10:00:00Z");
    private static final long KAFKA_TIMESTAMP = 1_700_000_000_000L;

    @Test
    void withTheBranchOnTheSourceAssignsEventTimeAndTheMetricsJobsWatermarks() {
        MetricsBranch.Settings on =
                new MetricsBranch.Settings(
                        true,
                        Granularity.DEFAULTS,
                        Duration.ofSeconds(30),
                        Duration.ofMinutes(1),
                        Duration.ofHours(1),
                        true);
        ParsedDecision first = decision(0, T);
        ParsedDecision second = decision(1, T.plusSeconds(90));
        ParsedDecision earlier = decision(2, T.plusSeconds(10)); // out of order
        ParsedDecision refused = refused();

        // the branch's strategy and the metrics job's, on the same records
        for (WatermarkStrategy<ParsedDecision> strategy :
                List.of(
                        MetricsBranch.watermarks(on),
                        MetricsWatermarks.forDecisions(
                                Duration.ofSeconds(30), Duration.ofMinutes(1)))) {
            TimestampAssigner<ParsedDecision> stamps =
                    strategy.createTimestampAssigner(UnregisteredMetricsGroup::new);
            assertThat(stamps.extractTimestamp(first, KAFKA_TIMESTAMP)).isEqualTo(T.toEpochMilli());
            assertThat(stamps.extractTimestamp(refused, KAFKA_TIMESTAMP)).isEqualTo(Long.MIN_VALUE);

            List<Long> emitted = watermarks(strategy, first, second, earlier, refused);
            // the newest event time less 30 s (and 1 ms: Flink's bounded out-of-orderness)
            assertThat(emitted).containsExactly(T.plusSeconds(60).toEpochMilli() - 1);
        }
    }

    @Test
    void withTheBranchOffTheSourceHasNoEventTimeAsBefore() {
        MetricsBranch.Settings off =
                new MetricsBranch.Settings(
                        false,
                        Granularity.DEFAULTS,
                        Duration.ofSeconds(30),
                        Duration.ofMinutes(1),
                        Duration.ofHours(1),
                        true);
        WatermarkStrategy<ParsedDecision> strategy = MetricsBranch.watermarks(off);

        // the record keeps its Kafka timestamp, and no watermark is ever emitted
        assertThat(
                        strategy.createTimestampAssigner(UnregisteredMetricsGroup::new)
                                .extractTimestamp(decision(0, T), KAFKA_TIMESTAMP))
                .isEqualTo(KAFKA_TIMESTAMP);
        assertThat(watermarks(strategy, decision(0, T), decision(1, T.plusSeconds(90)))).isEmpty();
    }

    /** The watermarks a generator of {@code strategy} emits after seeing {@code records}. */
    private static List<Long> watermarks(
            WatermarkStrategy<ParsedDecision> strategy, ParsedDecision... records) {
        WatermarkGenerator<ParsedDecision> generator =
                strategy.createWatermarkGenerator(
                        new WatermarkGeneratorSupplier.Context() {
                            @Override
                            public MetricGroup getMetricGroup() {
                                return new UnregisteredMetricsGroup();
                            }

                            @Override
                            public RelativeClock getInputActivityClock() {
                                return SystemClock.getInstance();
                            }
                        });
        TimestampAssigner<ParsedDecision> stamps =
                strategy.createTimestampAssigner(UnregisteredMetricsGroup::new);
        List<Long> emitted = new ArrayList<>();
        WatermarkOutput output =
                new WatermarkOutput() {
                    @Override
                    public void emitWatermark(Watermark watermark) {
                        emitted.add(watermark.getTimestamp());
                    }

                    @Override
                    public void markIdle() {}

                    @Override
                    public void markActive() {}
                };
        for (ParsedDecision r : records) {
            generator.onEvent(r, stamps.extractTimestamp(r, KAFKA_TIMESTAMP), output);
        }
        generator.onPeriodicEmit(output);
        return emitted;
    }

    private static ParsedDecision decision(int i, Instant time) {
        SampleDecisions.Event e = SampleDecisions.eventAt(7, i, "bank_456", time);
        ParsedDecision p = reader().read(e.value(), "decisions", 0, i, KAFKA_TIMESTAMP);
        assertThat(p.isAccepted()).as("sample decision %d accepted", i).isTrue();
        return p;
    }

    private static ParsedDecision refused() {
        ParsedDecision p =
                reader().read("not json".getBytes(), "decisions", 0, 99, KAFKA_TIMESTAMP);
        assertThat(p.isAccepted()).isFalse();
        return p;
    }

    private static DecisionReader reader() {
        DecisionReader reader = new DecisionReader(MetricsOptions.defaults().parserLimits());
        reader.open(new UnregisteredMetricsGroup());
        return reader;
    }
}
