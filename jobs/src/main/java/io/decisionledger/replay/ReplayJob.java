package io.decisionledger.replay;

import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ReplayResult;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.AsyncDataStream;
import org.apache.flink.streaming.api.datastream.DataStream;
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
 * <p>The selection is read on the client: replays are samples (the endpoint, not the lake, is the
 * bottleneck), and a fixed list keeps the run reproducible.
 */
public final class ReplayJob {

    public static final String JOB_NAME = "decision-ledger replay";
    public static final String REPLAYS = "replays";

    private final ReplayOptions options;
    private final List<DecisionRecord> selected;
    private final Sink<ReplayResult> sink;

    public ReplayJob(
            ReplayOptions options, List<DecisionRecord> selected, Sink<ReplayResult> sink) {
        this.options = options;
        this.selected = selected;
        this.sink = sink;
    }

    public static void main(String[] args) throws Exception {
        ReplayOptions options = ReplayOptions.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        List<DecisionRecord> selected = selectAndLog(options, caller(options, System.getenv()));
        System.out.printf("selected %d decisions for run %s%n", selected.size(), options.runId());
        if (selected.isEmpty()) {
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        configureEnvironment(env);
        // the options in Flink's web UI
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(options.jobParameters()));
        new ReplayJob(options, selected, resultsSink(options)).build(env);
        env.execute(JOB_NAME);
        ReplaySummary.of(readResults(options), options.worst()).print(System.out);
    }

    /**
     * Selects the decisions to replay and records the read in the access log, one entry per tenant,
     * before anything is sent: a replay reads full records (prompts, context), so like every other
     * read of audit/ it is a compliance officer's action with a stated purpose.
     */
    public static List<DecisionRecord> selectAndLog(ReplayOptions options, Caller caller)
            throws IOException {
        if (caller.role() != AuditRole.COMPLIANCE_OFFICER) {
            throw new AccessRefusedException(
                    "role "
                            + caller.role().id()
                            + " may not replay decisions: a replay reads full records (prompts"
                            + " and context); ask a compliance officer");
        }
        if (options.purpose() == null) {
            throw new IllegalArgumentException(
                    "--purpose is required: a replay reads full records, and the purpose is"
                            + " written to the access log");
        }
        List<DecisionRecord> selected = ReplaySelection.select(options);
        Map<String, List<String>> idsPerTenant = new TreeMap<>();
        for (DecisionRecord d : selected) {
            idsPerTenant
                    .computeIfAbsent(d.getTenantId(), t -> new ArrayList<>())
                    .add(d.getEventId());
        }
        Map<String, String> query = new LinkedHashMap<>();
        query.put("run_id", options.runId());
        query.put("model", options.model() == null ? "(recorded)" : options.model());
        query.put("base_url", options.baseUrl());
        if (options.from() != null) {
            query.put("from", options.from().toString());
        }
        if (options.to() != null) {
            query.put("to", options.to().toString());
        }
        if (options.modelVersion() != null) {
            query.put("model_version", options.modelVersion());
        }
        AccessLog log = new AccessLog(options.lake(), Clock.systemUTC());
        for (Map.Entry<String, List<String>> tenant : idsPerTenant.entrySet()) {
            log.record(
                    new AccessLog.Access(
                            caller,
                            AccessLog.Action.REPLAY,
                            options.purpose(),
                            AccessLog.DATASET_DECISIONS,
                            tenant.getKey(),
                            tenant.getValue(),
                            query));
        }
        return selected;
    }

    /** The caller: {@code --identity-file}, else {@value Caller#ENV}; never guessed. */
    static Caller caller(ReplayOptions options, Map<String, String> env) {
        if (options.identityFile() != null) {
            return Caller.fromIdentityFile(java.nio.file.Path.of(options.identityFile()));
        }
        String value = env.get(Caller.ENV);
        if (value != null && !value.isBlank()) {
            return Caller.fromEnvironmentValue(value);
        }
        throw new IllegalArgumentException(
                "who is replaying? pass --identity-file FILE (user=..., role=...) or set "
                        + Caller.ENV
                        + "=user:role");
    }

    public static void configureEnvironment(StreamExecutionEnvironment env) {
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
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
                .sinkTo(sink)
                .setParallelism(parallelism)
                .name("replay-results-sink")
                .uid("replay-results-sink");
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

    /** The results of a finished run, read back from its folder. */
    public static List<ReplayResult> readResults(ReplayOptions options) throws IOException {
        List<ReplayResult> out = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(runFolder(options))) {
            LakeFiles.forEachRecord(f, ReplayResult.class, out::add);
        }
        return out;
    }
}
