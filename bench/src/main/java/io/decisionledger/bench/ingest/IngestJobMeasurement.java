package io.decisionledger.bench.ingest;

import io.decisionledger.bench.Measurement;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.ingest.IngestOptions;
import io.decisionledger.privacy.PseudonymKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The candidate: the real {@link IngestJob} with everything it does (parsing and validation in the
 * source, de-duplication with keyed state, content hashes, audit and quarantine Parquet sinks,
 * exactly-once checkpoints), built with {@code IngestJob.fromOptions(options).build(env)} exactly
 * as {@code main} builds it, reading the preloaded topic from the start until the offsets that were
 * latest at start-up.
 */
public final class IngestJobMeasurement implements Measurement {

    public static final String NAME = "ingest-job";

    /** IngestJob without the hash chain: the chain's cost is the ratio to {@link #NAME}. */
    public static final String NO_CHAIN = "ingest-job-no-chain";

    /** IngestJob without the masked ops copy: the masking's cost is the ratio to {@link #NAME}. */
    public static final String NO_OPS = "ingest-job-no-ops";

    /**
     * IngestJob with the two-shuffle graph of earlier versions (dedup by event id, card join,
     * chain): what the single shuffle saves is the ratio to {@link #NAME}.
     */
    public static final String TWO_SHUFFLE = "ingest-job-two-shuffle";

    /**
     * IngestJob with its live metrics branch ({@code --metrics true}, MetricsJob's default
     * windows): the branch's cost is this run's CPU less {@link #NAME}'s.
     */
    public static final String METRICS_BRANCH = "ingest-job-metrics-branch";

    /**
     * {@link #METRICS_BRANCH} with hourly and daily windows only ({@code --metrics-granularities
     * 1h,1d}): the benchmark's decisions are so sparse in event time (a few per second over 50
     * tenants and six model versions) that the default 1-minute windows make almost one read-model
     * row per two decisions; this variant shows what the branch costs when its rows are few.
     */
    public static final String METRICS_BRANCH_HOURLY = "ingest-job-metrics-branch-hourly";

    /**
     * {@link #METRICS_BRANCH} with the window operators of versions before {@code
     * HeldWindowOperator} ({@code --metrics-held-windows false}: Flink's window operator, its
     * accumulators and two timers per window in RocksDB): the held windows' saving, measured in the
     * same run.
     */
    public static final String METRICS_BRANCH_FLINK_WINDOWS =
            "ingest-job-metrics-branch-flink-windows";

    private final String name;
    private final List<String> extraArgs;

    public IngestJobMeasurement() {
        this(NAME);
    }

    public IngestJobMeasurement(String name) {
        this.name = name;
        this.extraArgs =
                switch (name) {
                    case NAME -> List.of();
                    case NO_CHAIN -> List.of("--hash-chain", "false");
                    case NO_OPS -> List.of("--ops-copy", "false");
                    case TWO_SHUFFLE -> List.of("--single-shuffle", "false");
                    case METRICS_BRANCH -> List.of("--metrics", "true");
                    case METRICS_BRANCH_HOURLY ->
                            List.of("--metrics", "true", "--metrics-granularities", "1h,1d");
                    case METRICS_BRANCH_FLINK_WINDOWS ->
                            List.of("--metrics", "true", "--metrics-held-windows", "false");
                    default -> throw new IllegalArgumentException("no ingest variant " + name);
                };
    }

    /** Whether a measurement name is one of IngestJob's variants (same output checks). */
    public static boolean isIngestJob(String measurement) {
        return measurement.equals(NAME)
                || measurement.equals(NO_CHAIN)
                || measurement.equals(NO_OPS)
                || measurement.equals(TWO_SHUFFLE)
                || isMetricsBranch(measurement);
    }

    /** Whether a measurement runs IngestJob with its metrics branch (any variant). */
    public static boolean isMetricsBranch(String measurement) {
        return measurement.equals(METRICS_BRANCH)
                || measurement.equals(METRICS_BRANCH_HOURLY)
                || measurement.equals(METRICS_BRANCH_FLINK_WINDOWS);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        IngestRunParameters run = IngestRunParameters.from(p);
        Path keyFile =
                PseudonymKey.createKeyFileIfAbsent(run.lake().resolveSibling("pseudonym.key"));
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--bootstrap-servers", run.bootstrapServers(),
                                "--topic", run.topic(),
                                "--group-id", "bench-" + name + "-" + System.nanoTime(),
                                "--starting-offsets", "earliest",
                                "--bounded", "true",
                                "--lake", run.lake().toUri().toString(),
                                "--checkpoint-interval", run.checkpointInterval().toString(),
                                "--pseudonym-key-file", keyFile.toString()));
        args.addAll(extraArgs);
        IngestOptions options = IngestOptions.parse(args.toArray(new String[0]));
        StreamExecutionEnvironment env =
                LocalFlink.environment(
                        run.parallelism(), run.checkpoints(), run.checkpointInterval());
        IngestJob.configureEnvironment(env, options);
        IngestJob.fromOptions(options).build(env);
        JobExecutionResult result = env.execute("bench " + name);

        Map<String, Object> counted = new LinkedHashMap<>();
        counted.put("job_s", result.getNetRuntime() / 1e3);
        return counted;
    }

    /** The parameters both ingest measurements take, parsed from the child's key=value list. */
    record IngestRunParameters(
            String bootstrapServers,
            String topic,
            int parallelism,
            Path lake,
            Path checkpoints,
            Duration checkpointInterval) {

        static IngestRunParameters from(Map<String, String> p) {
            return new IngestRunParameters(
                    required(p, "bootstrap-servers"),
                    required(p, "topic"),
                    Integer.parseInt(required(p, "parallelism")),
                    Path.of(required(p, "lake")).toAbsolutePath(),
                    Path.of(required(p, "checkpoints")).toAbsolutePath(),
                    Duration.parse(required(p, "checkpoint-interval")));
        }

        private static String required(Map<String, String> p, String key) {
            String v = p.get(key);
            if (v == null || v.isBlank()) {
                throw new IllegalArgumentException("missing parameter " + key);
            }
            return v;
        }
    }
}
