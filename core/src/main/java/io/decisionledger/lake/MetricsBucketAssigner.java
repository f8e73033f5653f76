package io.decisionledger.lake;

import io.decisionledger.schema.DecisionMetrics;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;

/**
 * Files each metrics row under {@code granularity=G/tenant_id=T/window_date=D} by its window's
 * start, so every revision of a window lands in the same folder, live or rebuilt.
 */
public final class MetricsBucketAssigner implements BucketAssigner<DecisionMetrics, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getBucketId(DecisionMetrics row, Context context) {
        return PartitionPath.metricsWindow(
                row.getGranularity(), row.getTenantId(), row.getWindowStart());
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
