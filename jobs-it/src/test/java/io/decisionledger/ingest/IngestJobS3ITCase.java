package io.decisionledger.ingest;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.S3FileSystems;
import io.decisionledger.testkit.LocalS3Store;
import io.decisionledger.testkit.SampleDecisions;
import io.decisionledger.verify.VerifyJob;
import io.decisionledger.verify.VerifyReport;
import io.decisionledger.verify.VerifyRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The lake on a real S3-compatible store (s3proxy in its own JVM) through Flink's
 * flink-s3-fs-hadoop plugin and its recoverable multipart writer, read back by DuckDB from the
 * store's backing folder. The ingest pipeline with its production sinks is fed from memory ({@link
 * IngestRun#ingestInMemory}): the store is the subject here, the Kafka source is {@link
 * IngestExactlyOnceITCase}'s.
 */
class IngestJobS3ITCase {

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
    void writesTheLakeToS3ExactlyOnce() throws Exception {
        // given a bucket and a topic with valid, malformed and re-sent events
        Path bucket = s3.createBucket("ledger");
        SampleDecisions.Sample sample = SampleDecisions.generate(11, 500, 22, 10, Instant.now());

        // when the job writes its lake to s3://ledger/lake
        IngestRun.ingestInMemory(sample.events(), "decisions", "s3://ledger/lake");

        // then the objects are in the bucket, in the same layout, with exact counts
        Path lake = bucket.resolve("lake");
        assertThat(count("SELECT count(*) FROM " + table(lake.resolve("audit/decisions"))))
                .isEqualTo(500);
        assertThat(
                        count(
                                "SELECT count(DISTINCT event_id) FROM "
                                        + table(lake.resolve("audit/decisions"))))
                .isEqualTo(500);
        assertThat(count("SELECT count(*) FROM " + table(lake.resolve("quarantine"))))
                .isEqualTo(32);
        for (String tenant : sample.acceptedPerTenant().keySet()) {
            assertThat(
                            count(
                                    "SELECT count(*) FROM "
                                            + table(lake.resolve("audit/decisions"))
                                            + " WHERE tenant_id = '"
                                            + tenant
                                            + "'"))
                    .isEqualTo(sample.acceptedPerTenant().get(tenant));
        }
        try (Stream<Path> objects = Files.walk(lake.resolve("audit/decisions"))) {
            assertThat(objects.filter(Files::isRegularFile).map(p -> p.getFileName().toString()))
                    .isNotEmpty()
                    .allMatch(name -> name.startsWith("part-") && name.endsWith(".parquet"));
        }

        // and VerifyJob checks the chains on s3:// as it does on local files
        StreamExecutionEnvironment verifyEnv = StreamExecutionEnvironment.getExecutionEnvironment();
        verifyEnv.setParallelism(2);
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        VerifyReport report =
                new VerifyRunner(
                                new VerifyJob.Options(
                                        LakeLayout.at("s3://ledger/lake"),
                                        null,
                                        work.resolve("r.json")))
                        .run(
                                verifyEnv,
                                new java.io.PrintStream(
                                        log, true, java.nio.charset.StandardCharsets.UTF_8));
        assertThat(report.clean())
                .as(log.toString(java.nio.charset.StandardCharsets.UTF_8))
                .isTrue();
        assertThat(report.records()).isEqualTo(500);
    }
}
