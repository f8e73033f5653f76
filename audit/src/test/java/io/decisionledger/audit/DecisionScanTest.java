package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.SmallFileLake;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DecisionScan} against a brute-force reading of the same small lake (written without Flink,
 * many small files over several dates): each lookup returns exactly what filtering every record
 * would, and reads only the partitions it must.
 */
class DecisionScanTest {

    @TempDir static Path dir;

    private static LakeLayout lake;
    private static List<DecisionRecord> all;
    private static final List<LocalDate> DATES =
            List.of(
                    LocalDate.now().minusDays(5),
                    LocalDate.now().minusDays(4),
                    LocalDate.now().minusDays(2));

    @BeforeAll
    static void writeALake() throws IOException {
        // Real parsed and chained decisions (SmallFileLake), re-filed so that each user has several
        // decisions over several dates, in several small files per partition as streaming leaves
        // them.
        LakeLayout scratch = LakeLayout.at(dir.resolve("scratch").toUri().toString());
        SmallFileLake.write(scratch, 300, DATES, 20, 0, 9);
        all = new ArrayList<>();
        for (org.apache.flink.core.fs.Path p :
                LakeFiles.auditPartitions(scratch, null, null, null)) {
            for (FileStatus f : LakeFiles.parquetFiles(p)) {
                LakeFiles.forEachRecord(f, DecisionRecord.class, all::add);
            }
        }
        assertThat(all).hasSize(300);
        for (int i = 0; i < all.size(); i++) {
            all.get(i).setUserId("user_" + (i % 7));
        }
        lake = LakeLayout.at(dir.resolve("lake").toUri().toString());
        Map<String, List<DecisionRecord>> byPartition =
                all.stream()
                        .collect(
                                Collectors.groupingBy(
                                        r ->
                                                "tenant_id="
                                                        + r.getTenantId()
                                                        + "/event_date="
                                                        + DecisionScan.utcDate(r.getEventTime())));
        for (Map.Entry<String, List<DecisionRecord>> e : byPartition.entrySet()) {
            List<DecisionRecord> rows = e.getValue();
            for (int from = 0, n = 0; from < rows.size(); from += 15, n++) {
                LakeFiles.writeParquet(
                        new org.apache.flink.core.fs.Path(
                                lake.auditDecisions(), e.getKey() + "/part-" + n + ".parquet"),
                        rows.subList(from, Math.min(rows.size(), from + 15)));
            }
        }
    }

    @Test
    void latestAtOrBeforeIsTheNewestMatchingRecordByEventThenIngestTimeThenId() throws IOException {
        DecisionRecord someone = busiestUser();
        List<DecisionRecord> theirs = about(someone);
        // a moment between two of their decisions, and one after all of them
        Instant between = theirs.get(theirs.size() / 2).getEventTime().plusNanos(1000);
        Instant afterAll = theirs.get(theirs.size() - 1).getEventTime().plus(1, ChronoUnit.DAYS);

        for (Instant at : List.of(between, afterAll)) {
            Optional<DecisionScan.Found<DecisionRecord>> found =
                    DecisionScan.audit(lake)
                            .latestAtOrBefore(
                                    someone.getTenantId(),
                                    Subject.user(someone.getUserId()),
                                    at,
                                    new ScanStats());

            DecisionRecord expected =
                    theirs.stream()
                            .filter(r -> !r.getEventTime().isAfter(at))
                            .max(ORDER)
                            .orElseThrow();
            assertThat(found).isPresent();
            assertThat(found.get().record().getEventId()).isEqualTo(expected.getEventId());
            assertThat(found.get().file())
                    .contains("tenant_id=" + someone.getTenantId())
                    .endsWith(".parquet");
        }
    }

    @Test
    void latestAtOrBeforeFindsNothingBeforeTheFirstDecisionAndStopsAtTheFirstHitPartition()
            throws IOException {
        DecisionRecord someone = busiestUser();
        Instant beforeAll = about(someone).get(0).getEventTime().minusNanos(1000);
        ScanStats stats = new ScanStats();

        assertThat(
                        DecisionScan.audit(lake)
                                .latestAtOrBefore(
                                        someone.getTenantId(),
                                        Subject.user(someone.getUserId()),
                                        beforeAll,
                                        stats))
                .isEmpty();

        ScanStats latest = new ScanStats();
        DecisionScan.audit(lake)
                .latestAtOrBefore(
                        someone.getTenantId(),
                        Subject.user(someone.getUserId()),
                        Instant.now(),
                        latest);
        LocalDate newest =
                about(someone).stream()
                        .map(r -> DecisionScan.utcDate(r.getEventTime()))
                        .max(Comparator.naturalOrder())
                        .orElseThrow();
        long newerPartitions = DATES.stream().filter(d -> d.isAfter(newest)).count();
        assertThat(latest.partitions()).isEqualTo((int) newerPartitions + 1);
    }

    @Test
    void betweenReturnsEveryRecordInTheHalfOpenRangeInOrder() throws IOException {
        DecisionRecord someone = busiestUser();
        List<DecisionRecord> theirs = about(someone);
        Instant from = theirs.get(1).getEventTime();
        Instant to = theirs.get(theirs.size() - 1).getEventTime(); // exclusive

        List<DecisionScan.Found<DecisionRecord>> found =
                DecisionScan.audit(lake)
                        .between(
                                someone.getTenantId(),
                                Subject.user(someone.getUserId()),
                                from,
                                to,
                                new ScanStats());

        assertThat(found)
                .extracting(f -> f.record().getEventId())
                .containsExactlyElementsOf(
                        theirs.stream()
                                .filter(
                                        r ->
                                                !r.getEventTime().isBefore(from)
                                                        && r.getEventTime().isBefore(to))
                                .sorted(ORDER)
                                .map(DecisionRecord::getEventId)
                                .toList());
        assertThat(found).hasSize(theirs.size() - 2);
    }

