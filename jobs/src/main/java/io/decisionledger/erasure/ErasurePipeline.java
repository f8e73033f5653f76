package io.decisionledger.erasure;

import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.datagen.functions.FromElementsGeneratorFunction;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The erasure job's graph, a Flink batch job: the partition folders that may hold the plan's
 * records (the tenant's audit and ops partitions, every quarantine partition, in the lake, the
 * landing root and the archive), spread over the slots, each searched and rewritten by one task
 * ({@link ErasePartition}); one {@link PartitionErasure.Result} per partition comes out and goes
 * back to the client ({@link ErasureRunner}), which writes the receipt. Tests plug in any bounded
 * source of tasks.
 */
public final class ErasurePipeline {

    static final TypeInformation<ErasureTask> TASK = TypeInformation.of(ErasureTask.class);
    static final TypeInformation<PartitionErasure.Result> RESULT =
            TypeInformation.of(PartitionErasure.Result.class);

    private final Source<ErasureTask, ?, ?> tasks;
    private final PartitionErasure erasure;

    public ErasurePipeline(Source<ErasureTask, ?, ?> tasks, PartitionErasure erasure) {
        this.tasks = tasks;
        this.erasure = erasure;
    }

    /** A bounded source of the planned tasks, largest first (a big one should not start last). */
    public static Source<ErasureTask, ?, ?> plannedTasks(List<ErasureTask> tasks) {
        ErasureTask[] ordered =
                tasks.stream()
                        .sorted(Comparator.comparingLong(ErasureTask::bytes).reversed())
                        .toArray(ErasureTask[]::new);
        return new DataGeneratorSource<>(
                new FromElementsGeneratorFunction<>(TASK, ordered), ordered.length, TASK);
    }

    public DataStream<PartitionErasure.Result> build(StreamExecutionEnvironment env) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        return env.fromSource(tasks, WatermarkStrategy.noWatermarks(), "partitions-to-search", TASK)
                .setParallelism(1)
                .uid("partitions-to-search")
                .rebalance()
                .map(new ErasePartition(erasure))
                .returns(RESULT)
                .name("erase-partition")
                .uid("erase-partition");
    }
}
