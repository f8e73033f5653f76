package io.decisionledger.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.decisionledger.options.OptionTable;
import io.decisionledger.options.RunMetricsOptions;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch run's metrics: the exposition text, and how they reach a Pushgateway (a recording HTTP
 * endpoint here) and a node-exporter textfile, failed runs keeping the last success.
 */
class RunMetricsTest {

    record Request(String method, String path, String contentType, String body) {}

    @TempDir Path dir;

    private HttpServer gateway;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private int status = 200;

    @BeforeEach
    void startGateway() throws Exception {
        gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        gateway.createContext(
                "/",
                exchange -> {
                    requests.add(
                            new Request(
                                    exchange.getRequestMethod(),
                                    exchange.getRequestURI().getPath(),
                                    exchange.getRequestHeaders().getFirst("Content-Type"),
                                    new String(
                                            exchange.getRequestBody().readAllBytes(),
                                            StandardCharsets.UTF_8)));
                    exchange.sendResponseHeaders(status, -1);
                    exchange.close();
                });
        gateway.start();
    }

    @AfterEach
    void stopGateway() {
        gateway.stop(0);
    }

    private URI url() {
        return URI.create("http://127.0.0.1:" + gateway.getAddress().getPort() + "/");
    }

    @Test
    void rendersTheTextExpositionFormatWithTheRunLabel() {
        RunMetrics m =
                RunMetrics.of("compaction", 0, 12.5, 1_700_000_000_000L)
                        .gauge("decision_ledger_run_bytes_read", "Bytes \\ read.", 1234)
                        .gauge("x_by_kind", "By kind.", Map.of("kind", "BAD \"ONE\""), 2)
                        .gauge("x_by_kind", "By kind.", Map.of("kind", "OTHER"), 0);
        assertThat(m.exposition())
                .isEqualTo(
                        "# HELP decision_ledger_run_success 1 when the run succeeded, 0 when it"
                                + " failed.\n"
                                + "# TYPE decision_ledger_run_success gauge\n"
                                + "decision_ledger_run_success{run=\"compaction\"} 1\n"
                                + "# HELP decision_ledger_run_exit_code The run's exit code (0:"
                                + " success).\n"
                                + "# TYPE decision_ledger_run_exit_code gauge\n"
                                + "decision_ledger_run_exit_code{run=\"compaction\"} 0\n"
                                + "# HELP decision_ledger_run_duration_seconds Wall-clock duration"
                                + " of the run, failed runs included.\n"
                                + "# TYPE decision_ledger_run_duration_seconds gauge\n"
                                + "decision_ledger_run_duration_seconds{run=\"compaction\"} 12.5\n"
                                + "# HELP decision_ledger_run_last_timestamp_seconds Unix time the"
                                + " run ended.\n"
                                + "# TYPE decision_ledger_run_last_timestamp_seconds gauge\n"
                                + "decision_ledger_run_last_timestamp_seconds{run=\"compaction\"}"
                                + " 1700000000\n"
                                + "# HELP decision_ledger_run_last_success_timestamp_seconds Unix"
                                + " time the last successful run ended.\n"
                                + "# TYPE decision_ledger_run_last_success_timestamp_seconds"
                                + " gauge\n"
                                + "decision_ledger_run_last_success_timestamp_seconds{run=\"compaction\"}"
                                + " 1700000000\n"
                                + "# HELP decision_ledger_run_bytes_read Bytes \\\\ read.\n"
                                + "# TYPE decision_ledger_run_bytes_read gauge\n"
                                + "decision_ledger_run_bytes_read{run=\"compaction\"} 1234\n"
                                + "# HELP x_by_kind By kind.\n"
                                + "# TYPE x_by_kind gauge\n"
                                + "x_by_kind{run=\"compaction\",kind=\"BAD \\\"ONE\\\"\"} 2\n"
                                + "x_by_kind{run=\"compaction\",kind=\"OTHER\"} 0\n");
    }

    @Test
    void aFailedRunReportsNoLastSuccess() {
        RunMetrics m = RunMetrics.of("verify", 1, 3, 1_700_000_000_000L);
        assertThat(m.succeeded()).isFalse();
        assertThat(m.samples())
                .extracting(RunMetrics.Sample::name)
                .doesNotContain(RunMetrics.LAST_SUCCESS)
                .contains(RunMetrics.SUCCESS, RunMetrics.EXIT_CODE, RunMetrics.LAST_RUN);
    }

    @Test
    void refusesNamesPrometheusWouldNot() {
        assertThatThrownBy(() -> new RunMetrics("compaction").gauge("bad-name", "h", 1))
                .hasMessageContaining("not a Prometheus metric name: bad-name");
        assertThatThrownBy(
                        () -> new RunMetrics("compaction").gauge("x", "h", Map.of("run", "y"), 1))
                .hasMessageContaining("'run' is set by RunMetrics");
        assertThatThrownBy(() -> new RunMetrics("two words")).hasMessageContaining("plain word");
    }

