package io.decisionledger.compaction;

import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * The Flink side of a partition rewrite: takes one {@link PartitionTask} (as JSON) and runs the
 * {@link PartitionCompactor} on it in the task, so that partitions are rewritten in parallel across
 * the job's slots. A failed task is retried by Flink's restart strategy; the compactor picks up
 * whatever its failed attempt left behind.
 */
public final class CompactPartition extends RichMapFunction<String, String> {
    private static final long serialVersionUID = 1L;

    static final String ROWS_ACCUMULATOR = "rows-compacted";
    static final String PARTITIONS_ACCUMULATOR = "partitions-compacted";

    private final PartitionCompactor compactor;
    private transient LongCounter rows;
    private transient LongCounter partitions;

    public CompactPartition(PartitionCompactor compactor) {
        this.compactor = compactor;
    }

    @Override
    public void open(OpenContext openContext) {
        rows = getRuntimeContext().getLongCounter(ROWS_ACCUMULATOR);
        partitions = getRuntimeContext().getLongCounter(PARTITIONS_ACCUMULATOR);
    }

    @Override
    public String map(String taskJson) throws Exception {
        PartitionResult result = compactor.compact(PartitionTask.fromJson(taskJson));
        rows.add(result.rows());
        partitions.add(1);
        return result.toJson();
    }
}
