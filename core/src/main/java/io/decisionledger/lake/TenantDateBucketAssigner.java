package io.decisionledger.lake;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import java.io.Serializable;
import java.time.Instant;
import java.util.function.Function;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.streaming.api.functions.sink.filesystem.BucketAssigner;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.SimpleVersionedStringSerializer;

/**
 * Puts each decision (full or masked) in its {@code tenant_id=T/event_date=D} folder, by event time
 * rather than processing time, so a late event lands in the day it happened and replays are
 * deterministic. audit/ and ops/ use the same rule, so their partitions line up.
 */
public final class TenantDateBucketAssigner<T> implements BucketAssigner<T, String> {
    private static final long serialVersionUID = 1L;

    /** A serialisable getter. */
    public interface Getter<T, V> extends Function<T, V>, Serializable {}

    private final Getter<T, String> tenant;
    private final Getter<T, Instant> eventTime;

    public TenantDateBucketAssigner(Getter<T, String> tenant, Getter<T, Instant> eventTime) {
        this.tenant = tenant;
        this.eventTime = eventTime;
    }

    public static TenantDateBucketAssigner<DecisionRecord> decisions() {
        return new TenantDateBucketAssigner<>(
                DecisionRecord::getTenantId, DecisionRecord::getEventTime);
    }

    public static TenantDateBucketAssigner<OpsDecisionRecord> opsDecisions() {
        return new TenantDateBucketAssigner<>(
                OpsDecisionRecord::getTenantId, OpsDecisionRecord::getEventTime);
    }

    @Override
    public String getBucketId(T record, Context context) {
        return PartitionPath.tenantDate(tenant.apply(record), eventTime.apply(record));
    }

    @Override
    public SimpleVersionedSerializer<String> getSerializer() {
        return SimpleVersionedStringSerializer.INSTANCE;
    }
}
