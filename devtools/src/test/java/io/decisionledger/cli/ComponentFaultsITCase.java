package io.decisionledger.cli;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
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

    /** What the ingest test left in the lake, for the compaction test after it. */
    private static final List<SampleDecisions.Event> producedAll = new ArrayList<>();

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
        CompletableFuture<Void> producing = produceInBackground(a.events());
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
        producing = produceInBackground(b.events());
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
        // and stays away while the next checkpoint is under way (triggered every 2 s)
        await(
                "a checkpoint under way while the store is down",
                () ->
                        checkpointCounts(jobId).get("in_progress") > 0
                                || latestTrigger(jobId) > killedAt,
                TIMEOUT);
        Thread.sleep(5000);
        Result s3Back = stack("start", "s3");
        assertThat(s3Back.exitCode()).as(s3Back.output()).isZero();
        double storeDown = seconds(t2);
        await("job running again", () -> rest.allTasksRunning(jobId), TIMEOUT);
        double s3Running = seconds(t2);
        producing.get(5, TimeUnit.MINUTES);
        track(b, produced, valid, quarantined);
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
        producing = produceInBackground(c.events());
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
    @Order(2)
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

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