    @Test
    void aSuccessfulRunReplacesItsGroupAndAFailedOneOnlyWhatItReports() {
        RunMetricsPublisher publisher =
                new RunMetricsPublisher(new RunMetricsPublisher.Target(url(), null));
        PrintStream log = new PrintStream(new ByteArrayOutputStream(), true);
        RunMetrics ok = RunMetrics.of("compaction", 0, 1, 1_700_000_000_000L);
        RunMetrics failed = RunMetrics.of("compaction", 1, 1, 1_700_000_100_000L);

        assertThat(publisher.publish(ok, log)).isTrue();
        assertThat(publisher.publish(failed, log)).isTrue();

        assertThat(requests)
                .extracting(Request::method, Request::path)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(
                                "PUT", "/metrics/job/decision_ledger_compaction"),
                        org.assertj.core.groups.Tuple.tuple(
                                "POST", "/metrics/job/decision_ledger_compaction"));
        assertThat(requests.get(0).contentType()).startsWith("text/plain; version=0.0.4");
        assertThat(requests.get(0).body()).isEqualTo(ok.exposition());
        assertThat(requests.get(1).body())
                .isEqualTo(failed.exposition())
                .doesNotContain(RunMetrics.LAST_SUCCESS);
    }

    @Test
    void aPushTheGatewayRefusesOrCannotTakeIsAWarningNotAnError() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(out, true, StandardCharsets.UTF_8);
        status = 500;
        RunMetrics m = RunMetrics.of("verify", 0, 1, 1_700_000_000_000L);
        assertThat(
                        new RunMetricsPublisher(new RunMetricsPublisher.Target(url(), null))
                                .publish(m, log))
                .isFalse();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        assertThat(
                        new RunMetricsPublisher(
                                        new RunMetricsPublisher.Target(
                                                URI.create("http://127.0.0.1:" + closed), null))
                                .publish(m, log))
                .isFalse();
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("WARNING run metrics not pushed: the Pushgateway at http://127.0.0.1:")
                .contains("answered HTTP 500")
                .contains("is unreachable (ConnectException)");
    }

    @Test
    void theTextfileIsReplacedAtomicallyAndAFailedRunKeepsTheLastSuccess() throws Exception {
        Path file = dir.resolve("textfile/compaction.prom");
        RunMetricsPublisher publisher =
                new RunMetricsPublisher(new RunMetricsPublisher.Target(null, file));
        PrintStream log = new PrintStream(new ByteArrayOutputStream(), true);

        publisher.publish(RunMetrics.of("compaction", 0, 1, 1_700_000_000_000L), log);
        publisher.publish(RunMetrics.of("compaction", 1, 2, 1_700_000_500_000L), log);

        String text = Files.readString(file);
        assertThat(text)
                .contains("decision_ledger_run_success{run=\"compaction\"} 0\n")
                .contains(
                        "decision_ledger_run_last_timestamp_seconds{run=\"compaction\"} 1700000500\n")
                .contains(
                        "decision_ledger_run_last_success_timestamp_seconds{run=\"compaction\"}"
                                + " 1700000000\n");
        assertThat(text.lines().filter(l -> l.startsWith("# TYPE " + RunMetrics.LAST_SUCCESS)))
                .hasSize(1);
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactly("compaction.prom");
        }
    }

    @Test
    void optionsAcceptOnlyAPlainHttpUrlAndAPromFile() {
        assertThat(RunMetricsOptions.fromArgs(new String[] {"--lake", "file:///x"}).enabled())
                .isFalse();
        RunMetricsPublisher.Target t =
                RunMetricsOptions.fromArgs(
                        new String[] {
                            "--lake",
                            "file:///x",
                            "--pushgateway-url=http://pushgateway:9091",
                            "--metrics-textfile",
                            "/var/lib/node_exporter/c.prom",
                            "--strict"
                        });
        assertThat(t.pushgateway()).isEqualTo(URI.create("http://pushgateway:9091"));
        assertThat(t.textfile()).isEqualTo(Path.of("/var/lib/node_exporter/c.prom"));
        assertThatThrownBy(
                        () ->
                                RunMetricsOptions.fromArgs(
                                        new String[] {"--pushgateway-url", "ftp://x"}))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("http(s)://host");
        assertThatThrownBy(
                        () ->
                                RunMetricsOptions.fromArgs(
                                        new String[] {"--pushgateway-url", "http://u:p@x:9091"}))
                .hasMessageContaining("must not carry credentials");
        assertThatThrownBy(
                        () ->
                                RunMetricsOptions.fromArgs(
                                        new String[] {"--metrics-textfile", "/tmp/x.txt"}))
                .hasMessageContaining("must end in .prom");
        assertThat(RunMetricsPublisher.groupUri(URI.create("http://g:9091/"), "verify"))
                .isEqualTo(URI.create("http://g:9091/metrics/job/decision_ledger_verify"));
    }

    @Test
    void aBadValueEndsTheCommandWithExitCodeTwo() throws Exception {
        io.decisionledger.options.Exit.Captured c =
                io.decisionledger.options.Exit.capture(
                        () ->
                                RunMetricsOptions.fromArgsOrExit(
                                        new String[] {"--lake", "x", "--pushgateway-url", "x:y"}));
        assertThat(c.code()).isEqualTo(2);
        assertThat(c.err()).contains("error: --pushgateway-url must be http(s)://host");
    }
}
