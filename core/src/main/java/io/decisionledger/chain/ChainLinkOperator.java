package io.decisionledger.chain;

import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Links every accepted decision into its tenant's hash chain: gives it the next {@code chain_seq},
 * the previous record's hash as {@code prev_hash}, and its own {@code hash}. Keyed by chain ({@code
 * tenant/shard}); the chain head (last seq and hash) is keyed state, so it is checkpointed together
 * with the Kafka offsets and the FileSink's pending files: after a restore the chain continues
 * exactly after the last committed record, with no gap and no repeat.
 *
 * <p>Just before each checkpoint barrier (and at the end of a bounded input) it emits the head of
 * every chain that moved since the last checkpoint to the {@link #HEADS} side output. Heads
 * therefore commit in the same checkpoint as the records they cover. A custom operator rather than
 * a process function because only an operator can emit in {@code prepareSnapshotPreBarrier}.
 *
 * <p>Its {@value #METRIC_HEAD_AGE} gauge is how long the oldest record this subtask linked has
 * waited for a head that covers it to be committed (0 when every linked record is covered): heads
 * commit with the checkpoint after their barrier, so it grows while checkpoints fail. It is kept in
 * memory only (no state), so the operator's state and uid are what they were.
 */
public final class ChainLinkOperator extends AbstractStreamOperator<DecisionRecord>
        implements OneInputStreamOperator<DecisionRecord, DecisionRecord>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    /** Seconds the oldest linked record has waited for a committed head (see above). */
    public static final String METRIC_HEAD_AGE = "chain_head_age_seconds";

    public static final OutputTag<ChainHead> HEADS =
            new OutputTag<>("chain-heads", new AvroTypeInfo<>(ChainHead.class));

    /** The last linked record of a chain. */
    public static class Head {
        public long seq;
        public String hash;
        public String eventId;

        public Head() {}

        Head(long seq, String hash, String eventId) {
            this.seq = seq;
            this.hash = hash;
            this.eventId = eventId;
        }
    }

    private transient ValueState<Head> head;
    private transient ChainHasher hasher;
    private transient Set<String> movedSinceCheckpoint;

    /** Processing time of the first record linked since the last barrier; -1: none. */
    private transient volatile long firstUnpublishedAt;

    /**
     * Per checkpoint not yet completed: the first record its heads cover (processing time). Read by
     * the metric reporter's thread, hence concurrent.
     */
    private transient ConcurrentSkipListMap<Long, Long> uncommittedSince;

    @Override
    public void open() throws Exception {
        super.open();
        head = getRuntimeContext().getState(new ValueStateDescriptor<>("chain-head", Head.class));
        hasher = new ChainHasher();
        movedSinceCheckpoint = new LinkedHashSet<>();
        firstUnpublishedAt = -1;
        uncommittedSince = new ConcurrentSkipListMap<>();
        getMetricGroup().gauge(METRIC_HEAD_AGE, this::headAgeSeconds);
    }

    /** The gauge: earlier checkpoints cover earlier records, so the first entry is the oldest. */
    long headAgeSeconds() {
        long oldest = firstUnpublishedAt;
        Map.Entry<Long, Long> earliest = uncommittedSince.firstEntry();
        if (earliest != null) {
            oldest = oldest < 0 ? earliest.getValue() : Math.min(oldest, earliest.getValue());
        }
        if (oldest < 0) {
            return 0;
        }
        long now = getProcessingTimeService().getCurrentProcessingTime();
        return Math.max(0, (now - oldest) / 1000);
    }

    @Override
    public void processElement(StreamRecord<DecisionRecord> element) throws Exception {
        DecisionRecord record = element.getValue();
        String key = (String) getCurrentKey();
        Head last = head.value();
        long seq = last == null ? 1 : last.seq + 1;
        String prev = last == null ? ChainHasher.GENESIS : last.hash;
        record.setChainShard(shardOf(key));
        record.setChainSeq(seq);
        record.setPrevHash(prev);
        String hash = hasher.hash(prev, record);
        record.setHash(hash);
        head.update(new Head(seq, hash, record.getEventId()));
        movedSinceCheckpoint.add(key);
        if (firstUnpublishedAt < 0) {
            firstUnpublishedAt = getProcessingTimeService().getCurrentProcessingTime();
        }
        output.collect(element);
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        publishHeads();
        if (firstUnpublishedAt >= 0) {
            uncommittedSince.put(checkpointId, firstUnpublishedAt);
            firstUnpublishedAt = -1;
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        // a completed checkpoint commits its heads and those of every earlier one
        uncommittedSince.headMap(checkpointId, true).clear();
    }

    @Override
    public void endInput() throws Exception {
        publishHeads();
    }

    private void publishHeads() throws Exception {
        Instant now = Instant.ofEpochMilli(getProcessingTimeService().getCurrentProcessingTime());
        for (String key : movedSinceCheckpoint) {
            setCurrentKey(key);
            Head h = head.value();
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
