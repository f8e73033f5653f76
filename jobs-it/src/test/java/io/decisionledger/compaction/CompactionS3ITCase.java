package io.decisionledger.compaction;

import static io.decisionledger.compaction.CompactedLake.compact;
import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.S3FileSystems;
import io.decisionledger.testing.SmallFileLake;
import io.decisionledger.testkit.LocalS3Store;
import io.decisionledger.verify.VerifyReport;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Compaction and retention on a real S3-compatible store (s3proxy in its own JVM) through Flink's
 * s3:// file system: renames are copies there, folders do not exist, and the archive is another
 * bucket. DuckDB reads the buckets' files back.
 */
class CompactionS3ITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final LocalDate AS_OF = LocalDate.of(2026, 3, 20);

    @TempDir static Path work;

    private static LocalS3Store s3;

    @BeforeAll
    static void startS3() throws Exception {
        Path stack = Path.of(System.getProperty("decisionledger.stack.dir"));
        s3 = LocalS3Store.start(stack, work.resolve("s3"));
        S3FileSystems.initialize(s3, stack);
    }

    @AfterAll
    static void stopS3() {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void compactsAndDeletesPastRetentionOnS3IntoAnArchiveBucket() throws Exception {
        // given a small-file lake in s3://ledger/lake, one date past seven years
        Path bucket = s3.createBucket("ledger");
        Path archiveBucket = s3.createBucket("archive");
        LakeLayout lake = LakeLayout.at("s3://ledger/lake");
        SmallFileLake.write(
                lake, 300, List.of(LocalDate.of(2018, 5, 10), AS_OF.minusDays(4)), 50, 0, 3);
        Path audit = bucket.resolve("lake/audit/decisions");
        long expired =
                count("SELECT count(*) FROM " + table(audit) + " WHERE event_date < '2019-03-20'");
        long kept = count("SELECT count(*) FROM " + table(audit)) - expired;
        assertThat(expired).isPositive();
        assertThat(kept).isPositive();

        // when compaction with retention runs on it
        CompactionReport report =
                compact(
                        CompactionOptions.parse(
                                new String[] {
                                    "--lake",
                                    lake.root(),
                                    "--as-of",
                                    AS_OF.toString(),
                                    "--run-id",
                                    "s3run",
                                    "--archive",
                                    "s3://archive/ledger",
                                    "--no-legal-holds"
                                }));

        // then the expired rows are gone, summarised and archived; the rest is one file a day
        assertThat(count("SELECT count(*) FROM " + table(audit))).isEqualTo(kept);
        assertThat(report.deletedRows()).isEqualTo(2 * expired);
        assertThat(
                        count(
                                "SELECT CAST(sum(records) AS BIGINT) FROM read_parquet('"
                                        + bucket.resolve("lake/summaries/decisions")
                                        + "/**/*.parquet', hive_partitioning=false)"))
                .isEqualTo(expired);
        assertThat(
                        count(
                                "SELECT count(*) FROM "
                                        + table(archiveBucket.resolve("ledger/audit/decisions"))))
                .isEqualTo(expired);
        Map<String, List<String>> files = CompactedLake.filesByPartition(audit);
        assertThat(files).isNotEmpty();
        files.values()
                .forEach(names -> assertThat(names).containsExactly("compacted-s3run-0.parquet"));
        assertThat(CompactedLake.allFiles(bucket.resolve("lake/_staging")))
                .noneMatch(f -> f.endsWith(".parquet") || f.endsWith(".json"));

        // and the chains verify across the deleted stretch, read through s3://
        VerifyReport verify = CompactedLake.verify(lake, work.resolve("verify.json"));
        assertThat(verify.violations()).isEmpty();
        assertThat(verify.deletedByRetention()).isEqualTo(expired);
    }
}
