package io.decisionledger.replay;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ReplayResult;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The replay job's graph (batch): the selected decisions → the model, through async I/O ({@link
 * ReplayFunction}: in-flight limit, timeouts, retries, rate limit) → the results sink. Its input is
 * the selection {@link ReplayRunner} read and logged on the client, a fixed list, so a run is
 * reproducible; {@link ReplayJob} plugs in the run folder's FileSink, tests may plug in any sink.
 */
public final class ReplayPipeline {

    private final ReplayOptions options;
    private final List<DecisionRecord> selected;
    private final Sink<ReplayResult> results;

    public ReplayPipeline(
            ReplayOptions options, List<DecisionRecord> selected, Sink<ReplayResult> results) {
        this.options = options;
        this.selected = selected;
        this.results = results;
    }

    public void build(StreamExecutionEnvironment env) {
        int parallelism = options.parallelism() > 0 ? options.parallelism() : env.getParallelism();
        DataStream<DecisionRecord> decisions =
                env.fromData(selected, new AvroTypeInfo<>(DecisionRecord.class))
                        .name("selected-decisions");
        AsyncDataStream.unorderedWait(
                        decisions,
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
