package io.decisionledger.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.decisionledger.compaction.CompactionJob;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.ingest.IngestOptions;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.MeteredFileSink;
import io.decisionledger.metrics.MetricsJob;
import io.decisionledger.metrics.MetricsOptions;
import io.decisionledger.monitoring.RunMetricsPublisher;
import io.decisionledger.options.Exit;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testkit.KafkaBrokerExtension;
import io.decisionledger.testkit.SampleDecisions;
import io.decisionledger.verify.VerifyJob;
import io.decisionledger.verify.VerifyRunner;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.util.TestStreamEnvironment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves deploy/monitoring against the real jobs. IngestJob (real Kafka broker, RocksDB, the
 * production sinks) and the live MetricsJob run on a MiniCluster with Flink's Prometheus reporter
 * configured as deploy/flink/config.yaml configures it; the test scrapes the reporter's endpoint
 * over HTTP and fails when any series a dashboard panel or alert rule reads does not exist under
 * that name with those labels (and the labels it groups by). The batch path: a compaction run and a
 * verification of the lake the ingest job wrote push their run metrics to a recording HTTP endpoint
 * in this test that stands in for the Pushgateway (no Pushgateway binary is part of the build); the
 * {@code decision_ledger_*} series the dashboard and rules read must be in what they pushed.
 */
class MonitoringITCase {

    private static final int PROMETHEUS_PORT = freePort();

    /**
     * Its own MiniCluster rather than the shared extension: the extension binds environments to its
     * cluster only around each test, and the jobs here run before all of them.
     */
    private static MiniCluster cluster;

    private static final String TOPIC = "decisions-monitoring";

    @TempDir static Path work;

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
    private static List<PrometheusText.Series> scraped;
    private static final List<Push> pushes = new CopyOnWriteArrayList<>();

    /** What the verification printed (its summary line), for the assertions' messages. */
    private static String verifyLog = "";

    /** Bytes of the audit and quarantine files in the lake when it is verified. */
    private static long verifiedBytes;

    /** What the stand-in Pushgateway received. */
    record Push(String method, String path, String body) {}

