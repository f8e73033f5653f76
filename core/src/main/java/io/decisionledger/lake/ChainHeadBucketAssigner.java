package io.decisionledger.lake;

import io.decisionledger.schema.ChainHead;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;

/** Files published chain heads under {@code tenant_id=T/head_date=D} (UTC publication date). */
public final class ChainHeadBucketAssigner implements BucketAssigner<ChainHead, String> {
    private static final long serialVersionUID = 1L;

    @Override
    public String getBucketId(ChainHead head, Context context) {
        return "tenant_id="
                + head.getTenantId()
                + "/head_date="
                + PartitionPath.utcDate(head.getPublishedAt());
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
