package io.decisionledger.chain;

import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.QuarantineRecord;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Links every quarantined record into its quarantine hash chain, so that deleting or altering
 * refused input is as visible as deleting a decision. The same pattern as {@link
 * ChainLinkOperator}: keyed by chain ({@link #key}: the record's tenant, or {@link
 * QuarantineChainHasher#NO_TENANT}, and the tenant's shard), the head is keyed state checkpointed
 * with the Kafka offsets and the quarantine sink's pending files, and just before each checkpoint
 * barrier (and at the end of a bounded input) the head of every chain that moved is emitted on
 * {@link #HEADS} as a {@link ChainHead} (tenant_id = the chain's tenant part), published in {@code
 * chain/quarantine_heads/} next to the decision heads.
 */
public final class QuarantineChainOperator extends AbstractStreamOperator<QuarantineRecord>
        implements OneInputStreamOperator<QuarantineRecord, QuarantineRecord>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<ChainHead> HEADS =
            new OutputTag<>("quarantine-chain-heads", new AvroTypeInfo<>(ChainHead.class));

    private transient ValueState<ChainLinkOperator.Head> head;
    private transient QuarantineChainHasher hasher;
    private transient Set<String> movedSinceCheckpoint;

    /**
     * The chain key of a quarantined record: {@code chainTenant/shard}, the shard chosen like the
     * decision chain's ({@link ChainSharding}) when the record has a tenant and an event id, else
     * 0.
     */
    public static KeySelector<QuarantineRecord, String> key(ChainSharding sharding) {
        return q -> {
            String tenant = QuarantineChainHasher.chainTenant(q.getTenantId());
            int shard =
                    QuarantineChainHasher.NO_TENANT.equals(tenant) || q.getEventId() == null
                            ? 0
                            : sharding.shardOf(tenant, q.getEventId());
            return ChainSharding.chainKey(tenant, shard);
        };
    }

    @Override
    public void open() throws Exception {
        super.open();
        head =
                getRuntimeContext()
                        .getState(
                                new ValueStateDescriptor<>(
                                        "quarantine-chain-head", ChainLinkOperator.Head.class));
        hasher = new QuarantineChainHasher();
        movedSinceCheckpoint = new LinkedHashSet<>();
    }

    @Override
    public void processElement(StreamRecord<QuarantineRecord> element) throws Exception {
        QuarantineRecord record = element.getValue();
        String key = (String) getCurrentKey();
        ChainLinkOperator.Head last = head.value();
        long seq = last == null ? 1 : last.seq + 1;
        String prev = last == null ? ChainHasher.GENESIS : last.hash;
        record.setChainShard(shardOf(key));
        record.setChainSeq(seq);
        record.setPrevHash(prev);
        String hash = hasher.hash(prev, record);
        record.setHash(hash);
        ChainLinkOperator.Head next = new ChainLinkOperator.Head();
        next.seq = seq;
        next.hash = hash;
        next.eventId = record.getEventId() == null ? "" : record.getEventId();
        head.update(next);
        movedSinceCheckpoint.add(key);
        output.collect(element);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        publishHeads();
    }

    @Override
    public void endInput() throws Exception {
        publishHeads();
    }

    private void publishHeads() throws Exception {
        Instant now = Instant.ofEpochMilli(getProcessingTimeService().getCurrentProcessingTime());
        for (String key : movedSinceCheckpoint) {
            setCurrentKey(key);
            ChainLinkOperator.Head h = head.value();
            ChainHead published = new ChainHead();
            published.setTenantId(key.substring(0, key.lastIndexOf('/')));
            published.setChainShard(shardOf(key));
            published.setChainSeq(h.seq);
            published.setHash(h.hash);
            published.setEventId(h.eventId);
            published.setPublishedAt(now);
            output.collect(HEADS, new StreamRecord<>(published));
        }
        movedSinceCheckpoint.clear();
    }

    private static int shardOf(String chainKey) {
        return Integer.parseInt(chainKey.substring(chainKey.lastIndexOf('/') + 1));
    }
}
