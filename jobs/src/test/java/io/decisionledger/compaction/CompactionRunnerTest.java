package io.decisionledger.compaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.SmallFileLake;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The client side of a compaction run where no Flink job runs: a dry run lists the partitions it
 * would merge and those past retention (naming tenant holds by id, never a held user or case) and
 * changes nothing; policy and hold files are checked before a run (a bad one is a bad option, exit
 * code 2), naming no data subject.
 */
class CompactionRunnerTest {

    private static final LocalDate AS_OF = LocalDate.of(2026, 3, 20);

    @TempDir Path work;

    @Test
    void aDryRunReportsThePlanAndChangesNothing() throws Exception {
        // given a lake of small files: three closed dates and yesterday, still open
        List<LocalDate> dates =
                List.of(
                        AS_OF.minusDays(5),
                        AS_OF.minusDays(4),
                        AS_OF.minusDays(3),
                        AS_OF.minusDays(1));
        LakeLayout lake = lake();
        SmallFileLake.write(lake, 300, dates, 40, 15, 7);
        List<String> everything = CompactedLake.allFiles(work.resolve("lake"));

        // when a dry run plans
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompactionReport report =
                new CompactionRunner(
                                CompactionOptions.parse(
                                        new String[] {
                                            "--lake",
                                            lake.root(),
                                            "--as-of",
                                            AS_OF.toString(),
                                            "--run-id",
                                            "dry",
                                            "--dry-run",
                                            "true",
                                            "--no-legal-holds"
                                        }))
                        .run(StreamExecutionEnvironment.getExecutionEnvironment(), print(out));

        // then it lists every closed partition of every dataset, and nothing changed
        assertThat(CompactedLake.allFiles(work.resolve("lake"))).isEqualTo(everything);
        long closedPartitions =
                List.of("audit/decisions", "ops/decisions", "quarantine").stream()
                        .flatMap(
                                d ->
                                        CompactedLake.filesByPartition(work.resolve("lake/" + d))
                                                .keySet()
                                                .stream())
                        .filter(CompactionRunnerTest::isClosed)
                        .count();
        assertThat(closedPartitions).isGreaterThan(9);
        assertThat(report.partitions()).isEqualTo((int) closedPartitions);
        assertThat(report.summary()).startsWith("DRY RUN dry: " + closedPartitions + " partitions");
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("would merge audit tenant_id=bank_456/event_date=" + dates.get(0));
    }

    @Test
    void aDryRunListsThePartitionsPastRetentionAndDeletesNothing() throws Exception {
        // given a lake spanning eight years, a 25-month tenant, and holds on a user, a case and
        // a whole tenant
        LakeLayout lake = lake();
        SmallFileLake.write(
                lake,
                300,
                List.of(LocalDate.of(2018, 5, 10), LocalDate.of(2024, 1, 15), AS_OF.minusDays(5)),
                50,
                15,
                11);
        String heldUser = firstExpired("bank_456", "2018-05-10").getUserId();
        String heldCase = firstExpired("credit_union_12", "2018-05-10").getCaseId();
        List<String> everything = CompactedLake.allFiles(work.resolve("lake"));

        // when a dry run plans with retention
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompactionReport report =
                new CompactionRunner(retentionOptions(lake, heldUser, heldCase))
                        .run(StreamExecutionEnvironment.getExecutionEnvironment(), print(out));

        // then it says what would go, and which tenant hold keeps what, by hold id only
        String printed = out.toString(StandardCharsets.UTF_8);
        assertThat(CompactedLake.allFiles(work.resolve("lake"))).isEqualTo(everything);
        assertThat(printed)
                .contains(
                        "would delete tenant_id=bank_456/event_date=2018-05-10 past retention (P7Y)")
                .contains("would delete tenant_id=credit_union_12/event_date=2024-01-15")
                .contains("tenant insurer_789 is under legal hold LH-3")
                .doesNotContain(heldUser)
                .doesNotContain(heldCase);
        assertThat(report.retentionPartitions()).isPositive();
    }

    @Test
    void refusesAPolicyBelowSixMonthsAndAHoldWithoutAReason() throws Exception {
        LakeLayout lake = lake();
        Path policy = work.resolve("retention-policy.json");
        Path holds = work.resolve("legal-holds.json");
        String[] args = {
            "--lake", lake.root(),
            "--as-of", AS_OF.toString(),
            "--run-id", "bad",
            "--retention-policy", policy.toString(),
            "--legal-holds", holds.toString()
        };
        Files.writeString(holds, "{\"holds\": []}");
        Files.writeString(policy, "{\"version\": \"v\", \"default\": \"P7D\"}");
        assertThatThrownBy(() -> CompactionOptions.parse(args).validateFiles())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("$.default is P7D, below the minimum of P6M");
        Files.writeString(policy, "{\"version\": \"v\", \"default\": \"P7Y\"}");
        Files.writeString(
                holds,
                "{\"holds\": [{\"id\": \"LH-9\", \"tenant_id\": \"bank_456\", \"user_id\":"
                        + " \"user_4242\", \"placed_by\": \"x\"}]}");
        assertThatThrownBy(() -> CompactionOptions.parse(args).validateFiles())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("$.holds[0].reason is required")
                .message()
                .doesNotContain("user_4242");
    }

