package io.decisionledger.bench;

import io.decisionledger.bench.compaction.CompactionJobMeasurement;
import io.decisionledger.bench.compaction.DuckDbCompactionMeasurement;
import io.decisionledger.bench.ingest.FlinkSqlBaselineMeasurement;
import io.decisionledger.bench.ingest.IngestJobMeasurement;
import io.decisionledger.bench.metrics.FlinkSqlMetricsMeasurement;
import io.decisionledger.bench.metrics.MetricsJobMeasurement;
import io.decisionledger.bench.query.AuditDecisionAtMeasurement;
import io.decisionledger.bench.query.DuckDbDecisionAtMeasurement;
import io.decisionledger.bench.verify.DuckDbScanMeasurement;
import io.decisionledger.bench.verify.IncrementalVerifyMeasurement;
import io.decisionledger.bench.verify.VerifyJobMeasurement;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** Every {@link Measurement} a child JVM can run, by name. */
public final class Measurements {

    private static final Map<String, Supplier<Measurement>> ALL = new TreeMap<>();

    static {
        register(IngestJobMeasurement.NAME, IngestJobMeasurement::new);
        register(
                IngestJobMeasurement.NO_CHAIN,
                () -> new IngestJobMeasurement(IngestJobMeasurement.NO_CHAIN));
        register(
                IngestJobMeasurement.NO_OPS,
                () -> new IngestJobMeasurement(IngestJobMeasurement.NO_OPS));
        register(
                IngestJobMeasurement.TWO_SHUFFLE,
                () -> new IngestJobMeasurement(IngestJobMeasurement.TWO_SHUFFLE));
        register(
                IngestJobMeasurement.METRICS_BRANCH,
                () -> new IngestJobMeasurement(IngestJobMeasurement.METRICS_BRANCH));
        register(
                IngestJobMeasurement.METRICS_BRANCH_HOURLY,
                () -> new IngestJobMeasurement(IngestJobMeasurement.METRICS_BRANCH_HOURLY));
        register(
                IngestJobMeasurement.METRICS_BRANCH_FLINK_WINDOWS,
                () -> new IngestJobMeasurement(IngestJobMeasurement.METRICS_BRANCH_FLINK_WINDOWS));
        register(FlinkSqlBaselineMeasurement.NAME, FlinkSqlBaselineMeasurement::new);
        for (String name : List.of(MetricsJobMeasurement.NAME, MetricsJobMeasurement.REBUILD)) {
            register(name, () -> new MetricsJobMeasurement(name));
        }
        for (String name :
                List.of(FlinkSqlMetricsMeasurement.NAME, FlinkSqlMetricsMeasurement.REBUILD)) {
            register(name, () -> new FlinkSqlMetricsMeasurement(name));
        }
        register(CompactionJobMeasurement.NAME, CompactionJobMeasurement::new);
        register(DuckDbCompactionMeasurement.NAME, DuckDbCompactionMeasurement::new);
        register(VerifyJobMeasurement.NAME, VerifyJobMeasurement::new);
        register(DuckDbScanMeasurement.NAME, DuckDbScanMeasurement::new);
        for (String name :
                List.of(
                        IncrementalVerifyMeasurement.NAME,
                        IncrementalVerifyMeasurement.NOTHING_NEW)) {
            register(name, () -> new IncrementalVerifyMeasurement(name));
        }
        register(AuditDecisionAtMeasurement.NAME, AuditDecisionAtMeasurement::new);
        register(DuckDbDecisionAtMeasurement.NAME, DuckDbDecisionAtMeasurement::new);
    }

    private Measurements() {}

    private static void register(String name, Supplier<Measurement> factory) {
        ALL.put(name, factory);
    }

    public static Measurement byName(String name) {
        Supplier<Measurement> factory = ALL.get(name);
        if (factory == null) {
            throw new IllegalArgumentException(
                    "no measurement '" + name + "'; known: " + List.copyOf(ALL.keySet()));
        }
        return factory.get();
    }
}