    @Test
    void byEventIdFindsTheOneRecordOrNothing() throws IOException {
        DecisionRecord record = all.get(123);
        ScanStats stats = new ScanStats();

        Optional<DecisionScan.Found<DecisionRecord>> found =
                DecisionScan.audit(lake)
                        .byEventId(record.getTenantId(), record.getEventId(), stats);

        assertThat(found)
                .map(f -> f.record().getContentSha256())
                .hasValue(record.getContentSha256());
        assertThat(stats.rowsMatched()).isEqualTo(1);
        assertThat(
                        DecisionScan.audit(lake)
                                .byEventId(record.getTenantId(), "no-such-event", new ScanStats()))
                .isEmpty();
    }

    @Test
    void listsATenantsPartitionsAndRefusesAnIdThatCouldLeaveTheLake() throws IOException {
        String tenant = all.get(0).getTenantId();
        List<LocalDate> expected =
                all.stream()
                        .filter(r -> r.getTenantId().equals(tenant))
                        .map(r -> DecisionScan.utcDate(r.getEventTime()))
                        .distinct()
                        .sorted()
                        .toList();

        assertThat(DecisionScan.audit(lake).partitions(tenant)).isEqualTo(expected);
        assertThat(DecisionScan.audit(lake).partitions("nobody")).isEmpty();
        assertThatThrownBy(() -> DecisionScan.audit(lake).partitions("../audit"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a valid tenant id");
        assertThatThrownBy(() -> DecisionScan.audit(lake).partitions(null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aWalkBackFurtherThanTheLookAheadFindsTheNewestPartitionWithAMatch() throws IOException {
        // given: ten daily partitions of one tenant; "walker" decided on days 1 and 6 only
        LakeLayout days = LakeLayout.at(dir.resolve("ten-days").toUri().toString());
        String tenant = all.get(0).getTenantId();
        LocalDate day0 = LocalDate.now().minusDays(20);
        for (int k = 0; k < 10; k++) {
            List<DecisionRecord> rows = new ArrayList<>();
            for (int j = 0; j < 3; j++) {
                DecisionRecord r = DecisionRecord.newBuilder(all.get(k * 3 + j)).build();
                r.setTenantId(tenant);
                r.setEventId("day-" + k + "-" + j);
                r.setUserId(j == 0 && (k == 1 || k == 6) ? "walker" : "other_" + k + "_" + j);
                r.setEventTime(noon(day0.plusDays(k)).plusSeconds(j));
                rows.add(r);
            }
            LakeFiles.writeParquet(
                    new org.apache.flink.core.fs.Path(
                            days.auditDecisions(),
                            "tenant_id="
                                    + tenant
                                    + "/event_date="
                                    + day0.plusDays(k)
                                    + "/p.parquet"),
                    rows);
        }
        DecisionScan<DecisionRecord> scan = DecisionScan.audit(days);

        // when / then: from day 9, four partitions back (9, 8, 7, 6)
        ScanStats fromDay9 = new ScanStats();
        assertThat(walker(scan, tenant, noon(day0.plusDays(9)), fromDay9)).contains("day-6-0");
        assertThat(fromDay9.partitions()).isEqualTo(4);
        // from day 5, five back (5 .. 1): further than the look-ahead
        ScanStats fromDay5 = new ScanStats();
        assertThat(walker(scan, tenant, noon(day0.plusDays(5)), fromDay5)).contains("day-1-0");
        assertThat(fromDay5.partitions()).isEqualTo(5);
        // before day 1 nothing, after reading every partition up to that day
        ScanStats beforeDay1 = new ScanStats();
        assertThat(walker(scan, tenant, noon(day0.plusDays(1)).minusSeconds(1), beforeDay1))
                .isEmpty();
        assertThat(beforeDay1.partitions()).isEqualTo(2);
        // and the same by event id, newest partition first
        assertThat(scan.byEventId(tenant, "day-1-0", new ScanStats()))
                .map(f -> f.record().getUserId())
                .contains("walker");
    }

    private static Optional<String> walker(
            DecisionScan<DecisionRecord> scan, String tenant, Instant at, ScanStats stats)
            throws IOException {
        return scan.latestAtOrBefore(tenant, Subject.user("walker"), at, stats)
                .map(f -> f.record().getEventId());
    }

    private static Instant noon(LocalDate d) {
        return d.atTime(12, 0).toInstant(java.time.ZoneOffset.UTC);
    }

    private static final Comparator<DecisionRecord> ORDER =
            Comparator.comparing(DecisionRecord::getEventTime)
                    .thenComparing(DecisionRecord::getIngestTime)
                    .thenComparing(DecisionRecord::getEventId);

    private static DecisionRecord busiestUser() {
        Map<String, List<DecisionRecord>> byUser =
                all.stream()
                        .collect(Collectors.groupingBy(r -> r.getTenantId() + "/" + r.getUserId()));
        List<DecisionRecord> most =
                byUser.values().stream().max(Comparator.comparingInt(List::size)).orElseThrow();
        assertThat(most.size()).as("a user with several decisions").isGreaterThanOrEqualTo(3);
        return most.get(0);
    }

    private static List<DecisionRecord> about(DecisionRecord someone) {
        return all.stream()
                .filter(r -> r.getTenantId().equals(someone.getTenantId()))
                .filter(r -> r.getUserId().equals(someone.getUserId()))
                .sorted(ORDER)
                .toList();
    }
}