    @Test
    void aRunPrintsProgressAtItsIntervalAndTheFinalCountsAtTheEnd() throws Exception {
        // given a lake of small files over three closed dates
        LakeLayout lake = lake();
        SmallFileLake.write(
                lake,
                300,
                List.of(AS_OF.minusDays(5), AS_OF.minusDays(4), AS_OF.minusDays(3)),
                40,
                15,
                7);

        // when it is compacted with a progress line every 50 ms
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        CompactionReport report =
                new CompactionRunner(
                                CompactionOptions.parse(
                                        new String[] {
                                            "--lake",
                                            lake.root(),
                                            "--as-of",
                                            AS_OF.toString(),
                                            "--run-id",
                                            "progress",
                                            "--no-legal-holds"
                                        }))
                        .progressEvery(java.time.Duration.ofMillis(50))
                        .run(CompactedLake.environment(), print(out));

        // then progress lines name the partitions of the total, bytes and rows read at the
        // interval while the job runs, and the last one has the final counts: every partition,
        // every source byte, every row
        List<String> progress =
                out.toString(StandardCharsets.UTF_8)
                        .lines()
                        .filter(l -> l.startsWith("  ... ") && l.contains(" partitions done "))
                        .toList();
        assertThat(report.partitions()).isGreaterThan(9);
        assertThat(progress).hasSizeGreaterThan(1);
        String total = String.format("%.1f MB", report.bytesBefore() / 1e6);
        assertThat(progress)
                .allSatisfy(
                        l ->
                                assertThat(l)
                                        .contains(" of " + report.partitions() + " partitions done")
                                        .contains(" of " + total + ")"));
        assertThat(progress.get(progress.size() - 1))
                .startsWith(
                        String.format(
                                "  ... %d of %d partitions done (%s of %s), %,d rows read (",
                                report.partitions(),
                                report.partitions(),
                                total.replace(" MB", ""),
                                total,
                                report.rows()));
    }

    // ------------------------------------------------------------------------------ helpers

    private LakeLayout lake() {
        return LakeLayout.at(work.resolve("lake").toUri().toString());
    }

    private CompactionOptions retentionOptions(LakeLayout lake, String heldUser, String heldCase)
            throws IOException {
        Path policy = work.resolve("retention-policy.json");
        Files.writeString(
                policy,
                "{\"version\": \"test-1\", \"default\": \"P7Y\","
                        + " \"tenants\": {\"credit_union_12\": \"P25M\"}}");
        Path holds = work.resolve("legal-holds.json");
        Files.writeString(
                holds,
                "{\"holds\": ["
                        + "{\"id\": \"LH-1\", \"tenant_id\": \"bank_456\", \"user_id\": \""
                        + heldUser
                        + "\", \"reason\": \"applicant appeal\", \"placed_by\": \"legal@bank\"},"
                        + "{\"id\": \"LH-2\", \"tenant_id\": \"credit_union_12\", \"case_id\": \""
                        + heldCase
                        + "\", \"reason\": \"regulator inquiry\", \"placed_by\": \"cco@cu\"},"
                        + "{\"id\": \"LH-3\", \"tenant_id\": \"insurer_789\","
                        + " \"reason\": \"class action\", \"placed_by\": \"gc@insurer\"}]}");
        return CompactionOptions.parse(
                new String[] {
                    "--lake", lake.root(),
                    "--as-of", AS_OF.toString(),
                    "--run-id", "dry",
                    "--dry-run", "true",
                    "--retention-policy", policy.toString(),
                    "--legal-holds", holds.toString()
                });
    }

    /** The tenant's decision with the smallest event id on an expired date. */
    private DecisionRecord firstExpired(String tenant, String date) throws IOException {
        List<DecisionRecord> rows = new ArrayList<>();
        for (FileStatus f :
                LakeFiles.parquetFiles(
                        lake().resolve(
                                        "audit/decisions/tenant_id="
                                                + tenant
                                                + "/event_date="
                                                + date))) {
            LakeFiles.forEachRecord(f, DecisionRecord.class, rows::add);
        }
        return rows.stream().min(Comparator.comparing(DecisionRecord::getEventId)).orElseThrow();
    }

    private static boolean isClosed(String partition) {
        String date = partition.substring(partition.lastIndexOf('=') + 1);
        return LocalDate.parse(date).isBefore(AS_OF.minusDays(1));
    }

    private static PrintStream print(ByteArrayOutputStream out) {
        return new PrintStream(out, true, StandardCharsets.UTF_8);
    }
}