    /** The reporter as deploy/flink/config.yaml sets it, plus the RocksDB gauges it enables. */
    private static Configuration clusterConfiguration() {
        Configuration conf = new Configuration();
        conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
        conf.setString(
                "metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        conf.setString("metrics.reporter.prom.port", String.valueOf(PROMETHEUS_PORT));
        conf.setString("metrics.reporter.prom.interval", "1 s");
        rocksDb(conf);
        return conf;
    }

    /** State on RocksDB with the native metrics deploy/flink/config.yaml turns on. */
    private static void rocksDb(Configuration conf) {
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.setString("state.backend.rocksdb.metrics.estimate-num-keys", "true");
        conf.setString("state.backend.rocksdb.metrics.estimate-live-data-size", "true");
        conf.setString("state.backend.rocksdb.metrics.total-sst-files-size", "true");
        conf.setString("state.backend.rocksdb.metrics.column-family-as-variable", "true");
    }

    @BeforeAll
    static void runTheJobsAndScrapeThem() throws Exception {
        cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(clusterConfiguration())
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(4)
                                .build());
        cluster.start();
        TestStreamEnvironment.setAsContext(cluster, 2);
        KAFKA.broker().createTopic(TOPIC, 1);
        // given decisions over the last three days, malformed records and re-sends
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        SampleDecisions.Sample sample = SampleDecisions.generate(21, 300, 12, 15, now);
        IngestRun.produce(KAFKA.broker().bootstrapServers(), TOPIC, sample.events());
        Path lake = work.resolve("lake");

        // when IngestJob and the live MetricsJob run on it
        IngestOptions ingest =
                IngestOptions.parse(
                        new String[] {
                            "--bootstrap-servers",
                            KAFKA.broker().bootstrapServers(),
                            "--topic",
                            TOPIC,
                            "--group-id",
                            "monitoring-ingest",
                            "--starting-offsets",
                            "earliest",
                            "--lake",
                            lake.toUri().toString(),
                            "--checkpoint-interval",
                            "PT0.5S",
                            "--earliest-event-time",
                            "2000-01-01T00:00:00Z",
                            "--pseudonym-key-file",
                            IngestRun.testKeyFile().toString()
                        });
        StreamExecutionEnvironment ingestEnv = environment(2);
        IngestJob.configureEnvironment(ingestEnv, ingest);
        IngestJob.fromOptions(ingest).build(ingestEnv);
        JobClient ingestJob = ingestEnv.executeAsync(IngestJob.JOB_NAME);

        MetricsOptions metrics =
                MetricsOptions.parse(
                        new String[] {
                            "--bootstrap-servers", KAFKA.broker().bootstrapServers(),
                            "--topic", TOPIC,
                            "--group-id", "monitoring-metrics",
                            "--starting-offsets", "earliest",
                            "--lake", work.resolve("read-model").toUri().toString(),
                            "--checkpoint-interval", "PT0.5S",
                            "--max-out-of-orderness", "PT30S",
                            "--allowed-lateness", "PT1H"
                        });
        StreamExecutionEnvironment metricsEnv = environment(1);
        MetricsJob.configureEnvironment(metricsEnv, metrics);
        MetricsJob.fromOptions(metrics).build(metricsEnv);
        JobClient metricsJob = metricsEnv.executeAsync(MetricsJob.JOB_NAME);
        try {
            // once both have read the sample and the metrics job's watermark is near now
            awaitScrape(
                    "IngestJob stored the sample and MetricsJob's watermark reached it",
                    s ->
                            ingest(s, "flink_taskmanager_job_task_operator_decisions_accepted")
                                            == 300
                                    && sum(s, "flink_jobmanager_job_numberOfCompletedCheckpoints")
                                            > 2
                                    && watermark(s) > now.minusSeconds(3600).toEpochMilli());
            // a decision late within the allowed hour and one hours too late for its windows
            IngestRun.produce(
                    KAFKA.broker().bootstrapServers(),
                    TOPIC,
                    List.of(
                            SampleDecisions.eventAt(99, 1, "bank_456", now.minusSeconds(600)),
                            SampleDecisions.eventAt(
                                    99, 2, "bank_456", now.minusSeconds(4 * 3600))));
            // then every series exists, the late counters included
            scraped =
                    awaitScrape(
                            "MetricsJob counted the late and the too-late decision",
                            s ->
                                    sum(
                                                            s,
                                                            "flink_taskmanager_job_task_operator_late_events_corrected")
                                                    >= 1
                                            && sum(
                                                            s,
                                                            "flink_taskmanager_job_task_operator_late_events_too_late")
                                                    >= 1
                                            && ingest(
                                                            s,
                                                            "flink_taskmanager_job_task_operator_decisions_accepted")
                                                    >= 302);
            Files.writeString(
                    Path.of("target/monitoring-scrape.txt"), scrapeText(), StandardCharsets.UTF_8);
        } finally {
            ingestJob.cancel().get(60, TimeUnit.SECONDS);
            metricsJob.cancel().get(60, TimeUnit.SECONDS);
        }

        // and the batch jobs report their runs to the stand-in Pushgateway
        HttpServer gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext(
                "/",
                exchange -> {
                    pushes.add(
                            new Push(
                                    exchange.getRequestMethod(),
                                    exchange.getRequestURI().getPath(),
                                    new String(
                                            exchange.getRequestBody().readAllBytes(),
                                            StandardCharsets.UTF_8)));
                    exchange.sendResponseHeaders(200, -1);
                    exchange.close();
                });
        gateway.start();
        String url = "http://127.0.0.1:" + gateway.getAddress().getPort();
        try {
            PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true);
            PrintStream out = System.out;
            System.setOut(quiet);
            try {
                // through main, as the CronJob's FlinkDeployment starts it (options, push)
                Exit.Captured run =
                        Exit.capture(
                                () ->
                                        CompactionJob.main(
                                                new String[] {
                                                    "--lake",
                                                    lake.toUri().toString(),
                                                    "--as-of",
                                                    now.atZone(ZoneOffset.UTC)
                                                            .toLocalDate()
                                                            .toString(),
                                                    "--run-id",
                                                    "monitoring",
                                                    "--no-legal-holds",
                                                    "--pushgateway-url",
                                                    url
                                                }));
                assertThat(run.code()).as(run.err()).isZero();
            } finally {
                System.setOut(out);
            }
            verifiedBytes =
                    java.util.stream.Stream.concat(
                                    LakeFiles.parquetFiles(
                                            LakeLayout.at(lake.toUri().toString()).auditDecisions())
                                            .stream(),
                                    LakeFiles.parquetFiles(
                                            LakeLayout.at(lake.toUri().toString()).quarantine())
                                            .stream())
                            .mapToLong(org.apache.flink.core.fs.FileStatus::getLen)
                            .sum();
            VerifyJob.Options verify =
                    new VerifyJob.Options(
                            LakeLayout.at(lake.toUri().toString()),
                            null,
                            work.resolve("verify.json"),
                            null);
            ByteArrayOutputStream verifyOutput = new ByteArrayOutputStream();
            new VerifyRunner(verify)
                    .runAndReport(
                            environment(2),
                            new PrintStream(verifyOutput, true, StandardCharsets.UTF_8),
                            new RunMetricsPublisher.Target(URI.create(url), null));
            verifyLog = verifyOutput.toString(StandardCharsets.UTF_8);
        } finally {
            gateway.stop(0);
        }
    }

    @AfterAll
    static void stopCluster() throws Exception {
        TestStreamEnvironment.unsetAsContext();
        if (cluster != null) {
            cluster.close();
        }
    }

    private static StreamExecutionEnvironment environment(int parallelism) {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        rocksDb(conf);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(parallelism);
        return env;
    }

    @Test
    void everySeriesADashboardPanelOrAlertReadsIsExposedByTheStreamingJobs() {
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (MonitoringFiles.Expr e : MonitoringFiles.expressions()) {
            PromQlSelectors.Parsed parsed = PromQlSelectors.parse(e.promql());
            List<PrometheusText.Series> matched = new ArrayList<>();
            for (PromQlSelectors.Selector s : parsed.selectors()) {
                if (!s.metric().startsWith("flink_")) {
                    continue; // pushed by the batch runs: see the next test
                }
                checked++;
                List<PrometheusText.Series> hits =
                        scraped.stream().filter(x -> s.matches(x.name(), x.labels())).toList();
                if (hits.isEmpty()) {
                    missing.add(e.where() + ": " + s);
                }
                matched.addAll(hits);
            }
            if (!matched.isEmpty()) {
                for (String label : parsed.groupingLabels()) {
                    if (matched.stream().noneMatch(x -> x.labels().containsKey(label))) {
                        missing.add(e.where() + ": label '" + label + "' on " + parsed.selectors());
                    }
                }
            }
        }
        assertThat(missing)
                .as("series not exposed (scrape in target/monitoring-scrape.txt)")
                .isEmpty();
        assertThat(checked).isGreaterThanOrEqualTo(30);
    }

    @Test
    void everyRunSeriesADashboardPanelOrAlertReadsIsPushedByTheBatchRuns() {
        assertThat(pushes)
                .extracting(Push::method, Push::path)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "PUT", "/metrics/job/decision_ledger_compaction"),
                        org.assertj.core.groups.Tuple.tuple(
                                "PUT", "/metrics/job/decision_ledger_verify"));
        List<PrometheusText.Series> pushed = new ArrayList<>();
        pushes.forEach(p -> pushed.addAll(PrometheusText.parse(p.body())));
        List<String> missing = new ArrayList<>();
        int checked = 0;
        for (MonitoringFiles.Expr e : MonitoringFiles.expressions()) {
            PromQlSelectors.Parsed parsed = PromQlSelectors.parse(e.promql());
            List<PrometheusText.Series> matched = new ArrayList<>();
            for (PromQlSelectors.Selector s : parsed.selectors()) {
                if (!s.metric().startsWith("decision_ledger_")) {
                    continue;
                }
                checked++;
                List<PrometheusText.Series> hits =
                        pushed.stream().filter(x -> s.matches(x.name(), x.labels())).toList();
                if (hits.isEmpty()) {
                    missing.add(e.where() + ": " + s);
                }
                matched.addAll(hits);
            }
            for (String label : parsed.groupingLabels()) {
                if (!matched.isEmpty()
                        && matched.stream().noneMatch(x -> x.labels().containsKey(label))) {
                    missing.add(e.where() + ": label '" + label + "'");
                }
            }
        }
        assertThat(missing).isEmpty();
        assertThat(checked).isGreaterThanOrEqualTo(15);
    }

    @Test
    void theRunsPushRealValues() {
        List<PrometheusText.Series> compaction = PrometheusText.parse(pushes.get(0).body());
        assertThat(value(compaction, "decision_ledger_run_success")).isEqualTo(1);
        assertThat(value(compaction, "decision_ledger_run_exit_code")).isZero();
        assertThat(value(compaction, "decision_ledger_run_records"))
                .as("rows of the closed days merged")
                .isGreaterThan(0);
        assertThat(value(compaction, "decision_ledger_run_bytes_read")).isGreaterThan(0);
        assertThat(value(compaction, "decision_ledger_compaction_files_before"))
                .isGreaterThanOrEqualTo(
                        value(compaction, "decision_ledger_compaction_files_after"));
        assertThat(compaction).allMatch(s -> s.labels().get("run").equals("compaction"));

        List<PrometheusText.Series> verify = PrometheusText.parse(pushes.get(1).body());
        assertThat(value(verify, "decision_ledger_verify_violations")).isZero();
        assertThat(value(verify, "decision_ledger_run_records"))
                .as(
                        "every stored decision, the two late ones included; verify printed:%n%s",
                        verifyLog)
                .isGreaterThanOrEqualTo(302);
        assertThat(value(verify, "decision_ledger_run_last_success_timestamp_seconds"))
                .isGreaterThan(Instant.now().minusSeconds(3600).getEpochSecond());
        // the bytes of every audit and quarantine file it verified (all of them: a full run)
        assertThat(value(verify, "decision_ledger_run_bytes_read"))
                .as(verifyLog)
                .isEqualTo(verifiedBytes);
    }

    @Test
    void everyLakeSinkOfIngestReportsItsOpenPartFiles() {
        // one series per lake sink's writer and subtask, the six sinks of IngestJob
        List<PrometheusText.Series> open =
                scraped.stream()
                        .filter(
                                s ->
                                        s.name()
                                                .equals(
                                                        "flink_taskmanager_job_task_operator_"
                                                                + MeteredFileSink.OPEN_PART_FILES))
                        .filter(s -> label(IngestJob.JOB_NAME).equals(s.labels().get("job_name")))
                        .toList();
        assertThat(open)
                .extracting(s -> s.labels().get("operator_name"))
                .containsOnly(
                        "audit_decisions_sink:_Writer",
                        "ops_decisions_sink:_Writer",
                        "quarantine_sink:_Writer",
                        "chain_heads_sink:_Writer",
                        "quarantine_heads_sink:_Writer",
                        "model_versions_sink:_Writer")
                .hasSize(6 * 2);
        // a count of files, never more than the partitions a subtask can write to: the sample's
        // tenants on the four dates its three days touch (the late decisions included)
        assertThat(open)
                .allMatch(s -> s.value() >= 0 && s.value() <= 4 * SampleDecisions.TENANTS.size());
    }

    @Test
    void labelsCarryNoPersonalData() {
        // the sample's user ids are user_<1000..4999>, its event ids evt-21-<n> (in a label value
        // the reporter would write evt_21_<n>); tenant ids may appear, user ids never
        Set<String> values = new TreeSet<>();
        scraped.forEach(s -> values.addAll(s.labels().values()));
        assertThat(values)
                .isNotEmpty()
                .noneMatch(v -> v.matches(".*user_\\d{4}.*"))
                .noneMatch(v -> v.contains("evt-21-") || v.contains("evt_21_"));
        assertThat(scraped.stream().map(PrometheusText.Series::name))
                .noneMatch(n -> n.matches(".*user_\\d.*") || n.contains("evt_21"));
    }

    private static double value(List<PrometheusText.Series> series, String name) {
        return series.stream()
                .filter(s -> s.name().equals(name))
                .mapToDouble(PrometheusText.Series::value)
                .findFirst()
                .orElseThrow(() -> new AssertionError(name + " not pushed"));
    }

    /** The sum of a series over IngestJob's subtasks (MetricsJob de-duplicates too). */
    private static double ingest(List<PrometheusText.Series> series, String name) {
        return series.stream()
                .filter(s -> s.name().equals(name))
                .filter(s -> label(IngestJob.JOB_NAME).equals(s.labels().get("job_name")))
                .mapToDouble(PrometheusText.Series::value)
                .sum();
    }

    private static double sum(List<PrometheusText.Series> series, String name) {
        return series.stream()
                .filter(s -> s.name().equals(name))
                .mapToDouble(PrometheusText.Series::value)
                .sum();
    }

    private static double watermark(List<PrometheusText.Series> series) {
        return series.stream()
                .filter(
                        s ->
                                s.name()
                                                .equals(
                                                        "flink_taskmanager_job_task_operator_currentOutputWatermark")
                                        && label(MetricsJob.JOB_NAME)
                                                .equals(s.labels().get("job_name"))
                                        && s.labels()
                                                .getOrDefault("operator_name", "")
                                                .startsWith("Source:"))
                .mapToDouble(PrometheusText.Series::value)
                .max()
                .orElse(Double.NEGATIVE_INFINITY);
    }

    private static String lastScrape = "";

    private static String scrapeText() {
        return lastScrape;
    }

    private static List<PrometheusText.Series> scrape() throws Exception {
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        "http://127.0.0.1:"
                                                                + PROMETHEUS_PORT
                                                                + "/metrics"))
                                        .timeout(Duration.ofSeconds(30))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        lastScrape = r.body();
        return PrometheusText.parse(r.body());
    }

    /** Scrapes until {@code done} holds; a generous deadline only guards against a hang. */
    private static List<PrometheusText.Series> awaitScrape(
            String what, Predicate<List<PrometheusText.Series>> done) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (true) {
            List<PrometheusText.Series> s = scrape();
            if (done.test(s)) {
                return s;
            }
            if (System.nanoTime() > deadline) {
                Files.writeString(Path.of("target/monitoring-scrape.txt"), lastScrape);
                throw new AssertionError(
                        "not reached: " + what + " (last scrape in target/monitoring-scrape.txt)");
            }
            Thread.sleep(500);
        }
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A name as Flink's Prometheus reporter writes it into a label value: every character but
     * letters, digits, '_' and ':' becomes '_' ("decision-ledger ingest" is
     * "decision_ledger_ingest").
     */
    private static String label(String value) {
        return value.replaceAll("[^a-zA-Z0-9_:]", "_");
    }
}
