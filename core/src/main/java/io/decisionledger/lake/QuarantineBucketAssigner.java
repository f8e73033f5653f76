package io.decisionledger.lake;

import io.decisionledger.schema.QuarantineRecord;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;

/**
 * Puts each quarantined record in its {@code ingest_date=D} folder: bad input may have no usable
 * tenant or timestamp, so it is filed by when it arrived.
 */
public final class QuarantineBucketAssigner implements BucketAssigner<QuarantineRecord, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getBucketId(QuarantineRecord record, Context context) {
        return PartitionPath.ingestDate(record.getIngestTime());
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
