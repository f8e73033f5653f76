package io.decisionledger.replay;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ReplayResult;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.connector.datagen.functions.FromElementsGeneratorFunction;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The replay job's graph (batch): the planned lake files → their selected decisions, read by the
 * job's tasks ({@link ReadSelectedDecisions}) → the model, through async I/O ({@link
 * ReplayFunction}: in-flight limit, timeouts, retries, rate limit) → the results sink. Its input is
 * the {@link ReplayPlan} {@link ReplayRunner} made and logged on the client, a fixed list of files
 * and event ids, so a run is reproducible and the graph holds no record content; {@link ReplayJob}
 * plugs in the run folder's FileSink, tests may plug in any sink.
 */
public final class ReplayPipeline {

    private final ReplayOptions options;
    private final ReplayPlan plan;
    private final Sink<ReplayResult> results;

    public ReplayPipeline(ReplayOptions options, ReplayPlan plan, Sink<ReplayResult> results) {
        if (plan.isEmpty()) {
            throw new IllegalArgumentException("the replay plan selects no decision");
        }
        this.options = options;
        this.plan = plan;
        this.results = results;
    }

    public void build(StreamExecutionEnvironment env) {
        int parallelism = options.parallelism() > 0 ? options.parallelism() : env.getParallelism();
        String[] files = plan.files().toArray(new String[0]);
        DataStream<DecisionRecord> decisions =
                env.fromSource(
                                new DataGeneratorSource<>(
                                        new FromElementsGeneratorFunction<>(Types.STRING, files),
                                        files.length,
                                        Types.STRING),
                                WatermarkStrategy.noWatermarks(),
                                "planned-files",
                                Types.STRING)
                        .setParallelism(1)
                        // one reader lists, the rebalance spreads the files over the readers
                        .rebalance()
                        .flatMap(new ReadSelectedDecisions(options, plan))
                        .returns(new AvroTypeInfo<>(DecisionRecord.class))
                        .setParallelism(parallelism)
                        .name("read-selected-decisions");
        AsyncDataStream.unorderedWait(
                        // a sample often sits in one file: spread its decisions over the callers
                        decisions.rebalance(),
                        new ReplayFunction(options),
                        options.overallTimeout().toMillis(),
                        TimeUnit.MILLISECONDS,
                        options.concurrency())
                .returns(new AvroTypeInfo<>(ReplayResult.class))
                .setParallelism(parallelism)
                .name("replay-to-model")
                .uid("replay-to-model")
                .sinkTo(results)
                .setParallelism(parallelism)
                .name("replay-results-sink")
                .uid("replay-results-sink");
    }
}
