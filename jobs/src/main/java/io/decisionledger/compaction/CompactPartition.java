package io.decisionledger.compaction;

import io.decisionledger.retention.PartitionRetainer;
import io.decisionledger.rewrite.PartitionResult;
import java.util.function.LongConsumer;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
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

    /** Rows read so far, partitions in progress included (the client's progress lines). */
    static final String ROWS_READ_ACCUMULATOR = "rows-read";

    /** Bytes of the source files of the partitions done. */
    static final String BYTES_ACCUMULATOR = "bytes-done";

    /** Flink metrics of each rewriting subtask: the same counts as the accumulators. */
    public static final String METRIC_PARTITIONS = "compactionPartitionsDone";

    public static final String METRIC_BYTES = "compactionBytesDone";
    public static final String METRIC_ROWS_READ = "compactionRowsRead";

    private final PartitionCompactor compactor;
    private final PartitionRetainer retainer;
    private transient LongCounter rows;
    private transient LongCounter partitions;
    private transient LongCounter bytes;
    private transient Counter partitionsMetric;
    private transient Counter bytesMetric;

    public CompactPartition(PartitionCompactor compactor, PartitionRetainer retainer) {
        this.compactor = compactor;
        this.retainer = retainer;
    }

    @Override
    public void open(OpenContext openContext) {
        rows = getRuntimeContext().getLongCounter(ROWS_ACCUMULATOR);
        partitions = getRuntimeContext().getLongCounter(PARTITIONS_ACCUMULATOR);
        bytes = getRuntimeContext().getLongCounter(BYTES_ACCUMULATOR);
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        partitionsMetric = metrics.counter(METRIC_PARTITIONS);
        bytesMetric = metrics.counter(METRIC_BYTES);
        Counter rowsReadMetric = metrics.counter(METRIC_ROWS_READ);
        LongCounter rowsRead = getRuntimeContext().getLongCounter(ROWS_READ_ACCUMULATOR);
        LongConsumer report =
                n -> {
                    rowsRead.add(n);
                    rowsReadMetric.inc(n);
                };
        compactor.rewrite().reportRowsTo(report);
        if (retainer != null) {
            retainer.rewrite().reportRowsTo(report);
        }
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
            partitionsMetric.inc();
            bytes.add(work.sourceBytes());
            bytesMetric.inc(work.sourceBytes());
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
