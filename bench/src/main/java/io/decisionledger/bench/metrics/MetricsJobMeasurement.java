package io.decisionledger.bench.metrics;

import io.decisionledger.bench.Measurement;
import io.decisionledger.bench.Parameters;
import io.decisionledger.bench.ingest.LocalFlink;
import io.decisionledger.metrics.MetricsJob;
import io.decisionledger.metrics.MetricsOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The candidate of both metrics benchmarks: the real {@link MetricsJob}, built with {@code
 * MetricsJob.fromOptions(options).build(env)} as {@code main} builds it, with its default windows
 * (1 m, 1 h, 1 d), lateness and out-of-orderness. Live ({@value #NAME}): the preloaded topic from
 * the start to the offsets latest at start-up, parsed, validated and de-duplicated like ingest,
 * exactly-once checkpoints on RocksDB. Rebuild ({@value #REBUILD}): the audit lake in batch mode.
 */
public final class MetricsJobMeasurement implements Measurement {

    public static final String NAME = "metrics-job";
    public static final String REBUILD = "metrics-job-rebuild";

    private final String name;

    public MetricsJobMeasurement(String name) {
        if (!name.equals(NAME) && !name.equals(REBUILD)) {
            throw new IllegalArgumentException("no metrics measurement " + name);
        }
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        int parallelism = Parameters.integer(p, "parallelism");
        Path lake = Parameters.path(p, "lake");
        StreamExecutionEnvironment env;
        MetricsOptions options;
        if (name.equals(NAME)) {
            Duration interval = Duration.parse(Parameters.required(p, "checkpoint-interval"));
            options =
                    MetricsOptions.parse(
                            List.of(
                                            "--source",
                                            "kafka",
                                            "--bootstrap-servers",
                                            Parameters.required(p, "bootstrap-servers"),
                                            "--topic",
                                            Parameters.required(p, "topic"),
                                            "--group-id",
                                            "bench-" + name + "-" + System.nanoTime(),
                                            "--starting-offsets",
                                            "earliest",
                                            "--bounded",
                                            "true",
                                            "--lake",
                                            lake.toUri().toString(),
                                            "--checkpoint-interval",
                                            interval.toString())
                                    .toArray(new String[0]));
            env = LocalFlink.environment(parallelism, Parameters.path(p, "checkpoints"), interval);
        } else {
            options =
                    MetricsOptions.parse(
                            new String[] {"--source", "lake", "--lake", lake.toUri().toString()});
            env = LocalFlink.batchEnvironment(parallelism);
        }
        MetricsJob.configureEnvironment(env, options);
        MetricsJob.fromOptions(options).build(env);
        JobExecutionResult result = env.execute("bench " + name);
        Map<String, Object> counted = new LinkedHashMap<>();
        counted.put("job_s", result.getNetRuntime() / 1e3);
        return counted;
    }
}
