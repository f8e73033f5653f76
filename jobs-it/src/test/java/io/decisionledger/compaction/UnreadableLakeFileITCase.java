package io.decisionledger.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.metrics.MetricsJob;
import io.decisionledger.metrics.MetricsOptions;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.SmallFileLake;
import io.decisionledger.verify.VerifyReport;
import io.decisionledger.verify.Violation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A truncated Parquet file in the lake, in front of each job that reads it: VerifyJob carries on
 * and reports it by path as an UNREADABLE_FILE violation (exit code 1), with the records of every
 * other file verified; the metrics rebuild and compaction (audit and ops partitions) fail naming
 * the file, and compaction leaves the partition as it was. No reader leaves the file's rows out
 * silently.
 */
class UnreadableLakeFileITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final LocalDate AS_OF = LocalDate.of(2026, 3, 20);
    private static final List<LocalDate> DATES = List.of(AS_OF.minusDays(5), AS_OF.minusDays(4));

    @TempDir static Path shared;
    private static Path pristine;
    private static SmallFileLake.Written written;

    @TempDir Path work;
    private Path lakeDir;
    private LakeLayout lake;

    @BeforeAll
    static void writeALake() {
        pristine = shared.resolve("pristine");
        written =
                SmallFileLake.write(
                        LakeLayout.at(pristine.toUri().toString()), 300, DATES, 40, 0, 11);
    }

    @BeforeEach
    void copyTheLake() {
        lakeDir = work.resolve("lake");
        lake = LakeLayout.at(lakeDir.toUri().toString());
        CompactedLake.copy(pristine, lakeDir);
    }

    @Test
    void verifyReportsTheTruncatedFileByPathAndVerifiesEveryOtherFile() throws Exception {
        Path damaged = firstFile("audit/decisions");
        long rowsInIt = rows(damaged);
        truncate(damaged);

        VerifyReport report = CompactedLake.verify(lake, work.resolve("verify.json"));

        List<Violation> unreadable =
                report.violations().stream().filter(v -> v.kind.equals("UNREADABLE_FILE")).toList();
        assertThat(unreadable).hasSize(1);
        assertThat(unreadable.get(0).file).isEqualTo(flinkPath(damaged));
        assertThat(unreadable.get(0).detail)
                .contains("unreadable lake file " + flinkPath(damaged))
                .contains("not a Parquet file or truncated")
                .contains("0 record(s) before the damage");
        assertThat(report.violationsByKind()).containsEntry("UNREADABLE_FILE", 1L);
        // the rest of the lake was read and re-hashed; the file's records show up as missing
        assertThat(report.records()).isEqualTo(written.decisions() - rowsInIt);
        assertThat(report.violationsByKind()).containsKey("SEQ_GAP");
        assertThat(report.clean()).isFalse(); // exit code 1
        assertThat(report.summary()).contains("UNREADABLE_FILE");
    }

    @Test
    void theMetricsRebuildFailsNamingTheTruncatedFile() throws Exception {
        Path damaged = firstFile("audit/decisions");
        truncate(damaged);
        MetricsOptions rebuild =
                MetricsOptions.parse(new String[] {"--source", "lake", "--lake", lake.root()});
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        MetricsJob.configureEnvironment(env, rebuild);
        MetricsJob.fromOptions(rebuild).build(env);

        Throwable failure = catchThrowable(() -> env.execute("metrics-rebuild-unreadable"));

        assertThat(failure).isNotNull();
        assertThat(messages(failure)).contains("unreadable lake file " + flinkPath(damaged));
    }

    @ParameterizedTest
    @ValueSource(strings = {"audit/decisions", "ops/decisions"})
    void compactionFailsNamingTheTruncatedFileAndLeavesThePartitionAsItWas(String dataset)
            throws Exception {
        Path damaged = firstFile(dataset);
        truncate(damaged);
        Map<String, List<String>> before = CompactedLake.filesByPartition(lakeDir.resolve(dataset));

        Throwable failure =
                catchThrowable(
                        () ->
                                CompactedLake.compact(
                                        CompactionOptions.parse(
                                                new String[] {
                                                    "--lake",
                                                    lake.root(),
                                                    "--as-of",
                                                    AS_OF.toString(),
                                                    "--run-id",
                                                    "unreadable",
                                                    "--datasets",
                                                    dataset.substring(0, dataset.indexOf('/')),
                                                    "--retention",
                                                    "false",
                                                    "--no-legal-holds"
                                                })));

        assertThat(failure).isNotNull();
        assertThat(messages(failure)).contains("unreadable lake file " + flinkPath(damaged));
        // the damaged partition was not swapped: every source file is still there
        String partition = lakeDir.resolve(dataset).relativize(damaged.getParent()).toString();
        assertThat(CompactedLake.filesByPartition(lakeDir.resolve(dataset)).get(partition))
                .isEqualTo(before.get(partition));
        assertThat(Files.exists(damaged)).isTrue();
    }

    // ---------------------------------------------------------------------------------------

    /** The first committed file of the dataset's first partition. */
    private Path firstFile(String dataset) {
        Map<String, List<String>> files = CompactedLake.filesByPartition(lakeDir.resolve(dataset));
        Map.Entry<String, List<String>> first = files.entrySet().iterator().next();
        return lakeDir.resolve(dataset).resolve(first.getKey()).resolve(first.getValue().get(0));
    }

    private static long rows(Path file) throws IOException {
        org.apache.flink.core.fs.Path p = new org.apache.flink.core.fs.Path(file.toUri());
        FileStatus status = p.getFileSystem().getFileStatus(p);
        return LakeFiles.rowCount(status);
    }

    /** Cut the file in half, as an interrupted copy or a full disk leaves it. */
    private static void truncate(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length / 2));
    }

    private static String flinkPath(Path file) {
        return new org.apache.flink.core.fs.Path(file.toUri()).toString();
    }

    private static String messages(Throwable t) {
        StringBuilder all = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause()) {
            all.append(c.getMessage()).append('\n');
        }
        return all.toString();
    }
}
