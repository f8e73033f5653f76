package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.UnreadableLakeFile;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.SmallFileLake;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A truncated file in an audit partition: every audit query that reaches the partition fails with
 * {@link UnreadableLakeFile} naming the file, instead of answering from the other files (a "latest
 * decision" or a history that silently misses the damaged file's rows would be a wrong answer to an
 * auditor). The old code failed too, but with Parquet's message, which names no file.
 */
class DecisionScanUnreadableFileTest {

    @TempDir static Path dir;

    private static LakeLayout lake;
    private static DecisionRecord someone;
    private static Path damaged;

    @BeforeAll
    static void writeALakeAndTruncateAFile() throws IOException {
        LocalDate day = LocalDate.now().minusDays(3);
        lake = LakeLayout.at(dir.resolve("lake").toUri().toString());
        SmallFileLake.write(lake, 120, List.of(day), 20, 0, 5);
        List<DecisionRecord> all = new ArrayList<>();
        org.apache.flink.core.fs.Path partition =
                LakeFiles.auditPartitions(lake, null, null, null).get(0);
        for (FileStatus f : LakeFiles.parquetFiles(partition)) {
            LakeFiles.forEachRecord(f, DecisionRecord.class, all::add);
        }
        someone = all.get(0);
        Path folder = Path.of(partition.toUri());
        try (Stream<Path> files = Files.list(folder)) {
            damaged =
                    files.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                            .sorted()
                            .reduce((a, b) -> b)
                            .orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(damaged);
        Files.write(damaged, Arrays.copyOf(bytes, bytes.length / 2));
    }

    @Test
    void theLatestDecisionQueryFailsNamingTheFile() {
        assertThatThrownBy(
                        () ->
                                DecisionScan.audit(lake)
                                        .latestAtOrBefore(
                                                someone.getTenantId(),
                                                Subject.user(someone.getUserId()),
                                                Instant.now(),
                                                new ScanStats()))
                .isInstanceOf(UnreadableLakeFile.class)
                .hasMessageContaining("unreadable lake file " + path())
                .hasMessageNotContaining(someone.getUserId());
    }

    @Test
    void theEventAndHistoryQueriesFailNamingTheFile() {
        assertThatThrownBy(
                        () ->
                                DecisionScan.audit(lake)
                                        .allByEventId(
                                                someone.getTenantId(),
                                                someone.getEventId(),
                                                10,
                                                new ScanStats()))
                .isInstanceOf(UnreadableLakeFile.class)
                .hasMessageContaining(path());
        assertThatThrownBy(
                        () ->
                                DecisionScan.audit(lake)
                                        .between(
                                                someone.getTenantId(),
                                                Subject.user(someone.getUserId()),
                                                Instant.EPOCH,
                                                Instant.now(),
                                                new ScanStats()))
                .isInstanceOf(UnreadableLakeFile.class)
                .hasMessageContaining(path());
        assertThat(Files.exists(damaged)).isTrue();
    }

    private static String path() {
        return new org.apache.flink.core.fs.Path(damaged.toUri()).toString();
    }
}
