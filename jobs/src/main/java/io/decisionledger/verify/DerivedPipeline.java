package io.decisionledger.verify;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.metrics.DecisionFacts;
import io.decisionledger.metrics.Granularity;
import io.decisionledger.metrics.MetricsPipeline;
import io.decisionledger.privacy.MaskingPolicy;
import io.decisionledger.privacy.PseudonymKey;
import io.decisionledger.schema.DecisionMetrics;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * The derived mode of the verify job ({@code --derived ops}): the datasets people read that are not
 * chained themselves are re-derived from the record of truth and compared with what is stored, in
 * the same Flink batch job as the chain check. Ops ({@code ops/decisions}, the masked copy): every
 * audit record is re-masked with the masking policy and pseudonym key, both sides are joined by
 * (tenant, event id) with Flink's batch shuffle, and each key must have exactly one stored row
 * equal in every column to the re-masked one; otherwise {@code OPS_MISSING}, {@code OPS_EXTRA} or
 * {@code OPS_MISMATCH}, naming the file, the event id and the columns that differ, never a value.
 */
public final class DerivedPipeline {

    private DerivedPipeline() {}

    /**
     * The ops check's violations.
     *
     * @param auditFiles the audit files (bounded source of paths) the ops rows derive from
     * @param opsFiles the ops files to check, or null when there are none
     */
    public static DataStream<Violation> ops(
            StreamExecutionEnvironment env,
            Source<String, ?, ?> auditFiles,
            Source<String, ?, ?> opsFiles,
            MaskingPolicy policy,
            PseudonymKey key,
            java.util.Set<String> withdrawn) {
        TypeInformation<DerivedRow> rowType = TypeInformation.of(DerivedRow.class);
        List<DataStream<DerivedRow>> sides = new ArrayList<>();
        if (auditFiles != null) {
            sides.add(
                    env.fromSource(
                                    auditFiles,
                                    WatermarkStrategy.noWatermarks(),
                                    "ops-check-audit-files",
                                    Types.STRING)
                            .setParallelism(1)
                            .rebalance()
                            .flatMap(ReadOpsRows.rederived(policy, key, withdrawn))
                            .returns(rowType)
                            .name("re-mask-audit-records"));
        }
        if (opsFiles != null) {
            sides.add(
                    env.fromSource(
                                    opsFiles,
                                    WatermarkStrategy.noWatermarks(),
                                    "ops-files",
                                    Types.STRING)
                            .setParallelism(1)
                            .rebalance()
                            .flatMap(ReadOpsRows.stored())
                            .returns(rowType)
                            .name("read-ops-rows"));
        }
        DataStream<DerivedRow> all = sides.get(0);
        for (int i = 1; i < sides.size(); i++) {
            all = all.union(sides.get(i));
        }
        return all.keyBy(DerivedRow::joinKey)
                .reduce(DerivedRow::merge)
                .name("join-ops-with-re-masked")
                .flatMap(new CompareOps())
                .returns(TypeInformation.of(Violation.class))
                .name("compare-ops");
    }

    /**
     * The metrics check's violations: the windowed aggregates recomputed from the audit records
     * with the metrics job's own window operator ({@link MetricsPipeline#windows}) for the
     * granularities stored, joined with the current (highest-revision) stored row of each window; a
     * stored window that differs, or has no audit record, is a {@code METRICS_MISMATCH}. Windows
     * that are not stored are not reported (the metrics job may not have covered them); windows of
     * a tenant's day that retention deleted audit records of are skipped (the retention summaries
     * cover those days).
     *
     * @param granularities the granularities present in the metrics read model
     * @param retainedDays {@code tenant/yyyy-MM-dd} of every audit partition with a retention
     *     summary
     */
    public static DataStream<Violation> metrics(
            StreamExecutionEnvironment env,
            Source<String, ?, ?> auditFiles,
            Source<String, ?, ?> metricsFiles,
            List<Granularity> granularities,
            Set<String> retainedDays) {
        TypeInformation<DerivedRow> rowType = TypeInformation.of(DerivedRow.class);
        DataStream<DerivedRow> stored =
                env.fromSource(
                                metricsFiles,
                                WatermarkStrategy.noWatermarks(),
                                "metrics-files",
                                Types.STRING)
                        .setParallelism(1)
                        .rebalance()
                        .flatMap(new ReadMetricsRows())
                        .returns(rowType)
                        .name("read-metrics-rows");
        DataStream<DerivedRow> all = stored;
        if (auditFiles != null) {
            DataStream<DecisionFacts> facts =
                    env.fromSource(
                                    auditFiles,
                                    WatermarkStrategy.noWatermarks(),
                                    "metrics-check-audit-files",
                                    Types.STRING)
                            .setParallelism(1)
                            .rebalance()
                            .flatMap(new ReadFacts())
                            .returns(TypeInformation.of(DecisionFacts.class))
                            .name("read-decision-facts")
                            .assignTimestampsAndWatermarks(
                                    WatermarkStrategy.<DecisionFacts>noWatermarks()
                                            .withTimestampAssigner((f, ts) -> f.eventTimeMillis()))
                            .name("event-time");
            for (Granularity g : granularities) {
                all =
                        all.union(
                                MetricsPipeline.windows(facts, g, Duration.ZERO)
                                        .map(new Recomputed())
                                        .returns(rowType)
                                        .name("recomputed-" + g.label()));
            }
        }
        return all.keyBy(DerivedRow::joinKey)
                .reduce(DerivedRow::merge)
                .name("join-metrics-with-recomputed")
                .flatMap(new CompareMetrics(retainedDays))
                .returns(TypeInformation.of(Violation.class))
                .name("compare-metrics");
    }

