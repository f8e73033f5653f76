package io.decisionledger.compaction;

import io.decisionledger.retention.PartitionRetainer;
import io.decisionledger.rewrite.PartitionResult;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.streaming.api.operators.StreamingRuntimeContext;

/**
 * The Flink side of a partition rewrite: takes one {@link PartitionWork} and runs the {@link
 * PartitionCompactor} on a partition to merge (or stages one slice of a hot one), or the {@link
 * PartitionRetainer} on one past retention, so that partitions are rewritten in parallel across the
 * job's slots. A failed task is retried by Flink's restart strategy; the compactor and the retainer
 * pick up whatever the failed attempt left behind.
 */
public final class CompactPartition extends RichMapFunction<PartitionWork, PartitionResult> {
    private static final long serialVersionUID = 1L;

    static final String ROWS_ACCUMULATOR = "rows-compacted";
    static final String PARTITIONS_ACCUMULATOR = "partitions-compacted";

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
        // sorted runs spill to the TaskManager's temporary directories (io.tmp.dirs)
        if (getRuntimeContext() instanceof StreamingRuntimeContext ctx) {
            String[] tmp = ctx.getTaskManagerRuntimeInfo().getTmpDirectories();
            compactor.rewrite().spillTo(tmp);
            if (retainer != null) {
                retainer.rewrite().spillTo(tmp);
            }
        }
    }

    @Override
    public PartitionResult map(PartitionWork work) throws Exception {
        PartitionResult result = rewrite(work);
        rows.add(result.rows());
        if (!(work instanceof PartitionWork.CompactSlice s) || s.slice().index() == 0) {
            partitions.add(1);
        }
        return result;
    }

    private PartitionResult rewrite(PartitionWork work) throws Exception {
        if (work instanceof PartitionWork.Retain retain) {
            return retainer.retain(retain.task());
        }
        if (work instanceof PartitionWork.CompactSlice slice) {
            return compactor.stageSlice(
                    slice.task(),
                    slice.slice(),
                    getRuntimeContext().getTaskInfo().getIndexOfThisSubtask());
        }
        return compactor.compact(((PartitionWork.Compact) work).task());
    }
}
