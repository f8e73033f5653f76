package io.decisionledger.cli;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static java.util.stream.Collectors.toSet;
import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.testkit.FlinkRestClient;
import io.decisionledger.testkit.LocalProcess;
import io.decisionledger.testkit.SampleDecisions;
import io.decisionledger.verify.VerifyJob;
import io.decisionledger.verify.VerifyReport;
import io.decisionledger.verify.VerifyRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault injection on the real components of a deployment, one local stack run (Kafka broker,
 * s3proxy, Flink standalone cluster, as {@code stack.sh} starts them) and one IngestJob with its
 * lake and checkpoints on {@code s3://}. Faults come one after the other while events are being
 * produced:
 *
 * <ol>
 *   <li>the Kafka broker is killed with SIGKILL and restarted on the same port and data folder;
 *   <li>s3proxy is killed while checkpoints (every 2 s) and the FileSink commits that follow them
 *       are under way, kept away for longer than two checkpoint intervals, and restarted on the
 *       same port and folder: the checkpoint fails, the job fails over and restores once the store
 *       is back;
 *   <li>the JobManager is killed with SIGKILL. The standalone stack runs without high availability
 *       (Flink 2.2 has no file-system HA services, only ZooKeeper and Kubernetes ones), so the job
 *       dies with it: a new JobManager is started on the same ports, the TaskManager re-registers,
 *       and the job is resubmitted from its latest retained checkpoint ({@code
 *       RETAIN_ON_CANCELLATION}, {@code --from-savepoint chk-N}), as an operator would.
 * </ol>
 *
 * <p>After each recovery: every Kafka record produced so far is in exactly one of audit or
 * quarantine (counted by distinct source partition and offset), no event id is stored twice, and at
 * the end {@link VerifyJob} finds the hash chains clean. Records in, accounted, duplicates and the
 * recovery time of each fault are printed (no timed assertions).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ComponentFaultsITCase {

    private static final Path STACK_DIR =
            Path.of(System.getProperty("decisionledger.stack.dir", "../deploy/local"))
                    .toAbsolutePath()
                    .normalize();
    private static final Duration TIMEOUT = Duration.ofMinutes(4);
    private static final String GROUP = "faults-ingest";

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path work;

    private static Properties endpoints;
    private static FlinkRestClient rest;

    /**
     * What the ingest test left in the lake, for the retention and compaction tests after it: the
     * records still in audit or quarantine (retention takes out what it deletes).
     */
    private static final List<SampleDecisions.Event> producedAll = new ArrayList<>();

    /**
     * Decisions dated well over a year ago, produced alongside each ingest phase in slow slices (so
     * their partitions hold many small files, as a year-old landing lake that was never compacted
     * would): what the retention test deletes under a one-year policy.
     */
    private static final Instant LONG_AGO = Instant.now().minus(Duration.ofDays(420));

    private static final List<SampleDecisions.Event> oldAll = new ArrayList<>();

    private static final List<SampleDecisions.Event> validAll = new ArrayList<>();
    private static long quarantinedAll;
    private static final List<String> figures = new ArrayList<>();

    @BeforeAll
    static void killLeftoversOnAbort() {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(ComponentFaultsITCase::killFromPidFiles, "kill-stack"));
    }

    @AfterAll
    static void stopStack() {
        figures.forEach(System.out::println);
        Result stop = stack("stop");
        assertThat(stop.exitCode()).as(stop.output()).isZero();
    }

    @Test
    @Order(1)
    void everyRecordAccountedOnceAcrossKafkaS3AndJobManagerFailures() throws Exception {
        // given the local stack and IngestJob on it, lake and checkpoints on s3://
        Result start = stack("start", "--free-ports");
        assertThat(start.exitCode()).as(start.output()).isZero();
        endpoints = readEndpoints();
        rest = new FlinkRestClient(endpoints.getProperty(LocalStack.FLINK_REST));
        Path bucket = Path.of(endpoints.getProperty(LocalStack.S3_DATA_DIR), LocalStack.BUCKET);
        Path lake = bucket.resolve("lake");
        String audit = table(lake.resolve("audit/decisions"));
        String quarantine = table(lake.resolve("quarantine"));
        String jobId = submit(null);

        List<SampleDecisions.Event> produced = new ArrayList<>();
        List<SampleDecisions.Event> valid = new ArrayList<>();
        long[] quarantined = {0};

        // ---- 1. the Kafka broker is killed (SIGKILL) mid-stream and restarted
        SampleDecisions.Sample a = SampleDecisions.generate(1101, 3000, 30, 20, Instant.now());
        SampleDecisions.Sample aOld = SampleDecisions.generate(1191, 400, 0, 0, LONG_AGO);
        CompletableFuture<Void> producing = produceInBackground(a, aOld);
        awaitCheckpointAfter(jobId, System.currentTimeMillis());
        await("some of phase 1 committed", () -> safeCount(audit) > 0, TIMEOUT);
        Map<String, Long> checkpointsBeforeKafka = checkpointCounts(jobId);
        ProcessHandle broker = pidProcess(kafkaPid(), "kafka.Kafka");
        long t1 = System.nanoTime();
        broker.destroyForcibly();
        assertThat(LocalProcess.awaitExit(broker, Duration.ofSeconds(30))).isTrue();
        Result down = stack("status", "kafka");
        assertThat(down.exitCode()).as(down.output()).isEqualTo(3);
        Result restarted = stack("start", "kafka");
        assertThat(restarted.exitCode()).as(restarted.output()).isZero();
        double brokerBack = seconds(t1);
        producing.get(5, TimeUnit.MINUTES);
        track(a, produced, valid, quarantined);
        track(aOld, produced, valid, quarantined);
        awaitAccounted(audit, quarantine, valid.size(), quarantined[0]);
        double kafkaRecovery = seconds(t1);
        assertAccountedOnce(audit, quarantine, produced, valid);
        figures.add(
                String.format(
                        "fault kafka-broker-sigkill: records in %d, accounted %d (audit %d +"
                                + " quarantine %d), duplicates %d, restarts %d, checkpoints %s ->"
                                + " %s, broker back after %.1f s, all committed %.1f s after the"
                                + " kill",
                        produced.size(),
                        accounted(audit, quarantine),
                        count("SELECT count(*) FROM " + audit),
                        count("SELECT count(*) FROM " + quarantine),
                        duplicates(audit, quarantine),
                        (long) rest.jobMetric(jobId, "numRestarts"),
                        checkpointsBeforeKafka,
                        checkpointCounts(jobId),
                        brokerBack,
                        kafkaRecovery));

        // ---- 2. s3proxy goes away during checkpoints and commits, then comes back
        double restartsBefore = rest.jobMetric(jobId, "numRestarts");
        SampleDecisions.Sample b = SampleDecisions.generate(2202, 3000, 30, 20, Instant.now());
        SampleDecisions.Sample bOld = SampleDecisions.generate(2292, 400, 0, 0, LONG_AGO);
        producing = produceInBackground(b, bOld);
        long committedBefore = countWhenReadable(audit);
        awaitCheckpointAfter(jobId, System.currentTimeMillis());
        await("some of phase 2 committed", () -> safeCount(audit) > committedBefore, TIMEOUT);
        Map<String, Long> checkpointsBeforeS3 = checkpointCounts(jobId);
        ProcessHandle s3 = pidProcess(s3Pid(), "org.gaul.s3proxy.Main");
        // the store dies the moment a checkpoint completes: its FileSink commit (completing the
        // multipart uploads of the checkpoint's files) follows the completion notice at once
        long completed = latestCompletedCheckpoint(jobId);
        awaitFast(
                "the next completed checkpoint",
                () -> latestCompletedCheckpoint(jobId) > completed);
        long t2 = System.nanoTime();
        long killedAt = System.currentTimeMillis();
        s3.destroyForcibly();
        assertThat(LocalProcess.awaitExit(s3, Duration.ofSeconds(30))).isTrue();
        // and stays away while the job needs it: the next checkpoint is under way (triggered
        // every 2 s), or, when the commit that follows the completion notice already failed, the
        // job has failed over and its restore (the checkpoint lives in the store) is retrying, so
        // no checkpoint can be triggered until the store is back
        long failedBefore = checkpointCounts(jobId).get("failed");
        awaitDiagnosed(
                jobId,
                "a checkpoint under way, a failed checkpoint or a failover while the store is down",
                () ->
                        holds(() -> checkpointCounts(jobId).get("in_progress") > 0)
                                || holds(() -> latestTrigger(jobId) > killedAt)
                                || holds(() -> checkpointCounts(jobId).get("failed") > failedBefore)
                                || holds(
                                        () ->
                                                rest.jobMetric(jobId, "numRestarts")
                                                        > restartsBefore),
                TIMEOUT);
        Thread.sleep(5000);
        Result s3Back = stack("start", "s3");
        assertThat(s3Back.exitCode()).as(s3Back.output()).isZero();
        double storeDown = seconds(t2);
        await("job running again", () -> rest.allTasksRunning(jobId), TIMEOUT);
        double s3Running = seconds(t2);
        producing.get(5, TimeUnit.MINUTES);
        track(b, produced, valid, quarantined);
        track(bOld, produced, valid, quarantined);
        awaitAccounted(audit, quarantine, valid.size(), quarantined[0]);
        double s3Recovery = seconds(t2);
        double restartsAfterS3 = rest.jobMetric(jobId, "numRestarts");
        Map<String, Long> checkpointsAfterS3 = checkpointCounts(jobId);
        assertAccountedOnce(audit, quarantine, produced, valid);
        figures.add(
                String.format(
                        "fault s3proxy-sigkill: records in %d, accounted %d, duplicates %d,"
                                + " restarts %d -> %d, checkpoints %s -> %s, store down %.1f s, job"
                                + " RUNNING %.1f s and all committed %.1f s after the kill",
                        produced.size(),
                        accounted(audit, quarantine),
                        duplicates(audit, quarantine),
                        (long) restartsBefore,
                        (long) restartsAfterS3,
                        checkpointsBeforeS3,
                        checkpointsAfterS3,
                        storeDown,
                        s3Running,
                        s3Recovery));

        // ---- 3. the JobManager is killed; no HA: restart it, resubmit from the last checkpoint
        SampleDecisions.Sample c = SampleDecisions.generate(3303, 3000, 30, 20, Instant.now());
        SampleDecisions.Sample cOld = SampleDecisions.generate(3393, 400, 0, 0, LONG_AGO);
        producing = produceInBackground(c, cOld);
        long committedBeforeC = countWhenReadable(audit);
        awaitCheckpointAfter(jobId, System.currentTimeMillis());
        await("some of phase 3 committed", () -> safeCount(audit) > committedBeforeC, TIMEOUT);
        ProcessHandle jm =
                pidProcess(
                        work.resolve("flink/jobmanager.pid"),
                        "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint");
        long t3 = System.nanoTime();
        jm.destroyForcibly();
        assertThat(LocalProcess.awaitExit(jm, Duration.ofSeconds(30))).isTrue();
        String checkpoint = latestCheckpoint(bucket.resolve("checkpoints/" + jobId));
        Result jmBack = stack("start", "flink");
        assertThat(jmBack.exitCode()).as(jmBack.output()).isZero();
        await("a TaskManager registered", () -> !rest.taskManagerIds().isEmpty(), TIMEOUT);
        String resumed =
                submit("s3://" + LocalStack.BUCKET + "/checkpoints/" + jobId + "/" + checkpoint);
        double jmRunning = seconds(t3);
        producing.get(5, TimeUnit.MINUTES);
        track(c, produced, valid, quarantined);
        track(cOld, produced, valid, quarantined);
        awaitAccounted(audit, quarantine, valid.size(), quarantined[0]);
        double jmRecovery = seconds(t3);
        assertThat(
                        rest.checkpoints(resumed)
                                .path("latest")
                                .path("restored")
                                .path("external_path")
                                .asText())
                .endsWith(checkpoint);
        assertAccountedOnce(audit, quarantine, produced, valid);
        figures.add(
                String.format(
                        "fault jobmanager-sigkill (no HA; resubmitted from %s): records in %d,"
                                + " accounted %d, duplicates %d, job RUNNING %.1f s and all"
                                + " committed %.1f s after the kill",
                        checkpoint,
                        produced.size(),
                        accounted(audit, quarantine),
                        duplicates(audit, quarantine),
                        jmRunning,
                        jmRecovery));
        rest.cancel(resumed);
        await("ingest cancelled", () -> rest.jobState(resumed).equals("CANCELED"), TIMEOUT);

        // then the hash chains verify over everything the three recoveries committed
        VerifyReport report =
                new VerifyRunner(
                                VerifyJob.Options.parse(
                                        new String[] {
                                            "--lake",
                                            lake.toUri().toString(),
                                            "--report",
                                            work.resolve("verify-report.json").toString()
                                        }))
                        .run(
                                StreamExecutionEnvironment.getExecutionEnvironment(),
                                new PrintStream(new ByteArrayOutputStream()));
        assertThat(report.violationsByKind()).as(report.summary()).isEmpty();
        assertThat(report.records()).isEqualTo(valid.size());
        figures.add("verify after the faults: " + report.summary());
        producedAll.addAll(produced);
        validAll.addAll(valid);
        quarantinedAll = quarantined[0];
        for (SampleDecisions.Sample old : List.of(aOld, bOld, cOld)) {
            oldAll.addAll(old.valid());
        }
    }

    /**
     * Retention (CompactionJob with a one-year policy, legal holds and an archive) on the same
     * cluster over the lake the ingest test left, with the TaskManager killed (SIGKILL) at the two
     * moments of a deletion where a crash could lose or double records, each followed by a rerun
     * with the same run id:
     *
     * <ol>
     *   <li>run A (one tenant): as soon as a partition's retention manifest appears, the commit
     *       point: its summaries and kept rows are staged, its files are being copied to the
     *       archive, nothing is published or deleted yet;
     *   <li>run B (the other tenants): as soon as a partition is partly deleted: its summary and
     *       kept rows are published, its archive copies done, some of its sources deleted and some
     *       not. A rerun that skipped the recovery would summarise only the sources left, under the
     *       same summary file name, and keep held rows twice.
     * </ol>
     *
     * <p>After the reruns every record is accounted for: each Kafka record still in audit or
     * quarantine once, or (its decision deleted) counted in exactly one retention summary whose
     * digest of deleted event ids matches, and archived exactly once; held decisions are all still
     * there with their ops copies; no expired partition keeps a source file; nothing is left in the
     * runs' staging folders; the chains, bridged by the retention anchors, verify clean.
     */
    @Test
    @Order(2)
    void retentionRollsForwardAfterTaskManagerKillsAtItsCommitPointAndMidDeletion()
            throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                !oldAll.isEmpty(), "needs the lake the ingest test leaves");
        Path bucket = Path.of(endpoints.getProperty(LocalStack.S3_DATA_DIR), LocalStack.BUCKET);
        Path lake = bucket.resolve("lake");
        String audit = table(lake.resolve("audit/decisions"));
        String quarantine = table(lake.resolve("quarantine"));
        String ops = table(lake.resolve("ops/decisions"));
        // the summaries hold tenant_id and event_date themselves: read without hive columns
        String summaries =
                "read_parquet('"
                        + lake.resolve("summaries/decisions")
                        + "/**/*.parquet', hive_partitioning=false)";
        long opsBefore = count("SELECT count(*) FROM " + ops);
        long producedBefore = producedAll.size();

        // given a one-year policy, a user hold (bank_456) and a case hold (insurer_789) on
        // decisions past it, and an archive
        List<OldDecision> old = oldAll.stream().map(OldDecision::of).toList();
        OldDecision heldUser =
                old.stream().filter(d -> d.tenant().equals("bank_456")).findFirst().orElseThrow();
        OldDecision heldCase =
                old.stream()
                        .filter(d -> d.tenant().equals("insurer_789"))
                        .findFirst()
                        .orElseThrow();
        Files.writeString(
                work.resolve("retention-policy.json"),
                "{\"version\": \"faults-1\", \"default\": \"P1Y\"}");
        Files.writeString(
                work.resolve("legal-holds.json"),
                "{\"holds\": [{\"id\": \"LH-FAULTS-1\", \"tenant_id\": \"bank_456\", \"user_id\": \""
                        + heldUser.userId()
                        + "\", \"reason\": \"fault test\", \"placed_by\": \"faults@test\"},"
                        + " {\"id\": \"LH-FAULTS-2\", \"tenant_id\": \"insurer_789\","
                        + " \"case_id\": \""
                        + heldCase.caseId()
                        + "\", \"reason\": \"fault test\", \"placed_by\": \"faults@test\"}]}");
        java.util.function.Predicate<OldDecision> held =
                d ->
                        d.tenant().equals("bank_456") && d.userId().equals(heldUser.userId())
                                || d.tenant().equals("insurer_789")
                                        && d.caseId().equals(heldCase.caseId());
        java.util.Set<String> keptIds =
                old.stream().filter(held).map(OldDecision::eventId).collect(toSet());
        java.util.Set<String> deletedA =
                old.stream()
                        .filter(d -> d.tenant().equals("bank_456") && !held.test(d))
                        .map(OldDecision::eventId)
                        .collect(toSet());
        java.util.Set<String> deletedAll =
                old.stream().filter(held.negate()).map(OldDecision::eventId).collect(toSet());
        Map<Path, Long> filesBefore = expiredPartitionFiles(lake);

        // ---- A: killed at the commit point of a deletion (archive copies under way)
        Path stagingA = lake.resolve("_staging/compaction/faults-retention-a");
        ProcessHandle tmA = taskManager();
        CompletableFuture<Result> runA =
                CompletableFuture.supplyAsync(
                        () ->
                                retention(
                                        "faults-retention-a",
                                        "bank_456",
                                        "-Drestart-strategy.type=none"));
        long a0 = System.nanoTime();
        awaitFast("a retention manifest", () -> runA.isDone() || retentionManifests(stagingA) > 0);
        tmA.destroyForcibly();
        double aKilledAfter = seconds(a0);
        long manifestsAtKillA = killTaskManager(tmA, stagingA);
        long aKill = System.nanoTime();
        long summariesAtKillA = publishedSummaries(lake, "faults-retention-a");
        long archivedAtKillA = parquetFilesIn(bucket.resolve("archive"));
        Result firstA = runA.get(5, TimeUnit.MINUTES);
        Result rerunA = retention("faults-retention-a", "bank_456");
        double aRecovery = seconds(aKill);
        assertThat(manifestsAtKillA).as("killed past a commit point").isPositive();
        assertThat(firstA.exitCode()).as("the killed run fails").isEqualTo(1);
        assertThat(rerunA.exitCode()).as(rerunA.output()).isZero();
        forget(deletedA);
        assertThat(auditIds(audit)).isEqualTo(sortedIds(validAll));
        assertThat(count("SELECT coalesce(sum(records), 0) FROM " + summaries))
                .isEqualTo(deletedA.size());
        assertThat(stagedFiles(stagingA)).isEmpty();

        // ---- B: killed mid-deletion (a partition's sources partly deleted)
        Path stagingB = lake.resolve("_staging/compaction/faults-retention-b");
        ProcessHandle tmB = taskManager();
        CompletableFuture<Result> runB =
                CompletableFuture.supplyAsync(
                        () ->
                                retention(
                                        "faults-retention-b",
                                        null,
                                        "-Drestart-strategy.type=none"));
        long b0 = System.nanoTime();
        awaitFast(
                "a partly deleted partition of run B",
                () -> runB.isDone() || partlyDeleted(stagingB, bucket) > 0);
        tmB.destroyForcibly();
        double bKilledAfter = seconds(b0);
        long manifestsAtKillB = killTaskManager(tmB, stagingB);
        long bKill = System.nanoTime();
        long partlyDeletedAtKillB = partlyDeleted(stagingB, bucket);
        long summariesAtKillB = publishedSummaries(lake, "faults-retention-b");
        Result firstB = runB.get(5, TimeUnit.MINUTES);
        Result rerunB = retention("faults-retention-b", null);
        double bRecovery = seconds(bKill);
        assertThat(manifestsAtKillB).as("killed inside a deletion").isPositive();
        assertThat(summariesAtKillB).isPositive();
        assertThat(firstB.exitCode()).as("the killed run fails").isEqualTo(1);
        assertThat(rerunB.exitCode()).as(rerunB.output()).isZero();
        java.util.Set<String> deletedB = new java.util.HashSet<>(deletedAll);
        deletedB.removeAll(deletedA);
        forget(deletedB);

        // then the decisions past retention are gone, except the held ones, each once
        List<String> ids = auditIds(audit);
        assertThat(ids).isEqualTo(sortedIds(validAll)).containsAll(keptIds);
        assertThat(ids).doesNotContainAnyElementsOf(deletedAll);
        assertThat(keptIds).isNotEmpty();
        assertThat(count("SELECT count(*) FROM " + ops)).isEqualTo(opsBefore - deletedAll.size());
        assertThat(count("SELECT count(*) - count(DISTINCT event_id) FROM " + ops)).isZero();
        assertThat(count("SELECT count(*) FROM " + quarantine)).isEqualTo(quarantinedAll);
        // N in -> N accounted: in audit or quarantine once, or summarised once
        long summarised = count("SELECT sum(records) FROM " + summaries);
        assertThat(summarised).isEqualTo(deletedAll.size());
        assertThat(accounted(audit, quarantine) + summarised).isEqualTo(producedBefore);
        assertThat(duplicates(audit, quarantine)).isZero();
        assertSummarisedAndArchivedOnce(bucket, summaries, old, keptIds);
        // no expired partition keeps a source file; the staging areas are empty
        Map<Path, Long> filesAfter = expiredPartitionFiles(lake);
        assertThat(filesAfter.keySet())
                .allSatisfy(
                        f ->
                                assertThat(f.getFileName().toString())
                                        .startsWith("compacted-faults-retention-"));
        assertThat(stagedFiles(stagingA)).isEmpty();
        assertThat(stagedFiles(stagingB)).isEmpty();
        // and the chains, bridged over the deleted positions by the anchors, verify
        VerifyReport report = verifyLake(lake);
        assertThat(report.violationsByKind()).as(report.summary()).isEmpty();
        assertThat(report.records()).isEqualTo(validAll.size());
        figures.add(
                String.format(
                        "fault taskmanager-sigkill-during-retention: %d decisions past retention"
                                + " in %d files (%d held: 1 user hold, 1 case hold); run A killed"
                                + " %.1f s after submission with %d retention manifest(s) in"
                                + " staging, %d summaries published, %d files archived, first run"
                                + " exit %d, rerun exit %d, done %.1f s after the kill; run B"
                                + " killed %.1f s after submission with %d manifest(s), %d"
                                + " partition(s) partly deleted, %d summaries published, first run"
                                + " exit %d, rerun exit %d, done %.1f s after the kill; records in"
                                + " %d = %d in audit/quarantine + %d summarised, duplicates %d;"
                                + " expired partitions' files %d -> %d (kept rows only); %s",
                        old.size(),
                        filesBefore.size(),
                        keptIds.size(),
                        aKilledAfter,
                        manifestsAtKillA,
                        summariesAtKillA,
                        archivedAtKillA,
                        firstA.exitCode(),
                        rerunA.exitCode(),
                        aRecovery,
                        bKilledAfter,
                        manifestsAtKillB,
                        partlyDeletedAtKillB,
                        summariesAtKillB,
                        firstB.exitCode(),
                        rerunB.exitCode(),
                        bRecovery,
                        producedBefore,
                        accounted(audit, quarantine),
                        summarised,
                        duplicates(audit, quarantine),
                        filesBefore.size(),
                        filesAfter.size(),
                        report.summary()));
    }

    /** One decision past retention, with the ids a legal hold can name. */
    private record OldDecision(String eventId, String tenant, String userId, String caseId) {
        static OldDecision of(SampleDecisions.Event e) {
            try {
                var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.value());
                return new OldDecision(
                        e.eventId(),
                        e.tenantId(),
                        json.path("userId").asText(),
                        json.path("caseId").asText());
            } catch (IOException x) {
                throw new java.io.UncheckedIOException(x);
            }
        }
    }

    /**
     * Each deleted decision is in exactly one summary group (tenant, date, model, version, shard),
     * whose digest of deleted event ids matches the archived rows of that group, and every decision
     * past retention, held or not, is archived exactly once.
     */
    private static void assertSummarisedAndArchivedOnce(
            Path bucket, String summaries, List<OldDecision> old, java.util.Set<String> keptIds) {
        String archived = table(bucket.resolve("archive/audit/decisions"));
        assertThat(
                        query("SELECT event_id FROM " + archived + " ORDER BY event_id").stream()
                                .map(r -> (String) r.get("event_id"))
                                .toList())
                .isEqualTo(old.stream().map(OldDecision::eventId).sorted().toList());
        String group =
                "CAST(tenant_id AS VARCHAR) || '/' || CAST(event_date AS VARCHAR) || '/' || model"
                        + " || '/' || model_version || '/' || coalesce(CAST(chain_shard AS VARCHAR),"
                        + " '-')";
        Map<String, List<String>> deletedByGroup = new java.util.TreeMap<>();
        for (Map<String, Object> r :
                query("SELECT " + group + " AS g, event_id FROM " + archived)) {
            if (!keptIds.contains((String) r.get("event_id"))) {
                deletedByGroup
                        .computeIfAbsent((String) r.get("g"), g -> new ArrayList<>())
                        .add((String) r.get("event_id"));
            }
        }
        Map<String, String> expected = new java.util.TreeMap<>();
        deletedByGroup.forEach(
                (g, ids) ->
                        expected.put(
                                g + " " + ids.size(),
                                io.decisionledger.retention.RetentionSummaries.idsDigest(ids)));
        Map<String, String> actual = new java.util.TreeMap<>();
        for (Map<String, Object> r :
                query(
                        "SELECT "
                                + group
                                + " AS g, records, deleted_event_ids_sha256 AS d FROM "
                                + summaries)) {
            String key = r.get("g") + " " + ((Number) r.get("records")).longValue();
            assertThat(actual.put(key, (String) r.get("d"))).as("one summary of " + key).isNull();
        }
        assertThat(actual).isEqualTo(expected);
    }

    /** Takes {@code ids} (deleted by retention) out of what the lake is expected to hold. */
    private static void forget(java.util.Set<String> ids) {
        producedAll.removeIf(e -> e.eventId() != null && ids.contains(e.eventId()));
        validAll.removeIf(e -> ids.contains(e.eventId()));
    }

    private static List<String> auditIds(String audit) {
        return query("SELECT event_id FROM " + audit + " ORDER BY event_id").stream()
                .map(r -> (String) r.get("event_id"))
                .toList();
    }

    private static List<String> sortedIds(List<SampleDecisions.Event> events) {
        return events.stream().map(SampleDecisions.Event::eventId).sorted().toList();
    }

    private static ProcessHandle taskManager() {
        return pidProcess(
                work.resolve("flink/taskmanager.pid"),
                "org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
    }

    /**
     * SIGKILLs the TaskManager {@code tm} (if not done yet), starts a new one; returns the
     * retention manifests at the kill.
     */
    private static long killTaskManager(ProcessHandle tm, Path staging) {
        tm.destroyForcibly();
        assertThat(LocalProcess.awaitExit(tm, Duration.ofSeconds(30))).isTrue();
        long manifests = retentionManifests(staging);
        Result tmBack = stack("start", "flink");
        assertThat(tmBack.exitCode()).as(tmBack.output()).isZero();
        return manifests;
    }

    /**
     * A retention run through Flink's CLI: a one-year policy, the legal holds file, archive copies
     * to {@code s3://ledger/archive}, and a --min-age no partition reaches, so the run deletes and
     * merges nothing else (the compaction test after it merges).
     */
    private static Result retention(String runId, String tenant, String... flinkOptions) {
        List<String> args = new ArrayList<>(List.of("flink", "run"));
        args.addAll(List.of(flinkOptions));
        args.addAll(
                List.of(
                        "-c",
                        "io.decisionledger.compaction.CompactionJob",
                        jobJar().toString(),
                        "--lake",
                        LocalStack.LAKE,
                        "--run-id",
                        runId,
                        "--min-age",
                        "P3650D",
                        "--retention-policy",
                        work.resolve("retention-policy.json").toString(),
                        "--legal-holds",
                        work.resolve("legal-holds.json").toString(),
                        "--archive",
                        "s3://" + LocalStack.BUCKET + "/archive"));
        if (tenant != null) {
            args.addAll(List.of("--tenant", tenant));
        }
        return stack(args.toArray(new String[0]));
    }

    private static long retentionManifests(Path staging) {
        return stagedFiles(staging).stream()
                .filter(f -> f.getFileName().toString().equals("retention-manifest.json"))
                .count();
    }

    /** Every regular file under {@code staging} (none when it does not exist). */
    private static List<Path> stagedFiles(Path staging) {
        if (!Files.isDirectory(staging)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(staging)) {
            return files.filter(Files::isRegularFile).toList();
        } catch (IOException | java.io.UncheckedIOException e) {
            return stagedFiles(staging); // a folder went away while walking: look again
        }
    }

    /** Summary files a run published to the lake ({@code retention-<run>.parquet}). */
    private static long publishedSummaries(Path lake, String runId) {
        Path dir = lake.resolve("summaries/decisions");
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(
                            f ->
                                    f.getFileName()
                                            .toString()
                                            .equals("retention-" + runId + ".parquet"))
                    .count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0; // a folder appeared or went away while walking: look again
        }
    }

    /**
     * Deletions in staging whose manifest's sources are partly gone from the lake (0 while a
     * manifest or folder comes or goes under the walk).
     */
    private static long partlyDeleted(Path staging, Path bucket) {
        try {
            return partlyDeletedOrThrow(staging, bucket);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    private static long partlyDeletedOrThrow(Path staging, Path bucket) throws IOException {
        long partly = 0;
        for (Path m : stagedFiles(staging)) {
            if (!m.getFileName().toString().equals("retention-manifest.json")) {
                continue;
            }
            var sources =
                    new com.fasterxml.jackson.databind.ObjectMapper()
                            .readTree(Files.readString(m))
                            .path("sources");
            long gone = 0;
            for (var source : sources) {
                String key = source.path("path").asText().replaceFirst("^s3[a-z]*://[^/]+/", "");
                if (!Files.exists(bucket.resolve(key))) {
                    gone++;
                }
            }
            if (gone > 0 && gone < sources.size()) {
                partly++;
            }
        }
        return partly;
    }

    private static long parquetFilesIn(Path dir) {
        if (!Files.isDirectory(dir)) {
            return 0;
        }
        try {
            return parquetFiles(dir);
        } catch (IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }

    /** The Parquet files of audit and ops partitions dated over a year ago, with their sizes. */
    private static Map<Path, Long> expiredPartitionFiles(Path lake) throws IOException {
        java.time.LocalDate yearAgo =
                java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusYears(1);
        Map<Path, Long> files = new java.util.TreeMap<>();
        for (String dataset : List.of("audit/decisions", "ops/decisions")) {
            try (Stream<Path> all = Files.walk(lake.resolve(dataset))) {
                for (Path f : all.filter(Files::isRegularFile).toList()) {
                    String name = f.getFileName().toString();
                    String date = f.getParent().getFileName().toString();
                    if (name.endsWith(".parquet")
                            && !name.startsWith(".")
                            && date.startsWith("event_date=")
                            && java.time.LocalDate.parse(date.substring(11)).isBefore(yearAgo)) {
                        files.put(f, Files.size(f));
                    }
                }
            }
        }
        return files;
    }

    /**
     * CompactionJob on the same cluster over the lake the ingest test left, with the TaskManager
     * killed (SIGKILL) the moment a partition's swap manifest appears: past the commit point, with
     * the partition's merged files staged and its sources not yet all deleted. The job fails (no
     * restarts for it), a new TaskManager starts, and the rerun with the same run id rolls the swap
     * forward: every record is still there once, the closed partitions are merged, and the chains
     * verify.
     */
    @Test
    @Order(3)
    void compactionRollsForwardAfterATaskManagerKillDuringTheSwap() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                !validAll.isEmpty(), "needs the lake the ingest test leaves");
        Path bucket = Path.of(endpoints.getProperty(LocalStack.S3_DATA_DIR), LocalStack.BUCKET);
        Path lake = bucket.resolve("lake");
        String audit = table(lake.resolve("audit/decisions"));
        String quarantine = table(lake.resolve("quarantine"));
        String ops = table(lake.resolve("ops/decisions"));
        long opsBefore = count("SELECT count(*) FROM " + ops);
        long auditFilesBefore = parquetFiles(lake.resolve("audit/decisions"));
        Path staging = lake.resolve("_staging/compaction/faults");

        // when compaction runs and the TaskManager dies as soon as a swap manifest is written
        CompletableFuture<Integer> first =
                CompletableFuture.supplyAsync(() -> compaction("-Drestart-strategy.type=none"));
        long t0 = System.nanoTime();
        awaitFast("a swap manifest", () -> first.isDone() || manifests(staging) > 0);
        ProcessHandle tm =
                pidProcess(
                        work.resolve("flink/taskmanager.pid"),
                        "org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
        tm.destroyForcibly();
        long t1 = System.nanoTime();
        assertThat(LocalProcess.awaitExit(tm, Duration.ofSeconds(30))).isTrue();
        long manifestsAtKill = manifests(staging);
        assertThat(manifestsAtKill).as("killed inside a swap").isPositive();
        Result tmBack = stack("start", "flink");
        assertThat(tmBack.exitCode()).as(tmBack.output()).isZero();
        int firstExit = first.get(5, TimeUnit.MINUTES);

        // and the rerun with the same run id rolls the swap forward
        int rerunExit = compaction();
        double recovery = seconds(t1);

        // then nothing is lost or doubled and the closed partitions are merged
        assertThat(rerunExit).isZero();
        assertThat(manifests(staging)).isZero();
        assertAccountedOnce(audit, quarantine, producedAll, validAll);
        assertThat(count("SELECT count(*) FROM " + quarantine)).isEqualTo(quarantinedAll);
        assertThat(count("SELECT count(*) FROM " + ops)).isEqualTo(opsBefore);
        long auditFilesAfter = parquetFiles(lake.resolve("audit/decisions"));
        assertThat(auditFilesAfter).isLessThan(auditFilesBefore);
        VerifyReport report = verifyLake(lake);
        assertThat(report.violationsByKind()).as(report.summary()).isEmpty();
        assertThat(report.records()).isEqualTo(validAll.size());
        figures.add(
                String.format(
                        "fault taskmanager-sigkill-during-compaction-swap: %d swap manifest(s) in"
                                + " staging at the kill (%.1f s after submission), first run exit"
                                + " %d, rerun exit %d; records in %d, accounted %d, duplicates %d;"
                                + " audit files %d -> %d; rerun done %.1f s after the kill; %s",
                        manifestsAtKill,
                        (t1 - t0) / 1e9,
                        firstExit,
                        rerunExit,
                        producedAll.size(),
                        accounted(audit, quarantine),
                        duplicates(audit, quarantine),
                        auditFilesBefore,
                        auditFilesAfter,
                        recovery,
                        report.summary()));
    }

    /** CompactionJob through Flink's CLI (attached: its client plans, waits and reports). */
    private static int compaction(String... flinkOptions) {
        List<String> args = new ArrayList<>(List.of("flink", "run"));
        args.addAll(List.of(flinkOptions));
        args.addAll(
                List.of(
                        "-c",
                        "io.decisionledger.compaction.CompactionJob",
                        jobJar().toString(),
                        "--lake",
                        LocalStack.LAKE,
                        "--run-id",
                        "faults",
                        "--min-age",
                        "P1D",
                        "--retention",
                        "false",
                        "--no-legal-holds"));
        return stack(args.toArray(new String[0])).exitCode();
    }

    private static long manifests(Path staging) {
        if (!Files.isDirectory(staging)) {
            return 0;
        }
        try (Stream<Path> files = Files.walk(staging)) {
            return files.filter(f -> f.getFileName().toString().equals("manifest.json")).count();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0; // a folder went away while walking: look again
        }
    }

    private static long parquetFiles(Path dataset) throws IOException {
        try (Stream<Path> files = Files.walk(dataset)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".parquet")).count();
        }
    }

    private static VerifyReport verifyLake(Path lake) throws Exception {
        return new VerifyRunner(
                        VerifyJob.Options.parse(
                                new String[] {
                                    "--lake",
                                    lake.toUri().toString(),
                                    "--report",
                                    work.resolve("verify-report.json").toString()
                                }))
                .run(
                        StreamExecutionEnvironment.getExecutionEnvironment(),
                        new PrintStream(new ByteArrayOutputStream()));
    }

    // ------------------------------------------------------------------------------ accounting

    private static void track(
            SampleDecisions.Sample s,
            List<SampleDecisions.Event> produced,
            List<SampleDecisions.Event> valid,
            long[] quarantined) {
        produced.addAll(s.events());
        valid.addAll(s.valid());
        quarantined[0] += s.quarantinedTotal();
    }

    private static void awaitAccounted(
            String audit, String quarantine, long validTotal, long quarantinedTotal) {
        await(
                "audit " + validTotal + " and quarantine " + quarantinedTotal,
                () -> safeCount(audit) >= validTotal && safeCount(quarantine) >= quarantinedTotal,
                TIMEOUT);
    }

    /** N in, N accounted: each Kafka record once in audit or quarantine, each event id once. */
    private static void assertAccountedOnce(
            String audit,
            String quarantine,
            List<SampleDecisions.Event> produced,
            List<SampleDecisions.Event> valid) {
        assertThat(accounted(audit, quarantine)).isEqualTo(produced.size());
        assertThat(duplicates(audit, quarantine)).isZero();
        List<String> ids =
                query("SELECT event_id FROM " + audit + " ORDER BY event_id").stream()
                        .map(r -> (String) r.get("event_id"))
                        .toList();
        assertThat(ids)
                .isEqualTo(valid.stream().map(SampleDecisions.Event::eventId).sorted().toList());
    }

    private static long accounted(String audit, String quarantine) {
        return count(
                "SELECT count(DISTINCT source_partition || ':' || source_offset) FROM ("
                        + offsets(audit, quarantine)
                        + ")");
    }

    /** Rows beyond one per Kafka record. */
    private static long duplicates(String audit, String quarantine) {
        return count("SELECT count(*) FROM (" + offsets(audit, quarantine) + ")")
                - accounted(audit, quarantine);
    }

    private static String offsets(String audit, String quarantine) {
        return "SELECT source_partition, source_offset FROM "
                + audit
                + " UNION ALL SELECT source_partition, source_offset FROM "
                + quarantine;
    }

    /** The row count, once DuckDB's glob meets no file being written. */
    private static long countWhenReadable(String table) {
        long[] n = {-1};
        await("a readable lake", () -> (n[0] = safeCount(table)) >= 0, TIMEOUT);
        return n[0];
    }

    /** -1 while a file is being written under DuckDB's glob. */
    private static long safeCount(String table) {
        try {
            return count("SELECT count(*) FROM " + table);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    // ------------------------------------------------------------------------------- the stack

    record Result(int exitCode, String output) {}

    static Result stack(String... args) {
        List<String> command = new ArrayList<>(List.of(args));
        command.addAll(List.of("--work", work.toString()));
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        try {
            int code = LocalStack.run(command.toArray(new String[0]), out, out);
            String text = buffer.toString(StandardCharsets.UTF_8);
            System.out.print("$ stack " + String.join(" ", args) + "\n" + text);
            return new Result(code, text);
        } catch (Exception e) {
            throw new IllegalStateException("stack " + String.join(" ", args) + " failed", e);
        }
    }

    private static String submit(String fromCheckpoint) {
        List<String> args =
                new ArrayList<>(
                        List.of("submit", "--jar", jobJar().toString(), "--class", IngestJobName));
        if (fromCheckpoint != null) {
            args.addAll(List.of("--from-savepoint", fromCheckpoint));
        }
        args.addAll(List.of("--checkpoint-interval", "PT2S", "--group-id", GROUP));
        Result submit = stack(args.toArray(new String[0]));
        assertThat(submit.exitCode()).as(submit.output()).isZero();
        Matcher m = Pattern.compile("job-id=([0-9a-f]{32})").matcher(submit.output());
        assertThat(m.find()).as(submit.output()).isTrue();
        return m.group(1);
    }

    private static final String IngestJobName = "io.decisionledger.ingest.IngestJob";

    /** The shaded job jar the reactor build packaged. */
    private static Path jobJar() {
        Path target = Path.of("..", "jobs", "target").toAbsolutePath().normalize();
        try (Stream<Path> files = Files.list(target)) {
            return files.filter(
                            f -> {
                                String n = f.getFileName().toString();
                                return n.startsWith("decision-ledger-jobs-")
                                        && n.endsWith(".jar")
                                        && !n.contains("original")
                                        && !n.contains("tests");
                            })
                    .findFirst()
                    .orElseThrow(
                            () ->
                                    new IllegalStateException(
                                            "no job jar in " + target + ": package"));
        } catch (IOException e) {
            throw new IllegalStateException("no job jar in " + target, e);
        }
    }

    private static Properties readEndpoints() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(work.resolve("stack.properties"))) {
            p.load(in);
        }
        return p;
    }

    private static Path kafkaPid() {
        return work.resolve("kafka/broker.pid");
    }

    private static Path s3Pid() {
        return work.resolve("s3.s3proxy/s3proxy.pid");
    }

    private static ProcessHandle pidProcess(Path pidFile, String mainClass) {
        ProcessHandle p =
                LocalProcess.findRunning(pidFile, mainClass)
                        .orElseThrow(
                                () ->
                                        new IllegalStateException(
                                                "no " + mainClass + " in " + pidFile));
        return p;
    }

    private static void killFromPidFiles() {
        if (work == null || !Files.isDirectory(work)) {
            return;
        }
        try (Stream<Path> files = Files.find(work, 2, (f, attrs) -> attrs.isRegularFile())) {
            files.filter(f -> f.getFileName().toString().endsWith(".pid"))
                    .forEach(
                            f ->
                                    LocalProcess.findRunning(f, work.toString())
                                            .ifPresent(ProcessHandle::destroyForcibly));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static CompletableFuture<Void> produceInBackground(List<SampleDecisions.Event> events) {
        return CompletableFuture.runAsync(() -> producePaced(events, 100, 100));
    }

    /** {@code recent} as above, {@code old} beside it in slices of 20 every 400 ms (~8 s). */
    private static CompletableFuture<Void> produceInBackground(
            SampleDecisions.Sample recent, SampleDecisions.Sample old) {
        return CompletableFuture.allOf(
                produceInBackground(recent.events()),
                CompletableFuture.runAsync(() -> producePaced(old.events(), 20, 400)));
    }

    /**
     * Slices of {@code slice} every {@code pauseMillis}; idempotent, and patient enough (delivery
     * timeout 5 minutes) to ride out a broker restart, as a production producer would.
     */
    private static void producePaced(
            List<SampleDecisions.Event> events, int slice, long pauseMillis) {
        Properties props = new Properties();
        props.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                endpoints.getProperty(LocalStack.KAFKA_BOOTSTRAP));
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "300000");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "300000");
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < events.size(); i += slice) {
                for (SampleDecisions.Event e :
                        events.subList(i, Math.min(events.size(), i + slice))) {
                    producer.send(new ProducerRecord<>(LocalStack.TOPIC, e.key(), e.value()));
                }
                producer.flush();
                Thread.sleep(pauseMillis);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("producer interrupted", e);
        }
    }

    // --------------------------------------------------------------------------- checkpoints

    private static void awaitCheckpointAfter(String jobId, long epochMillis) {
        await(
                "a checkpoint triggered after " + epochMillis,
                () ->
                        rest.checkpoints(jobId)
                                        .path("latest")
                                        .path("completed")
                                        .path("trigger_timestamp")
                                        .asLong(0)
                                > epochMillis,
                TIMEOUT);
    }

    private static long latestCompletedCheckpoint(String jobId) {
        return rest.checkpoints(jobId).path("latest").path("completed").path("id").asLong(0);
    }

    /** The trigger time of the newest checkpoint, whatever its state. */
    private static long latestTrigger(String jobId) {
        return rest.checkpoints(jobId).path("history").path(0).path("trigger_timestamp").asLong(0);
    }

    /** As {@link #await}, polling every 20 ms: for a moment that passes quickly. */
    private static void awaitFast(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + TIMEOUT + " waiting for " + what);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private static Map<String, Long> checkpointCounts(String jobId) {
        var counts = rest.checkpoints(jobId).path("counts");
        return Map.of(
                "total", counts.path("total").asLong(),
                "completed", counts.path("completed").asLong(),
                "failed", counts.path("failed").asLong(),
                "restored", counts.path("restored").asLong(),
                "in_progress", counts.path("in_progress").asLong());
    }

    /** The newest {@code chk-N} folder that holds a complete checkpoint's {@code _metadata}. */
    private static String latestCheckpoint(Path jobCheckpoints) throws IOException {
        try (Stream<Path> dirs = Files.list(jobCheckpoints)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("chk-"))
                    .filter(d -> Files.isRegularFile(d.resolve("_metadata")))
                    .map(d -> d.getFileName().toString())
                    .max(
                            (x, y) ->
                                    Long.compare(
                                            Long.parseLong(x.substring(4)),
                                            Long.parseLong(y.substring(4))))
                    .orElseThrow(
                            () -> new IllegalStateException("no checkpoint in " + jobCheckpoints));
        }
    }

    // ----------------------------------------------------------------------------------- util

    private static void await(String what, BooleanSupplier condition, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (condition.getAsBoolean()) {
                    return;
                }
            } catch (RuntimeException e) {
                last = e;
            }
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
    }

    /** As {@link #await}; a timeout also says where the job and its checkpoints stood. */
    private static void awaitDiagnosed(
            String jobId, String what, BooleanSupplier condition, Duration timeout) {
        try {
            await(what, condition, timeout);
        } catch (AssertionError e) {
            String state;
            try {
                state =
                        "job "
                                + rest.jobState(jobId)
                                + ", numRestarts "
                                + rest.jobMetric(jobId, "numRestarts")
                                + ", checkpoints "
                                + checkpointCounts(jobId)
                                + ", latest failed: "
                                + rest.checkpoints(jobId)
                                        .path("latest")
                                        .path("failed")
                                        .path("failure_message")
                                        .asText("none");
            } catch (RuntimeException unavailable) {
                state = "job state unavailable: " + unavailable;
            }
            throw new AssertionError(e.getMessage() + " (" + state + ")", e.getCause());
        }
    }

    /** A condition that counts as false while the REST endpoint cannot answer it. */
    private static boolean holds(BooleanSupplier condition) {
        try {
            return condition.getAsBoolean();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