    /** Decision facts of an audit file's records: what the metrics job aggregates. */
    static final class ReadFacts extends RichFlatMapFunction<String, DecisionFacts> {
        private static final long serialVersionUID = 1L;

        @Override
        public void flatMap(String file, Collector<DecisionFacts> out) throws Exception {
            Path path = new Path(file);
            FileStatus status = path.getFileSystem().getFileStatus(path);
            LakeFiles.forEachRecord(
                    status, DecisionRecord.class, r -> out.collect(DecisionFacts.of(r)));
        }
    }

    /** A recomputed window row as the re-derived side of its window. */
    static final class Recomputed extends RichMapFunction<DecisionMetrics, DerivedRow> {
        private static final long serialVersionUID = 1L;

        private transient RowDigests<DecisionMetrics> digests;
        private transient LongCounter windows;

        @Override
        public void open(OpenContext openContext) {
            digests = new RowDigests<>(DecisionMetrics.getClassSchema());
            windows = getRuntimeContext().getLongCounter(ReadMetricsRows.REDERIVED_ACCUMULATOR);
        }

        @Override
        public DerivedRow map(DecisionMetrics m) {
            windows.add(1);
            return ReadMetricsRows.row(m, digests);
        }
    }

    /** One window's verdict: nothing when its current stored row equals the recomputed one. */
    static final class CompareMetrics implements FlatMapFunction<DerivedRow, Violation> {
        private static final long serialVersionUID = 1L;

        private final Set<String> retainedDays;

        CompareMetrics(Set<String> retainedDays) {
            this.retainedDays = retainedDays;
        }

        @Override
        public void flatMap(DerivedRow r, Collector<Violation> out) {
            if (r.storedCount == 0 || retainedDays.contains(r.tenantId + "/" + dayOf(r.key))) {
                return;
            }
            if (r.expectedCount == 0) {
                out.collect(
                        Violation.of(
                                        ViolationKind.METRICS_MISMATCH,
                                        r.tenantId,
                                        0,
                                        -1,
                                        -1,
                                        r.storedFile,
                                        r.key + ": no audit record falls in this window")
                                .in(r.dataset));
            } else if (!r.expectedDigest.equals(r.storedDigest)) {
                out.collect(
                        Violation.of(
                                        ViolationKind.METRICS_MISMATCH,
                                        r.tenantId,
                                        0,
                                        -1,
                                        -1,
                                        r.storedFile,
                                        r.key
                                                + ": "
                                                + RowDigests.differingColumns(
                                                        DecisionMetrics.getClassSchema(),
                                                        r.expectedColumns,
                                                        r.storedColumns)
                                                + " differ from the aggregate recomputed from"
                                                + " the audit records")
                                .in(r.dataset));
            }
        }

        private static String dayOf(String windowKey) {
            String start = windowKey.substring(windowKey.indexOf("window_start=") + 13);
            return Instant.parse(start).atZone(ZoneOffset.UTC).toLocalDate().toString();
        }
    }

    /** One key's verdict: nothing when one stored row equals the one re-derived row. */
    static final class CompareOps implements FlatMapFunction<DerivedRow, Violation> {
        private static final long serialVersionUID = 1L;

        @Override
        public void flatMap(DerivedRow r, Collector<Violation> out) {
            String event = "event " + r.key;
            if (r.expectedCount > 0 && r.storedCount == 0) {
                out.collect(
                        violation(
                                ViolationKind.OPS_MISSING,
                                r,
                                r.expectedFile,
                                event + ": the audit record has no ops row"));
                return;
            }
            if (r.expectedCount == 0) {
                out.collect(
                        violation(
                                ViolationKind.OPS_EXTRA,
                                r,
                                r.storedFile,
                                event + ": ops row without an audit record"));
                return;
            }
            if (r.storedCount > r.expectedCount) {
                out.collect(
                        violation(
                                ViolationKind.OPS_EXTRA,
                                r,
                                r.storedFile,
                                event + ": " + r.storedCount + " ops rows for one audit record"));
            }
            if (!r.expectedDigest.equals(r.storedDigest)) {
                out.collect(
                        violation(
                                ViolationKind.OPS_MISMATCH,
                                r,
                                r.storedFile,
                                event
                                        + ": "
                                        + RowDigests.differingColumns(
                                                OpsDecisionRecord.getClassSchema(),
                                                r.expectedColumns,
                                                r.storedColumns)
                                        + " differ from the audit record re-masked"));
            }
        }

        private static Violation violation(
                ViolationKind kind, DerivedRow r, String file, String detail) {
            return Violation.of(kind, r.tenantId, 0, -1, -1, file, detail).in(r.dataset);
        }
    }
}
