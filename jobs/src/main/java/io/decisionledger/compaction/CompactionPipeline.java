package io.decisionledger.compaction;

import io.decisionledger.retention.PartitionRetainer;
import io.decisionledger.retention.RetentionTask;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.PartitionSlice;
import io.decisionledger.rewrite.PartitionTask;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.datagen.functions.FromElementsGeneratorFunction;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The compaction job's graph, a Flink batch job: the planned work (partitions to merge, partitions
 * past retention), spread over the slots, each partition rewritten by one task ({@link
 * CompactPartition}) or, when hot, staged in slices by several tasks; one {@link PartitionResult}
 * per partition (per slice of a split one) comes out. The results go back to the client that
 * planned the run ({@link CompactionRunner}), so the graph ends in a stream, not a sink. Tests plug
 * in any bounded source of work.
 */
public final class CompactionPipeline {

    private final Source<PartitionWork, ?, ?> work;
    private final PartitionCompactor compactor;
    private final PartitionRetainer retainer;

    /**
     * @param work the partitions to rewrite, bounded
     * @param compactor merges a partition
     * @param retainer deletes a partition past retention (null when the run plans no deletion)
     */
    public CompactionPipeline(
            Source<PartitionWork, ?, ?> work,
            PartitionCompactor compactor,
            PartitionRetainer retainer) {
        this.work = work;
        this.compactor = compactor;
        this.retainer = retainer;
    }

    /**
     * A run's work in the order it should start: deletions first (they are due), then merges
     * largest first, so a big partition does not start last and hold up the end of the run.
     */
    public static List<PartitionWork> inStartOrder(
            List<RetentionTask> expired, List<PartitionTask> merges) {
        List<PartitionWork> work = new ArrayList<>();
        expired.forEach(t -> work.add(new PartitionWork.Retain(t)));
        merges.stream()
                .sorted(Comparator.comparingLong(PartitionTask::sourceBytes).reversed())
                .forEach(t -> work.add(new PartitionWork.Compact(t)));
        return work;
    }

    /**
     * As {@link #inStartOrder(List, List)}, a partition that {@code slices} splits (more than one
     * slice) becoming one work item per slice, next to each other, so that the round-robin hand-out
     * gives them to different subtasks.
     */
    public static List<PartitionWork> inStartOrder(
            List<RetentionTask> expired,
            List<PartitionTask> merges,
            Function<PartitionTask, List<PartitionSlice>> slices) {
        List<PartitionWork> work = new ArrayList<>();
        for (PartitionWork w : inStartOrder(expired, merges)) {
            List<PartitionSlice> split =
                    w instanceof PartitionWork.Compact c ? slices.apply(c.task()) : List.of();
            if (split.size() > 1) {
                PartitionTask task = ((PartitionWork.Compact) w).task();
                split.forEach(s -> work.add(new PartitionWork.CompactSlice(task, s)));
            } else {
                work.add(w);
            }
        }
        return work;
    }

    /** A bounded source of the planned work, in the given order (the client planned it). */
    public static Source<PartitionWork, ?, ?> plannedWork(List<PartitionWork> work) {
        return new DataGeneratorSource<>(
                new FromElementsGeneratorFunction<>(
                        PartitionWork.TYPE, work.toArray(new PartitionWork[0])),
                work.size(),
                PartitionWork.TYPE);
    }

    public DataStream<PartitionResult> build(StreamExecutionEnvironment env) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        SingleOutputStreamOperator<PartitionResult> rewritten =
                env.fromSource(
                                work,
                                WatermarkStrategy.noWatermarks(),
                                "closed-partitions",
                                PartitionWork.TYPE)
                        // one reader hands the work out in the planned order
                        .setParallelism(1)
                        .uid("closed-partitions")
                        .rebalance()
                        .map(new CompactPartition(compactor, retainer))
                        .name("compact-partition")
                        .uid("compact-partition");
        if (env.getParallelism() > 0) {
            // Set on the operator: the adaptive batch scheduler would otherwise size it by the
            // volume of its input, a few hundred bytes of work items, i.e. one subtask, and every
            // partition (every slice of a hot one) would be rewritten by the same slot.
            rewritten.setParallelism(env.getParallelism());
        }
        return rewritten;
    }
}
