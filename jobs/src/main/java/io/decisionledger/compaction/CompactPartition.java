package io.decisionledger.compaction;

import io.decisionledger.retention.PartitionRetainer;
import io.decisionledger.retention.RetentionTask;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.PartitionTask;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * The Flink side of a partition rewrite: takes one {@link PartitionTask} (as JSON) and runs the
 * {@link PartitionCompactor} on it in the task, or one {@link RetentionTask} and runs the {@link
 * PartitionRetainer}, so that partitions are rewritten in parallel across the job's slots. A failed
 * task is retried by Flink's restart strategy; the compactor picks up whatever its failed attempt
 * left behind.
 */
public final class CompactPartition extends RichMapFunction<String, String> {
    private static final long serialVersionUID = 1L;

    static final String ROWS_ACCUMULATOR = "rows-compacted";
    static final String PARTITIONS_ACCUMULATOR = "partitions-compacted";

    /** Prefix of a {@link PartitionTask} in the job's input. */
    static final String COMPACT = "C";

    /** Prefix of a {@link RetentionTask} in the job's input. */
    static final String RETAIN = "R";

    private final PartitionCompactor compactor;
    private final PartitionRetainer retainer;
    private transient LongCounter rows;
    private transient LongCounter partitions;

    public CompactPartition(PartitionCompactor compactor, PartitionRetainer retainer) {
        this.compactor = compactor;
        this.retainer = retainer;
    }

    @Override
    public void open(OpenContext openContext) {
        rows = getRuntimeContext().getLongCounter(ROWS_ACCUMULATOR);
        partitions = getRuntimeContext().getLongCounter(PARTITIONS_ACCUMULATOR);
    }

    @Override
    public String map(String work) throws Exception {
        String json = work.substring(1);
        PartitionResult result =
                work.startsWith(RETAIN)
                        ? retainer.retain(RetentionTask.fromJson(json))
                        : compactor.compact(PartitionTask.fromJson(json));
        rows.add(result.rows());
        partitions.add(1);
        return result.toJson();
    }
}
