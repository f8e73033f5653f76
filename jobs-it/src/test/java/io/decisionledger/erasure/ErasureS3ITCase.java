package io.decisionledger.erasure;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.rights.ErasureReceipt;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.S3FileSystems;
import io.decisionledger.testkit.LocalS3Store;
import io.decisionledger.testkit.SampleDecisions;
import io.decisionledger.verify.VerifyReport;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The erasure proof on a real S3-compatible store (s3proxy in its own JVM, through Flink's S3 file
 * system): the ingest pipeline with its production sinks writes the lake to {@code s3://}, the
 * erasure job rewrites the subject's objects there (publish is an S3 copy), and the auditor's
 * search of the bucket's objects and VerifyJob on {@code s3://} find what they find on local files.
 */
class ErasureS3ITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    private static LocalS3Store s3;

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
    void erasesTheSubjectFromTheBucketAndTheChainsStillVerify() throws Exception {
        // given a lake on s3:// holding the subject's decisions and refused input
        Path bucket = s3.createBucket("ledger");
        String tenant = SampleDecisions.TENANTS.get(1);
        List<SampleDecisions.Event> events =
                new ArrayList<>(SampleDecisions.generate(23, 200, 6, 0, Instant.now()).events());
        events.addAll(ErasureSubject.events(tenant, 4));
        String lakeUri = "s3://ledger/lake";
        IngestRun.ingestInMemory(events, "decisions", lakeUri);
        Path lake = bucket.resolve("lake");
        Map<String, String> values = ErasureSubject.values();
        assertThat(LakeSearch.find(lake, values, List.of())).isNotEmpty();
        List<String> ids =
                io.decisionledger.testing.DuckDbLake.query(
                                "SELECT event_id FROM "
                                        + io.decisionledger.testing.DuckDbLake.table(
                                                lake.resolve("audit/decisions"))
                                        + " WHERE user_id = '"
                                        + ErasureSubject.USER
                                        + "' ORDER BY event_id")
                        .stream()
                        .map(r -> (String) r.get("event_id"))
                        .toList();
        assertThat(ids).hasSize(4);
        // and compliance officers read the subject's records (logged in access-log/)
        io.decisionledger.access.AccessLog accessLog =
                ErasureSubject.readTheSubject(lakeUri, tenant, ids);
        assertThat(LakeSearch.find(lake, values, List.of()))
                .anyMatch(hit -> hit.startsWith("access-log/") && hit.endsWith(": user id"));
        String plan =
                lakeUri
                        + "/rights/plans/tenant_id="
                        + tenant
                        + "/request_id="
                        + ErasureSubject.REQUEST
                        + "/plan-1.json";
        org.apache.flink.core.fs.Path planPath = new org.apache.flink.core.fs.Path(plan);
        try (FSDataOutputStream out =
                planPath.getFileSystem().create(planPath, FileSystem.WriteMode.NO_OVERWRITE)) {
            out.write(
                    new ErasurePlan(
                                    ErasureSubject.REQUEST,
                                    1,
                                    tenant,
                                    ErasurePlan.SubjectType.USER,
                                    ErasureSubject.USER,
                                    ids,
                                    "2026-12-05T06:00:00Z",
                                    "rights-evaluation")
                            .toJson());
        }

        // when the erasure job executes it on s3://
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        ErasureRunner.Report report = ErasureSubject.erase(lakeUri, plan, log);

        // then the receipt accounts for the records, and no object holds a value of the subject
        ErasureReceipt receipt = report.receipt();
        assertThat(receipt.recordsErased()).isEqualTo(4);
        assertThat(report.receiptPath()).startsWith("s3://ledger/lake/rights/receipts/");
        assertThat(receipt.files()).isNotEmpty();
        assertThat(LakeSearch.find(lake, values, List.of("rights/plans/"))).isEmpty();
        values.values()
                .forEach(v -> assertThat(log.toString(StandardCharsets.UTF_8)).doesNotContain(v));
        // and VerifyJob on s3:// is clean, counting the erased records under the request
        VerifyReport verified = ErasureSubject.verify(lakeUri, work.resolve("verify.json"), log);
        assertThat(verified.clean()).as(log.toString(StandardCharsets.UTF_8)).isTrue();
        assertThat(verified.records()).isEqualTo(204);
        assertThat(verified.erasedByRequest()).isEqualTo(Map.of(ErasureSubject.REQUEST, 4L));
        // and the access-log chain on s3:// verifies, the two entries about the subject erased
        io.decisionledger.access.AccessLog.Verification accessChain = accessLog.verify();
        assertThat(accessChain.problems()).isEmpty();
        assertThat(accessChain.erasedByRequest()).isEqualTo(Map.of(ErasureSubject.REQUEST, 2L));
        assertThat(receipt.files().stream().filter(f -> f.dataset().equals("access-log")))
                .hasSize(2);
    }
}
