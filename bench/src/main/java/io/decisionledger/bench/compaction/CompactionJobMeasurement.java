package io.decisionledger.bench.compaction;

import io.decisionledger.bench.Measurement;
import io.decisionledger.bench.MeasurementMain;
import io.decisionledger.bench.Parameters;
import io.decisionledger.bench.ingest.LocalFlink;
import io.decisionledger.compaction.CompactionJob;
import io.decisionledger.compaction.CompactionOptions;
import io.decisionledger.compaction.CompactionReport;
import io.decisionledger.compaction.CompactionRunner;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The candidate: the real {@link CompactionJob}, configured only through its command-line options
 * ({@code --lake … --datasets audit --min-age P1D --run-id bench --no-legal-holds}, everything else
 * at its defaults: ZSTD, 128 MiB row groups, 256 MiB files, bloom filters, verification row by row
 * before the swap), run on a local batch cluster with one slot per parallel subtask.
 */
public final class CompactionJobMeasurement implements Measurement {

    public static final String NAME = "compaction-job";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        return compact(p, Parameters.path(p, "lake"));
    }

    /** Compacts its own copy of the lake on the JVM's session cluster, which it starts. */
    @Override
    public void warmUp(Map<String, String> p, int round) throws Exception {
        compact(p, CompactionScenario.warmUpLake(p, round));
    }

    private static Map<String, Object> compact(Map<String, String> p, Path lake) throws Exception {
        int parallelism = Parameters.integer(p, "parallelism");
        CompactionOptions options =
                CompactionOptions.parse(
                        new String[] {
                            "--lake", lake.toUri().toString(),
                            "--datasets", "audit",
                            "--min-age", "P1D",
                            "--run-id", "bench",
                            "--no-legal-holds"
                        });
        CompactionReport report =
                new CompactionRunner(options)
                        .run(
                                // warm: the session cluster the warm-ups ran on, as a nightly run
                                // finds a long-lived Flink cluster; cold: a fresh one
                                MeasurementMain.warmUps(p) > 0
                                        ? LocalFlink.sessionBatchEnvironment(parallelism)
                                        : LocalFlink.batchEnvironment(parallelism),
                                System.out);
        System.out.println(report.summary());
        Map<String, Object> counted = new LinkedHashMap<>();
        counted.put("partitions", report.partitions());
        counted.put("rows_compacted", report.rows());
        counted.put("files_before", report.filesBefore());
        counted.put("files_after", report.filesAfter());
        counted.put("bytes_after", report.bytesAfter());
        return counted;
    }
}
