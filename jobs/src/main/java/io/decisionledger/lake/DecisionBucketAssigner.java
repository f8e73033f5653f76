package io.decisionledger.lake;

import io.decisionledger.schema.DecisionRecord;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;

/**
 * Puts each decision in its {@code tenant_id=T/event_date=D} folder, by event time (not processing
 * time), so a late event lands in the day it happened and replays are deterministic.
 */
public final class DecisionBucketAssigner implements BucketAssigner<DecisionRecord, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getBucketId(DecisionRecord record, Context context) {
        return PartitionPath.tenantDate(record.getTenantId(), record.getEventTime());
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
