package io.decisionledger.replay;

import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.schema.ReplayResult;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;

/**
 * The replay job (Flink batch): stored decisions, selected by {@link ReplaySelection}, are re-sent
 * with their recorded system prompt, prompt, context and parameters to an OpenAI-compatible Chat
 * Completions endpoint (async I/O: in-flight limit, timeouts, retries with backoff, rate limit;
 * {@link ChatCompletionsClient}), compared with what was stored ({@link ReplayComparison}) and
 * written to {@code <lake>/replays/run_id=R/} as Parquet; the client then prints a {@link
 * ReplaySummary}. With {@code --model} every decision is asked of that model instead of its
 * recorded version: "how would the new version have decided these cases?".
 *
 * <p>{@link #main} parses {@link ReplayOptions}; {@link ReplayRunner} selects the decisions and
 * logs the read on the client, reading only their id columns (a fixed list keeps the run
 * reproducible); the job graph carries only that {@link ReplayPlan} (files and event ids), and the
 * job's tasks read the decisions from the lake; {@link ReplayPipeline} replays them into the run
 * folder's sink built here; the runner then prints the summary.
 */
public final class ReplayJob {

    public static final String JOB_NAME = "decision-ledger replay";
    public static final String REPLAYS = "replays";

    private ReplayJob() {}

    public static void main(String[] args) throws Exception {
        ReplayOptions options = ReplayOptions.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        ReplayPlan selected =
                ReplayRunner.selectAndLog(options, ReplayRunner.caller(options, System.getenv()));
        System.out.printf("selected %d decisions for run %s%n", selected.size(), options.runId());
        if (selected.isEmpty()) {
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configureEnvironment(env);
        // the options in Flink's web UI
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(options.jobParameters()));
        new ReplayPipeline(options, selected, resultsSink(options)).build(env);
        env.execute(JOB_NAME);
        ReplayRunner.summary(options).print(System.out);
    }

    public static void configureEnvironment(StreamExecutionEnvironment env) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
    }

    public static Path runFolder(ReplayOptions options) {
        return options.lake().resolve(REPLAYS + "/run_id=" + options.runId());
    }

    public static FileSink<ReplayResult> resultsSink(ReplayOptions options) {
        return FileSink.forBulkFormat(
                        runFolder(options),
                        ParquetFormats.writerFor(ReplayResult.class, ParquetSettings.defaults()))
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withOutputFileConfig(
                        OutputFileConfig.builder()
                                .withPartPrefix("part")
                                .withPartSuffix(".parquet")
                                .build())
                .build();
    }
}
