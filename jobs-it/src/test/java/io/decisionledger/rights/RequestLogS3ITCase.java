package io.decisionledger.rights;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rights.ErasurePlan.SubjectType;
import io.decisionledger.rights.RequestEntry.Kind;
import io.decisionledger.rights.RequestEntry.State;
import io.decisionledger.testing.S3FileSystems;
import io.decisionledger.testkit.LocalS3Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The data-subject request log on a real S3-compatible store (s3proxy in its own JVM, through
 * flink-s3-fs-hadoop): two writers sharing no lock append concurrently and the conditional create
 * of each entry keeps the tenant's chain whole; an entry altered in the bucket is detected.
 */
class RequestLogS3ITCase {

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
    void twoWritersOnS3NeitherForkNorLoseEntriesAndTamperingIsDetected() throws Exception {
        // given one lake on S3 and two writers that share no lock (s3:// and s3a://: two roots)
        Path bucket = s3.createBucket("rights");
        RequestLog viaS3 = new RequestLog(LakeLayout.at("s3://rights/lake"), Clock.systemUTC());
        RequestLog viaS3a = new RequestLog(LakeLayout.at("s3a://rights/lake"), Clock.systemUTC());
        int perWriter = 8;

        // when both log requests concurrently
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<List<RequestEntry>>> futures = new ArrayList<>();
        for (int w = 0; w < 2; w++) {
            RequestLog writer = w == 0 ? viaS3 : viaS3a;
            String prefix = "DSR-W" + w + "-";
            futures.add(
                    pool.submit(
                            () -> {
                                List<RequestEntry> written = new ArrayList<>();
                                for (int i = 0; i < perWriter; i++) {
                                    written.add(
                                            writer.receive(
                                                    OFFICER,
                                                    "bank_456",
                                                    prefix + i,
                                                    Kind.ERASURE,
                                                    SubjectType.USER,
                                                    "user-" + i,
                                                    LocalDate.of(2026, 12, 1),
                                                    "ticket " + i));
                                }
                                return written;
                            }));
        }
        List<RequestEntry> written = new ArrayList<>();
        for (Future<List<RequestEntry>> f : futures) {
            written.addAll(f.get());
        }
        pool.shutdown();
        viaS3.transition(
                OFFICER,
                "bank_456",
                "DSR-W0-0",
                State.REFUSED,
                new RequestLog.Change(null, null, "identity not confirmed", null, false));

        // then every seq was written once, in one chain
        assertThat(written.stream().map(RequestEntry::seq).sorted().toList())
                .isEqualTo(LongStream.rangeClosed(1, 2L * perWriter).boxed().toList());
        RequestLog.Verification v = viaS3.verify(OFFICER, "bank_456");
        assertThat(v.problems()).isEmpty();
        assertThat(v.entries()).isEqualTo(2L * perWriter + 1);
        assertThat(viaS3a.history(OFFICER, "bank_456", "DSR-W0-0"))
                .extracting(RequestEntry::state)
                .containsExactly(State.RECEIVED, State.REFUSED);

        // and an entry altered in the bucket is detected
        Path fifth =
                bucket.resolve(
                        "lake/rights/requests/tenant_id=bank_456/entry-00000000000000000005.json");
        Files.writeString(fifth, Files.readString(fifth).replace("\"ticket ", "\"TICKET "));
        assertThat(viaS3.verify(OFFICER, "bank_456").problems())
                .singleElement()
                .asString()
                .startsWith("seq 5 (request DSR-W")
                .endsWith("hash does not recompute (entry altered)");
    }
}
