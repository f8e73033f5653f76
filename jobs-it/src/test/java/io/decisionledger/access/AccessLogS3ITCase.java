package io.decisionledger.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.ExclusiveCreate;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.testing.S3FileSystems;
import io.decisionledger.testkit.LocalS3Store;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log's one-writer rule on a real S3-compatible store (s3proxy in its own JVM, through
 * Flink's flink-s3-fs-hadoop plugin): two writers that share no lock, as two audit API replicas or
 * the API and a CLI would, append concurrently; the conditional create of each seq's claim keeps
 * the chain whole.
 */
class AccessLogS3ITCase {

    @TempDir static Path work;

    private static LocalS3Store s3;

    private static final Caller OFFICER = Caller.cli("a.officer", AuditRole.COMPLIANCE_OFFICER);

    @BeforeAll
    static void startServices() throws Exception {
        Path stack = Path.of(System.getProperty("decisionledger.stack.dir"));
        s3 = LocalS3Store.start(stack, work.resolve("s3"));
        S3FileSystems.initialize(s3, stack);
    }

    @AfterAll
    static void stopServices() {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void aConditionalCreateOnS3SucceedsOnceAndKeepsTheFirstContent() throws Exception {
        Path bucket = s3.createBucket("claims");
        org.apache.flink.core.fs.Path claim =
                new org.apache.flink.core.fs.Path("s3://claims/log/_seq/1.json");

        boolean first = ExclusiveCreate.create(claim, "first".getBytes(StandardCharsets.UTF_8));
        boolean second = ExclusiveCreate.create(claim, "second".getBytes(StandardCharsets.UTF_8));

        assertThat(first).isTrue();
        assertThat(second).isFalse();
        assertThat(Files.readString(bucket.resolve("log/_seq/1.json"))).isEqualTo("first");
    }

    @Test
    void twoWritersWithoutASharedLockNeitherForkNorLoseEntries() throws Exception {
        // given one lake on S3 and two writers that share no lock (the lake spelled s3:// and
        // s3a://: two roots, two in-JVM locks, like two processes)
        Path bucket = s3.createBucket("ledger");
        AccessLog viaS3 = new AccessLog(LakeLayout.at("s3://ledger/lake"), Clock.systemUTC());
        AccessLog viaS3a = new AccessLog(LakeLayout.at("s3a://ledger/lake"), Clock.systemUTC());
        int perWriter = 12;

        // when both append concurrently
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<List<AccessLogEntry>>> futures = new ArrayList<>();
        for (AccessLog writer : List.of(viaS3, viaS3a)) {
            futures.add(
                    pool.submit(
                            () -> {
                                List<AccessLogEntry> written = new ArrayList<>();
                                for (int i = 0; i < perWriter; i++) {
                                    written.add(writer.record(access("evt-" + i)));
                                }
                                return written;
                            }));
        }
        List<AccessLogEntry> written = new ArrayList<>();
        for (Future<List<AccessLogEntry>> f : futures) {
            written.addAll(f.get());
        }
        pool.shutdown();

        // then each seq was written once, every append is present, and the chain verifies
        assertThat(written.stream().map(AccessLogEntry::getLogSeq).sorted().toList())
                .isEqualTo(
                        java.util.stream.LongStream.rangeClosed(1, 2L * perWriter)
                                .boxed()
                                .toList());
        AccessLog.Verification v = viaS3.verify();
        assertThat(v.problems()).isEmpty();
        assertThat(v.entries()).isEqualTo(2L * perWriter);
        assertThat(v.lastSeq()).isEqualTo(2L * perWriter);
        assertThat(
                        viaS3.entries(null, null, e -> true).stream()
                                .map(AccessLogEntry::getAccessId)
                                .toList())
                .containsExactlyInAnyOrderElementsOf(
                        written.stream().map(AccessLogEntry::getAccessId).toList());
        try (Stream<Path> files = Files.walk(bucket.resolve("lake/access-log"))) {
            assertThat(
                            files.map(p -> p.getFileName().toString())
                                    .filter(n -> n.endsWith(".parquet") && !n.startsWith(".")))
                    .hasSize(2 * perWriter);
        }
    }

    private static AccessLog.Access access(String eventId) {
        return new AccessLog.Access(
                OFFICER,
                AccessLog.Action.EVENT,
                "complaint C-1",
                AccessLog.DATASET_DECISIONS,
                "bank_456",
                List.of(eventId),
                Map.of("tenant", "bank_456", "event_id", eventId));
    }
}
