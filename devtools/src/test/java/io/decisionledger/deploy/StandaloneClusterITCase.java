package io.decisionledger.deploy;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.decisionledger.cli.LocalStack;
import io.decisionledger.decision.ReasonCode;
import io.decisionledger.testkit.FlinkRestClient;
import io.decisionledger.testkit.SampleDecisions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end where users run it: {@code deploy/local/stack.sh} starts a Kafka broker, s3proxy and a
 * Flink standalone session cluster (JobManager and TaskManager JVMs), submits the shaded job jar's
 * IngestJob with the lake and the checkpoints on {@code s3://}, and the test produces events, reads
 * the committed Parquet back with DuckDB from s3proxy's backing folder, checks the job's custom
 * metrics over the REST API, and kills the TaskManager with SIGKILL mid-stream: the job restores
 * from its S3 checkpoint on a new TaskManager and every Kafka record still ends up exactly once.
 *
 * <p>Metrics and the kill: counters live in the TaskManager and start again from 0 on the new one,
 * which re-reads everything after the restored checkpoint. So the metrics are checked twice where
 * that is sound: after phase 1 (no failure yet) they must equal what was produced; after the
 * recovery they must equal exactly the lake rows whose {@code ingest_time} is after the old
 * TaskManager died, since every record the new TaskManager processes is stamped by it and
 * committed, and nothing the old one processed is stamped later than its death. (This needs every
 * counter registered when the new attempt starts: the JobManager's metric store keeps serving a
 * failed attempt's value under any metric name its replacement has not registered, which is why
 * Quarantine registers its reasons up front.)
 */
class StandaloneClusterITCase {

    private static final Path STACK_DIR =
            Path.of(System.getProperty("decisionledger.stack.dir", "../deploy/local"))
                    .toAbsolutePath()
                    .normalize();
    private static final Duration COMMIT_TIMEOUT = Duration.ofMinutes(3);

    /**
     * After the kill the job restores, then re-reads and commits what the dead TaskManager left;
     * with the rest of the build beside it on two cores that took more than three minutes once.
     */
    private static final Duration AFTER_KILL_TIMEOUT = Duration.ofMinutes(6);

    private static final Pattern QUARANTINE_METRIC =
            Pattern.compile(".*\\.reason\\.([A-Z0-9_]+)\\.decisions_quarantined");

    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path work;

    private static Properties endpoints;
    private static FlinkRestClient rest;

    @BeforeAll
    static void killLeftoversOnAbort() {
        // stop in @AfterAll is the real path; this only covers an aborted test JVM.
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(StandaloneClusterITCase::killFromPidFiles, "kill-stack"));
    }

    @AfterAll
    static void stopStack() {
        List<ProcessHandle> started = pidFileProcesses();
        Result stop = stack("stop");
        assertThat(stop.exitCode()).as(stop.output()).isZero();
        // stop ended exactly the processes it started, and they are gone.
        assertThat(started).noneMatch(ProcessHandle::isAlive);
    }

    @Test
    void ingestsExactlyOnceOnAStandaloneClusterWithS3AcrossATaskManagerKill() throws Exception {
        // given the local stack, started as a user starts it
        long t0 = System.nanoTime();
        Result start = stack("start", "--free-ports");
        double clusterStart = seconds(t0);
        assertThat(start.exitCode()).as(start.output()).isZero();
        assertThat(start.output())
                .contains("s3     ready at", "kafka  ready at", "jobmanager ready at")
                .contains("taskmanager registered");
        endpoints = readEndpoints();
        // and the cluster configuration it wrote uses only options Flink knows
        assertThat(
                        FlinkOptionKeys.problems(
                                FlinkConfigurationTest.keys(
                                        work.resolve("flink/conf/config.yaml"))))
                .isEmpty();
        rest = new FlinkRestClient(endpoints.getProperty(LocalStack.FLINK_REST));
        Result status = stack("status");
        assertThat(status.exitCode()).as(status.output()).isZero();
        assertThat(rest.taskManagerIds()).hasSize(1);
        Path lake = Path.of(endpoints.getProperty(LocalStack.S3_DATA_DIR), "ledger", "lake");
        String audit = table(lake.resolve("audit/decisions"));
        String quarantine = table(lake.resolve("quarantine"));

        // and IngestJob submitted from the shaded jar, lake and checkpoints on s3://
        long t1 = System.nanoTime();
        Result submit =
                stack("submit", "--checkpoint-interval", "PT2S", "--group-id", "e2e-ingest");
        double submitToRunning = seconds(t1);
        assertThat(submit.exitCode()).as(submit.output()).isZero();
        String jobId = jobId(submit.output());
        assertThat(rest.jobState(jobId)).isEqualTo("RUNNING");
        assertThat(rest.vertices(jobId).keySet())
                .anyMatch(name -> name.contains("kafka-decisions"))
                .anyMatch(name -> name.contains("dedup-link-chain"))
                .anyMatch(name -> name.contains("quarantine-sink"));

        // when phase 1 is produced: valid, malformed and re-sent events
        SampleDecisions.Sample a = SampleDecisions.generate(101, 3000, 110, 60, Instant.now());
        long t2 = System.nanoTime();
        SampleDecisions.produce(bootstrap(), LocalStack.TOPIC, a.events());
        awaitCount("phase 1 audit rows", audit, 3000, COMMIT_TIMEOUT);
        awaitCount("phase 1 quarantine rows", quarantine, a.quarantinedTotal(), COMMIT_TIMEOUT);
        double produceToCommitted = seconds(t2);

        // then the lake holds exactly phase 1, as DuckDB reads it
        assertThat(eventIds(audit)).isEqualTo(sortedIds(a.valid()));
        assertThat(perTenant(audit)).isEqualTo(new TreeMap<>(a.acceptedPerTenant()));
        assertThat(perReason(quarantine, null))
                .isEqualTo(expectedPerReason(a.quarantinedPerReason()));

        // and the custom metrics, read over the REST API, count exactly what was produced
        JobMetrics expected1 =
                new JobMetrics(
                        3000,
                        a.quarantinedPerReason().get(ReasonCode.DUPLICATE_EVENT_ID),
                        expectedPerReason(a.quarantinedPerReason()));
        assertThat(awaitMetrics(jobId, () -> expected1))
                .as(() -> rawCounters(jobId))
                .isEqualTo(expected1);

        // when a small batch follows, the job now warm (its first records pay for class loading,
        // JIT, the S3 client and a Parquet writer per partition)
        SampleDecisions.Sample w = SampleDecisions.generate(303, 500, 0, 0, Instant.now());
        long tw = System.nanoTime();
        SampleDecisions.produce(bootstrap(), LocalStack.TOPIC, w.events());
        awaitCount("warm batch audit rows", audit, 3500, COMMIT_TIMEOUT);
        double warmProduceToCommitted = seconds(tw);

        // when phase 2 is produced at a steady pace, with re-sends of phase 1 events, and the
        // TaskManager is killed (SIGKILL) once a checkpoint has covered part of it
        SampleDecisions.Sample b = SampleDecisions.generate(202, 10_000, 55, 100, Instant.now());
        List<SampleDecisions.Event> phase2 = new ArrayList<>(b.events());
        phase2.addAll(a.valid().subList(0, 50));
        long phase2Start = System.currentTimeMillis();
        CompletableFuture<Void> producer =
                CompletableFuture.runAsync(() -> producePaced(phase2, 100, 100));
        await(
                "a checkpoint during phase 2 and some of it committed",
                () ->
                        latestCompletedCheckpointTrigger(jobId) > phase2Start + 2000
                                && safeCount(audit) > 3500,
                COMMIT_TIMEOUT);
        long committedBeforeKill = safeCount(audit);
        ProcessHandle taskManager = taskManagerProcess();
        long t3 = System.nanoTime();
        taskManager.destroyForcibly();
        assertThat(taskManager.onExit().get(30, TimeUnit.SECONDS).isAlive()).isFalse();
        // Nothing the old TaskManager stamped can be later than this.
        Instant oldTaskManagerGone = Instant.now();
        boolean producerRunningAtKill = !producer.isDone();
        Path bucket = Path.of(endpoints.getProperty(LocalStack.S3_DATA_DIR), "ledger");
        List<String> checkpointsOnS3 = completedCheckpoints(bucket.resolve("checkpoints/" + jobId));

        Result down = stack("status", "flink");
        assertThat(down.exitCode()).as(down.output()).isEqualTo(3);
        Result restart = stack("start", "flink");
        assertThat(restart.exitCode()).as(restart.output()).isZero();
        assertThat(restart.output())
                .contains("jobmanager already running")
                .contains("taskmanager registered");
        await("job running again", () -> rest.allTasksRunning(jobId), COMMIT_TIMEOUT);
        double killToRunning = seconds(t3);
        JsonNode restored = rest.checkpoints(jobId).path("latest").path("restored");
        long restoredId = restored.path("id").asLong();
        await(
                "a checkpoint after the restore",
                () ->
                        rest.checkpoints(jobId).path("latest").path("completed").path("id").asLong()
                                > restoredId,
                COMMIT_TIMEOUT);
        double killToCheckpoint = seconds(t3);
        producer.get(5, TimeUnit.MINUTES);
        long validTotal = 3000 + 500 + 10_000;
        Supplier<String> jobNow = () -> jobDiagnosis(rest, jobId);
        awaitCount("all audit rows", audit, validTotal, AFTER_KILL_TIMEOUT, jobNow);
        double killToAllCommitted = seconds(t3);
        long quarantineTotal = a.quarantinedTotal() + b.quarantinedTotal() + 50;
        awaitCount("all quarantine rows", quarantine, quarantineTotal, AFTER_KILL_TIMEOUT, jobNow);

        // then the job restored from its S3 checkpoint
        String restoredPath = restored.path("external_path").asText();
        assertThat(restoredPath).startsWith("s3://ledger/checkpoints/" + jobId + "/chk-");
        assertThat(restored.path("is_savepoint").asBoolean()).isFalse();
        // one that was complete in the bucket when the TaskManager died (it is deleted once two
        // newer ones complete, so it is looked up in the listing taken then)
        assertThat(checkpointsOnS3)
                .contains(restoredPath.substring(restoredPath.lastIndexOf('/') + 1));
        assertThat(committedBeforeKill).isBetween(3501L, validTotal - 1);
        // the TaskManager's loss and its consequences only: the job did not crash-loop on its
        // restored state. How the loss is reported depends on who notices first (the JobManager:
        // JobMasterException "no longer reachable", the ResourceManager: ResourceManagerException,
        // a heartbeat TimeoutException), and until the new TaskManager registers each restart
        // fails for want of slots (NoResourceAvailableException; 7 of them at load 30). A failure
        // to restore an operator's state is none of these: it surfaces as the operator's or the
        // state backend's exception, outside Flink's runtime package.
        assertThat(rest.jobMetric(jobId, "numRestarts")).isGreaterThanOrEqualTo(1.0);
        assertThat(failureCauses(rest, jobId))
                .isNotEmpty()
                .allMatch(
                        StandaloneClusterITCase::isTaskManagerLossOrItsAftermath,
                        "the TaskManager's loss, or no slots until its successor registered");

        // and every event id is stored exactly once, re-sends across the restart included
        List<String> expectedIds = new ArrayList<>(sortedIds(a.valid()));
        expectedIds.addAll(sortedIds(w.valid()));
        expectedIds.addAll(sortedIds(b.valid()));
        expectedIds.sort(null);
        assertThat(eventIds(audit)).hasSize((int) validTotal).isEqualTo(expectedIds);
        Map<String, Long> reasons = new TreeMap<>(expectedPerReason(a.quarantinedPerReason()));
        expectedPerReason(b.quarantinedPerReason())
                .forEach((k, v) -> reasons.merge(k, v, Long::sum));
        reasons.merge(ReasonCode.DUPLICATE_EVENT_ID.name(), 50L, Long::sum);
        assertThat(perReason(quarantine, null)).isEqualTo(reasons);

        // and every Kafka record is in exactly one of audit or quarantine
        long produced = a.events().size() + w.events().size() + phase2.size();
        Map<String, Object> coverage =
                query(
                                "SELECT count(*) AS records, count(DISTINCT source_partition || ':' ||"
                                        + " source_offset) AS distinct_offsets FROM (SELECT"
                                        + " source_partition, source_offset FROM "
                                        + audit
                                        + " UNION ALL SELECT source_partition, source_offset FROM "
                                        + quarantine
                                        + ")")
                        .get(0);
        assertThat(((Number) coverage.get("records")).longValue()).isEqualTo(produced);
        assertThat(((Number) coverage.get("distinct_offsets")).longValue()).isEqualTo(produced);

        // and the new TaskManager's counters equal exactly the rows it stamped
        long afterKillMicros = ChronoUnit.MICROS.between(Instant.EPOCH, oldTaskManagerGone);
        String stampedAfter = " WHERE epoch_us(ingest_time) > " + afterKillMicros;
        Supplier<JobMetrics> lakeAfterKill =
                () ->
                        new JobMetrics(
                                count("SELECT count(*) FROM " + audit + stampedAfter),
                                perReason(quarantine, stampedAfter)
                                        .getOrDefault(ReasonCode.DUPLICATE_EVENT_ID.name(), 0L),
                                perReason(quarantine, stampedAfter));
        JobMetrics afterRecovery = awaitMetrics(jobId, lakeAfterKill);
        assertThat(afterRecovery).as(() -> rawCounters(jobId)).isEqualTo(lakeAfterKill.get());
        assertThat(afterRecovery.accepted()).isPositive();

        // when IngestJob is cancelled and MetricsJob rebuilds the read model from the S3 lake, in
        // batch, on the same cluster
        rest.cancel(jobId);
        await("ingest cancelled", () -> rest.jobState(jobId).equals("CANCELED"), COMMIT_TIMEOUT);
        long t4 = System.nanoTime();
        Result metricsSubmit =
                stack(
                        "submit",
                        "--class",
                        "io.decisionledger.metrics.MetricsJob",
                        "--no-wait",
                        "--source",
                        "lake",
                        "--lake",
                        LocalStack.LAKE);
        assertThat(metricsSubmit.exitCode()).as(metricsSubmit.output()).isZero();
        String metricsJobId = jobId(metricsSubmit.output());
        await(
                "MetricsJob finished",
                () -> {
                    String state = rest.jobState(metricsJobId);
                    assertThat(state).isNotIn("FAILED", "CANCELED");
                    return state.equals("FINISHED");
                },
                COMMIT_TIMEOUT);
        double metricsRebuild = seconds(t4);

        // then its daily rows (current revision per window) add up to every stored decision
        String metrics = table(lake.resolve("metrics/decision_metrics"));
        assertThat(
                        count(
                                "SELECT sum(total_decisions) FROM (SELECT total_decisions FROM "
                                        + metrics
                                        + " WHERE granularity = '1d' QUALIFY row_number() OVER"
                                        + " (PARTITION BY tenant_id, model, model_version,"
                                        + " window_start ORDER BY revision DESC) = 1)"))
                .isEqualTo(validTotal);

        System.out.printf(
                "%n[e2e] cluster start (s3proxy, Kafka, Flink JobManager + TaskManager): %.1f s%n"
                        + "[e2e] submission (jar upload, main on the JobManager) to all tasks running: %.1f s%n"
                        + "[e2e] produce %d records to all of them committed and readable: %.1f s (job just"
                        + " started); %d more, job warm: %.1f s%n"
                        + "[e2e] TaskManager SIGKILL (producer %s, %d of %d rows committed) to: job"
                        + " running again %.1f s, first checkpoint after the restore %.1f s, all %d"
                        + " rows committed %.1f s%n"
                        + "[e2e] restored from %s; new TaskManager counted %s%n"
                        + "[e2e] MetricsJob rebuild from the S3 lake (batch), submit to finished: %.1f s%n"
                        + "[e2e] %d lake polls with DuckDB, %.0f ms each on average%n%n",
                clusterStart,
                submitToRunning,
                a.events().size(),
                produceToCommitted,
                w.events().size(),
                warmProduceToCommitted,
                producerRunningAtKill ? "still producing" : "done producing",
                committedBeforeKill,
                validTotal,
                killToRunning,
                killToCheckpoint,
                validTotal,
                killToAllCommitted,
                restoredPath,
                afterRecovery,
                metricsRebuild,
                LAKE_POLLS.get(),
                LAKE_POLL_NANOS.get() / 1e6 / Math.max(1, LAKE_POLLS.get()));
    }

    // ------------------------------------------------------------------------- the stack script

    /** The exit code and the combined output of one {@code stack.sh} run. */
    record Result(int exitCode, String output) {}

    static Result stack(String... args) {
        List<String> command =
                new ArrayList<>(List.of("bash", STACK_DIR.resolve("stack.sh").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("--work", work.toString()));
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            CompletableFuture<String> output =
                    CompletableFuture.supplyAsync(
                            () -> {
                                try (InputStream in = p.getInputStream()) {
                                    return new String(in.readAllBytes(), StandardCharsets.UTF_8);
                                } catch (IOException e) {
                                    throw new IllegalStateException(e);
                                }
                            });
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IllegalStateException("stack.sh " + String.join(" ", args) + " hung");
            }
            String text = output.get(10, TimeUnit.SECONDS);
            System.out.print("$ stack.sh " + String.join(" ", args) + "\n" + text);
            return new Result(p.exitValue(), text);
        } catch (Exception e) {
            throw new IllegalStateException("could not run stack.sh " + String.join(" ", args), e);
        }
    }

    private static Properties readEndpoints() throws IOException {
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(work.resolve("stack.properties"))) {
            p.load(in);
        }
        return p;
    }

    private static String bootstrap() {
        return endpoints.getProperty(LocalStack.KAFKA_BOOTSTRAP);
    }

    private static String jobId(String submitOutput) {
        Matcher m = Pattern.compile("job-id=([0-9a-f]{32})").matcher(submitOutput);
        assertThat(m.find()).as(submitOutput).isTrue();
        return m.group(1);
    }

    private static ProcessHandle taskManagerProcess() throws IOException {
        long pid = Long.parseLong(Files.readString(work.resolve("flink/taskmanager.pid")).strip());
        ProcessHandle tm = ProcessHandle.of(pid).orElseThrow();
        assertThat(tm.info().commandLine().orElse(""))
                .contains("org.apache.flink.runtime.taskexecutor.TaskManagerRunner");
        return tm;
    }

    private static List<ProcessHandle> pidFileProcesses() {
        if (work == null || !Files.isDirectory(work)) {
            return List.of();
        }
        // Pid files sit two levels down (kafka/broker.pid, flink/taskmanager.pid, ...); deeper is
        // the services' data, which s3proxy and Kafka change while we look (a vanished multipart
        // upload folder would fail a full walk).
        try (Stream<Path> files = Files.find(work, 2, (f, attrs) -> attrs.isRegularFile())) {
            return files.filter(f -> f.getFileName().toString().endsWith(".pid"))
                    .map(
                            f -> {
                                try {
                                    return ProcessHandle.of(
                                            Long.parseLong(Files.readString(f).strip()));
                                } catch (IOException | NumberFormatException e) {
                                    throw new IllegalStateException("bad pid file " + f, e);
                                }
                            })
                    .flatMap(java.util.Optional::stream)
                    .filter(ProcessHandle::isAlive)
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void killFromPidFiles() {
        pidFileProcesses().stream()
                .filter(
                        p ->
                                p.info()
                                        .commandLine()
                                        .map(c -> c.contains(work.toString()))
                                        .orElse(false))
                .forEach(ProcessHandle::destroyForcibly);
    }

    // ------------------------------------------------------------------------------- producing

    /** Sends events in slices of {@code slice} every {@code pauseMillis}, like a live producer. */
    private static void producePaced(
            List<SampleDecisions.Event> events, int slice, long pauseMillis) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "10");
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

    // ------------------------------------------------------------------------ reading the lake

    private static List<String> sortedIds(List<SampleDecisions.Event> events) {
        return events.stream().map(SampleDecisions.Event::eventId).sorted().toList();
    }

    private static List<String> eventIds(String audit) {
        return query("SELECT event_id FROM " + audit + " ORDER BY event_id").stream()
                .map(r -> (String) r.get("event_id"))
                .toList();
    }

    private static Map<String, Long> perTenant(String audit) {
        return counts("SELECT tenant_id AS k, count(*) AS n FROM " + audit + " GROUP BY 1");
    }

    /** Quarantined rows per reason code, optionally filtered by a WHERE clause. */
    private static Map<String, Long> perReason(String quarantine, String where) {
        return counts(
                "SELECT reason_code AS k, count(*) AS n FROM "
                        + quarantine
                        + (where == null ? "" : where)
                        + " GROUP BY 1");
    }

    private static Map<String, Long> counts(String sql) {
        return query(sql).stream()
                .collect(
                        Collectors.toMap(
                                r -> (String) r.get("k"),
                                r -> ((Number) r.get("n")).longValue(),
                                Long::sum,
                                TreeMap::new));
    }

    private static Map<String, Long> expectedPerReason(Map<ReasonCode, Long> perReason) {
        Map<String, Long> m = new TreeMap<>();
        perReason.forEach((k, v) -> m.put(k.name(), v));
        return m;
    }

    /**
     * A count that tolerates a file being written while DuckDB globs (s3proxy writes a completed
     * multipart upload in place): -1 until the lake can be read.
     */
    private static long safeCount(String table) {
        long t0 = System.nanoTime();
        try {
            return count("SELECT count(*) FROM " + table);
        } catch (RuntimeException e) {
            return -1;
        } finally {
            LAKE_POLLS.incrementAndGet();
            LAKE_POLL_NANOS.addAndGet(System.nanoTime() - t0);
        }
    }

    private static final java.util.concurrent.atomic.AtomicLong LAKE_POLLS =
            new java.util.concurrent.atomic.AtomicLong();
    private static final java.util.concurrent.atomic.AtomicLong LAKE_POLL_NANOS =
            new java.util.concurrent.atomic.AtomicLong();

    private static void awaitCount(String what, String table, long expected, Duration timeout) {
        awaitCount(what, table, expected, timeout, () -> "");
    }

    /** As above; a timeout says how far the count got and what {@code diagnosis} tells then. */
    private static void awaitCount(
            String what,
            String table,
            long expected,
            Duration timeout,
            Supplier<String> diagnosis) {
        try {
            await(what + " = " + expected, () -> safeCount(table) >= expected, timeout);
        } catch (AssertionError e) {
            throw new AssertionError(
                    e.getMessage() + " (last count " + safeCount(table) + ") " + diagnosis.get(),
                    e.getCause());
        }
        assertThat(count("SELECT count(*) FROM " + table)).as(what).isEqualTo(expected);
    }

    /** The job's state, restarts, latest checkpoints and failure history, for a timeout message. */
    private static String jobDiagnosis(FlinkRestClient rest, String jobId) {
        try {
            JsonNode latest = rest.checkpoints(jobId).path("latest");
            return "job "
                    + rest.jobState(jobId)
                    + ", numRestarts "
                    + rest.jobMetric(jobId, "numRestarts")
                    + ", latest completed checkpoint "
                    + latest.path("completed").path("id").asText("none")
                    + ", latest failed "
                    + latest.path("failed").path("id").asText("none")
                    + " ("
                    + latest.path("failed").path("failure_message").asText("")
                    + "), failures "
                    + failureCauses(rest, jobId);
        } catch (RuntimeException e) {
            return "job state unavailable: " + e;
        }
    }

    /** The {@code chk-N} folders of a job that hold a checkpoint's {@code _metadata}. */
    private static List<String> completedCheckpoints(Path jobCheckpoints) throws IOException {
        try (Stream<Path> dirs = Files.list(jobCheckpoints)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("chk-"))
                    .filter(d -> Files.isRegularFile(d.resolve("_metadata")))
                    .map(d -> d.getFileName().toString())
                    .sorted()
                    .toList();
        }
    }

    private static long latestCompletedCheckpointTrigger(String jobId) {
        return rest.checkpoints(jobId)
                .path("latest")
                .path("completed")
                .path("trigger_timestamp")
                .asLong(0);
    }

    // ------------------------------------------------------------------------------- metrics

    /** The job's custom counters, summed over subtasks. */
    record JobMetrics(long accepted, long duplicates, Map<String, Long> quarantinedPerReason) {}

    private static JobMetrics metrics(String jobId) {
        long accepted = 0;
        long duplicates = 0;
        Map<String, Long> quarantined = new TreeMap<>();
        for (String vertex : rest.vertices(jobId).values()) {
            List<String> names =
                    rest.vertexMetricNames(jobId, vertex).stream()
                            .filter(
                                    n ->
                                            n.endsWith(".decisions_accepted")
                                                    || n.endsWith(".decisions_duplicate")
                                                    || n.endsWith(".decisions_quarantined"))
                            .toList();
            for (Map.Entry<String, Double> m :
                    rest.vertexMetricSums(jobId, vertex, names).entrySet()) {
                long value = Math.round(m.getValue());
                Matcher reason = QUARANTINE_METRIC.matcher(m.getKey());
                if (m.getKey().endsWith(".decisions_accepted")) {
                    accepted += value;
                } else if (m.getKey().endsWith(".decisions_duplicate")) {
                    duplicates += value;
                } else if (reason.matches() && value > 0) {
                    quarantined.merge(reason.group(1), value, Long::sum);
                }
            }
        }
        return new JobMetrics(accepted, duplicates, quarantined);
    }

    /** Every subtask's custom counters as the REST API shows them, for failure messages. */
    private static String rawCounters(String jobId) {
        StringBuilder text = new StringBuilder("counters per subtask:\n");
        rest.vertices(jobId)
                .forEach(
                        (name, vertex) -> {
                            JsonNode job = rest.job(jobId);
                            int parallelism = 0;
                            for (JsonNode v : job.path("vertices")) {
                                if (v.path("id").asText().equals(vertex)) {
                                    parallelism = v.path("parallelism").asInt();
                                }
                            }
                            for (int i = 0; i < parallelism; i++) {
                                String base =
                                        "/jobs/" + jobId + "/vertices/" + vertex + "/subtasks/" + i;
                                List<String> names = new ArrayList<>();
                                rest.get(base + "/metrics")
                                        .forEach(m -> names.add(m.path("id").asText()));
                                String wanted =
                                        names.stream()
                                                .filter(n -> n.contains(".decisions_"))
                                                .collect(Collectors.joining(","));
                                text.append(name).append(" #").append(i).append(": ");
                                if (!wanted.isEmpty()) {
                                    text.append(rest.get(base + "/metrics?get=" + wanted));
                                }
                                text.append('\n');
                            }
                        });
        return text.toString();
    }

    /**
     * Polls the REST metrics until they equal {@code expected} (the JobManager fetches them from
     * the TaskManager every second), then returns them; on timeout returns the last values, which
     * the caller's assertion then reports.
     */
    private static JobMetrics awaitMetrics(String jobId, Supplier<JobMetrics> expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        JobMetrics last = metrics(jobId);
        while (!last.equals(expected.get()) && System.nanoTime() < deadline) {
            sleep(500);
            last = metrics(jobId);
        }
        return last;
    }

    // ----------------------------------------------------------------------------------- util

    /**
     * Polls once a second: a DuckDB glob over the lake costs a few hundred milliseconds of CPU,
     * which on two cores is taken from the cluster under test.
     */
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
            sleep(1000);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what, last);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    /** A failure the JobManager or ResourceManager reports for a lost TaskManager. */
    private static boolean isTaskManagerLossOrItsAftermath(String exceptionClass) {
        return exceptionClass.startsWith("org.apache.flink.runtime.")
                || exceptionClass.equals("java.util.concurrent.TimeoutException");
    }

    /**
     * The exception class of each failure in the job's exception history, oldest first. A failure
     * reported as a {@code CompletionException} or {@code ExecutionException} (a restart that found
     * no slots comes wrapped so) is named by its root cause, from the entry's stack trace.
     */
    private static List<String> failureCauses(FlinkRestClient rest, String jobId) {
        List<String> causes = new ArrayList<>();
        for (JsonNode entry :
                rest.get("/jobs/" + jobId + "/exceptions")
                        .path("exceptionHistory")
                        .path("entries")) {
            causes.add(0, rootCause(entry));
        }
        return causes;
    }

    static String rootCause(JsonNode entry) {
        String name = entry.path("exceptionName").asText();
        if (!WRAPPERS.contains(name)) {
            return name;
        }
        String root = name;
        Matcher causedBy = CAUSED_BY.matcher(entry.path("stacktrace").asText(""));
        while (causedBy.find()) {
            root = causedBy.group(1);
        }
        return root;
    }

    private static final java.util.Set<String> WRAPPERS =
            java.util.Set.of(
                    "java.util.concurrent.CompletionException",
                    "java.util.concurrent.ExecutionException");
    private static final Pattern CAUSED_BY = Pattern.compile("(?m)^Caused by: ([\\w.$]+)(?::|$)");
}
