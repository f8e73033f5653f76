package io.decisionledger.bench.ingest;

import io.decisionledger.bench.Measurement;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.ingest.IngestOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
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

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        IngestRunParameters run = IngestRunParameters.from(p);
        IngestOptions options =
                IngestOptions.parse(
                        new String[] {
                            "--bootstrap-servers", run.bootstrapServers(),
                            "--topic", run.topic(),
                            "--group-id", "bench-" + NAME + "-" + System.nanoTime(),
                            "--starting-offsets", "earliest",
                            "--bounded", "true",
                            "--lake", run.lake().toUri().toString(),
                            "--checkpoint-interval", run.checkpointInterval().toString()
                        });
        StreamExecutionEnvironment env =
                LocalFlink.environment(
                        run.parallelism(), run.checkpoints(), run.checkpointInterval());
        IngestJob.configureEnvironment(env, options);
        IngestJob.fromOptions(options).build(env);
        JobExecutionResult result = env.execute("bench " + NAME);

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
