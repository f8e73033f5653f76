package io.decisionledger.lake;

import io.decisionledger.schema.LateDecision;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;

/**
 * Files each too-late decision beside the read model rows it is missing from: {@code
 * granularity=G/tenant_id=T/window_date=D}, which is also what a targeted rebuild selects.
 */
public final class LateDecisionBucketAssigner implements BucketAssigner<LateDecision, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getBucketId(LateDecision late, Context context) {
        return PartitionPath.metricsWindow(
                late.getGranularity(), late.getTenantId(), late.getWindowStart());
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
