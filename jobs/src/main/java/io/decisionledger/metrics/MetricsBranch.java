package io.decisionledger.metrics;

import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.options.OptionTable;
import io.decisionledger.options.OptionTable.InvalidOptionException;
import io.decisionledger.schema.DecisionRecord;
import java.io.Serializable;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * The live read model as a branch of the ingest job ({@code IngestJob --metrics true}): the
 * decisions ingest has just stored (parsed, validated and de-duplicated once, by ingest) become
 * {@link DecisionFacts} and go through the metrics job's own pre-aggregation and sinks ({@link
 * MetricsPipeline#windowsAndSinks}, the one definition of both) and window operators that keep
 * their windows in the heap ({@link HeldWindowOperator}; Flink's, as the metrics job has them, with
 * {@code --metrics-held-windows false}), so the branch writes the rows the standalone {@link
 * MetricsJob} writes, into the same {@code <lake>/metrics/} folders, without reading, parsing and
 * de-duplicating every event a second time.
 *
 * <p>Event time as in the metrics job: with the branch on, the ingest source assigns each decision
 * its event time and emits the same per-partition watermarks with idleness ({@link #watermarks},
 * {@link MetricsWatermarks}); with it off the source has no watermarks, as before, and nothing of
 * this class is in the graph. The branch's operators have their own uids ({@code branch-…}), so a
 * savepoint taken without the branch restores into a job with it (the new operators start empty),
 * and its window state never meets the standalone job's.
 */
public final class MetricsBranch {

    /** The facts map chained to the stored decisions, the branch's first operator. */
    public static final String FACTS = "branch-decision-facts";

    private static final TypeInformation<DecisionFacts> FACTS_TYPE =
            TypeInformation.of(DecisionFacts.class);

    private MetricsBranch() {}

    /**
     * The ingest job's {@code --metrics*} options. The windows, the out-of-orderness, the idleness
     * and the allowed lateness mean what the metrics job's options of the same names (without
     * {@code metrics-}) mean, with the same defaults; the de-duplication TTL, parser limits,
     * checkpoint interval, lake and Parquet settings are ingest's own.
     *
     * @param enabled whether the branch is in the graph (default false: a command line without
     *     {@code --metrics true} builds exactly the ingest job without it)
     * @param heldWindows the windows in {@link HeldWindowOperator}s (default true); false builds
     *     the branch's Flink window operators of earlier versions, whose savepoints hold their
     *     state under other uids
     */
    public record Settings(
            boolean enabled,
            List<Granularity> granularities,
            Duration maxOutOfOrderness,
            Duration idleness,
            Duration allowedLateness,
            boolean heldWindows)
            implements Serializable {

        private static final List<String> TUNING =
                List.of(
                        "metrics-granularities",
                        "metrics-max-out-of-orderness",
                        "metrics-idleness",
                        "metrics-allowed-lateness",
                        "metrics-held-windows");

        public Settings {
            Objects.requireNonNull(granularities, "granularities");
            Objects.requireNonNull(maxOutOfOrderness, "maxOutOfOrderness");
            Objects.requireNonNull(idleness, "idleness");
            Objects.requireNonNull(allowedLateness, "allowedLateness");
            granularities = List.copyOf(granularities);
        }

        /** Declares {@code --metrics} and its tuning options in {@code t}, in --help order. */
        public static void declare(OptionTable t) {
            t.add(
                    "metrics",
                    "false",
                    "Also compute the live metrics read model in this job, from the decisions it"
                            + " stores (no second parse or de-duplication), into"
                            + " <lake>/metrics/decision_metrics and <lake>/metrics/late_decisions:"
                            + " the rows MetricsJob writes. Run it or a live MetricsJob on one"
                            + " lake, not both. Default false: ingest writes nothing else.");
            t.add(
                    "metrics-granularities",
                    "1m,1h,1d",
                    "With --metrics: tumbling event-time window lengths (as MetricsJob"
                            + " --granularities).");
            t.add(
                    "metrics-max-out-of-orderness",
                    "PT30S",
                    "With --metrics: how far behind its Kafka partition's newest event time an"
                            + " event may be and still count as on time.");
            t.add(
                    "metrics-idleness",
                    "PT1M",
                    "With --metrics: a Kafka partition without records for this long no longer"
                            + " holds back the watermark (processing time).");
            t.add(
                    "metrics-allowed-lateness",
                    "PT1H",
                    "With --metrics: how long a window stays open after the watermark passed its"
                            + " end (correction rows); later events go to"
                            + " <lake>/metrics/late_decisions. PT0S allowed.");
            t.add(
                    "metrics-held-windows",
                    "true",
                    "With --metrics: keep the windows in the heap (keyed state only at"
                            + " checkpoints, for windows changed since the last one; no timers)."
                            + " false builds the Flink window operators of versions before it (uids"
                            + " branch-metrics-window-<G>): needed to restore a savepoint taken"
                            + " with the branch by such a version; the default refuses one.");
        }

        /**
         * The settings {@code given}; a tuning option without {@code --metrics true} is refused,
         * since it would silently do nothing.
         */
        public static Settings read(OptionTable.Parsed given) {
            boolean enabled = given.bool("metrics");
            if (!enabled) {
                for (String name : TUNING) {
                    if (given.given(name)) {
                        throw new InvalidOptionException(
                                "--" + name + " has no effect without --metrics true");
                    }
                }
            }
            return new Settings(
                    enabled,
                    given.as("metrics-granularities", Granularity::parseList),
                    given.duration("metrics-max-out-of-orderness", false),
                    given.duration("metrics-idleness", false),
                    given.duration("metrics-allowed-lateness", true),
                    given.bool("metrics-held-windows"));
        }

        /** As given on a command line: the tuning options only when the branch is on. */
        public Map<String, String> options() {
            Map<String, String> o = new LinkedHashMap<>();
            o.put("metrics", String.valueOf(enabled));
            if (enabled) {
                o.put(
                        "metrics-granularities",
                        granularities.stream()
                                .map(Granularity::label)
                                .collect(Collectors.joining(",")));
                o.put("metrics-max-out-of-orderness", maxOutOfOrderness.toString());
                o.put("metrics-idleness", idleness.toString());
                o.put("metrics-allowed-lateness", allowedLateness.toString());
                o.put("metrics-held-windows", String.valueOf(heldWindows));
            }
            return o;
        }
    }

    /**
     * The ingest source's watermark strategy: the metrics job's ({@link MetricsWatermarks}) when
     * the branch is on, none when it is off (ingest itself uses no event time).
     */
    public static WatermarkStrategy<ParsedDecision> watermarks(Settings settings) {
        return settings.enabled()
                ? MetricsWatermarks.forDecisions(settings.maxOutOfOrderness(), settings.idleness())
                : WatermarkStrategy.noWatermarks();
    }

    /** The production sinks: the metrics job's FileSinks under {@code lake}. */
    public static MetricsPipeline.Sinks sinks(LakeLayout lake, ParquetSettings parquet) {
        return new MetricsPipeline.Sinks(
                MetricsJob.metricsSink(lake, parquet), MetricsJob.lateSink(lake, parquet), null);
    }

    /**
     * Adds the branch to {@code stored}, the decisions the ingest job stores (accepted and
     * de-duplicated: exactly what a rebuild reads back from the audit lake), when {@code settings}
     * say so; otherwise adds nothing.
     *
     * @param sinks where the rows and the too-late decisions go (required when enabled)
     * @throws IllegalArgumentException when the branch is on and there are no sinks for it
     */
    public static void attach(
            DataStream<DecisionRecord> stored, Settings settings, MetricsPipeline.Sinks sinks) {
        if (!settings.enabled()) {
            return;
        }
        if (sinks == null || sinks.late() == null) {
            throw new IllegalArgumentException(
                    "the metrics branch is on (--metrics true) but the pipeline was given no"
                            + " metrics and late-decisions sinks");
        }
        DataStream<DecisionFacts> facts =
                stored.map(DecisionFacts::of, FACTS_TYPE).name(FACTS).uid(FACTS);
        MetricsPipeline.windowsAndSinks(
                facts,
                settings.granularities(),
                settings.allowedLateness(),
                sinks,
                settings.heldWindows()
                        ? MetricsPipeline.Operators.INGEST_BRANCH
                        : MetricsPipeline.Operators.INGEST_BRANCH_FLINK_WINDOWS);
    }
}
