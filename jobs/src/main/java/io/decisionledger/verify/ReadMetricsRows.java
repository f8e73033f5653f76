package io.decisionledger.verify;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.schema.DecisionMetrics;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.Collector;

/**
 * The stored side of the metrics check: one metrics file's rows as {@link DerivedRow}s keyed by
 * tenant and window ({@link #windowKey}), with their revision so the current row of each window
 * (the highest revision) is the one compared.
 */
final class ReadMetricsRows extends RichFlatMapFunction<String, DerivedRow> {
    private static final long serialVersionUID = 1L;

    static final String STORED_ACCUMULATOR = "metrics-rows-read";
    static final String REDERIVED_ACCUMULATOR = "metrics-windows-recomputed";

    static final String DATASET = "metrics";

    private transient RowDigests<DecisionMetrics> digests;
    private transient LongCounter rows;

    @Override
    public void open(OpenContext openContext) {
        digests = new RowDigests<>(DecisionMetrics.getClassSchema());
        rows = getRuntimeContext().getLongCounter(STORED_ACCUMULATOR);
    }

    @Override
    public void flatMap(String file, Collector<DerivedRow> out) throws Exception {
        Path path = new Path(file);
        FileStatus status = path.getFileSystem().getFileStatus(path);
        LakeFiles.forEachRecord(
                status,
                DecisionMetrics.class,
                m -> {
                    DerivedRow d = row(m, digests);
                    d.storedCount = 1;
                    d.storedDigest = d.expectedDigest;
                    d.storedColumns = d.expectedColumns;
                    d.storedRevision = m.getRevision();
                    d.storedFile = file;
                    d.expectedDigest = null;
                    d.expectedColumns = null;
                    rows.add(1);
                    out.collect(d);
                });
    }

    /** A metrics row as the re-derived side of its window. */
    static DerivedRow row(DecisionMetrics m, RowDigests<DecisionMetrics> digests) {
        DerivedRow d = new DerivedRow();
        d.dataset = DATASET;
        d.tenantId = m.getTenantId();
        d.key = windowKey(m);
        d.expectedCount = 1;
        d.expectedDigest = digests.digest(m);
        d.expectedColumns = digests.columns(m);
        d.expectedRevision = m.getRevision();
        return d;
    }

    /** {@code granularity=G model=M version=V window_start=T}: no personal data. */
    static String windowKey(DecisionMetrics m) {
        return "granularity="
                + m.getGranularity()
                + " model="
                + m.getModel()
                + " version="
                + m.getModelVersion()
                + " window_start="
                + m.getWindowStart();
    }
}
