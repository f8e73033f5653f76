package io.decisionledger.erasure;

import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * The Flink side of an erasure: runs the {@link PartitionErasure} on one partition folder, so that
 * partitions are searched and rewritten in parallel across the job's slots. A failed task is
 * retried by Flink's restart strategy; the erasure picks up whatever the failed attempt left
 * behind.
 */
public final class ErasePartition extends RichMapFunction<ErasureTask, PartitionErasure.Result> {
    private static final long serialVersionUID = 1L;

    private final PartitionErasure erasure;

    public ErasePartition(PartitionErasure erasure) {
        this.erasure = erasure;
    }

    @Override
    public PartitionErasure.Result map(ErasureTask task) throws Exception {
        return erasure.erase(task);
    }
}
