package io.decisionledger.monitoring;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;

/**
 * Hands a batch run's {@link RunMetrics} to monitoring, where {@code --pushgateway-url} and {@code
 * --metrics-textfile} say: pushed to a Prometheus Pushgateway (group {@code
 * job="decision_ledger_<run>"}), and/or written atomically to a {@code .prom} file in node
 * exporter's textfile-collector directory.
 *
 * <p>A successful run replaces its group (HTTP PUT); a failed run only replaces the gauges it
 * reports (HTTP POST), so {@value RunMetrics#LAST_SUCCESS} keeps the time of the last successful
 * run, which is what the staleness alert watches. The textfile does the same by carrying that line
 * over. Publishing never changes a run's outcome or exit code: a monitoring endpoint that is down
 * is reported on the run's output and shows as a stale run in the alerts.
 */
public final class RunMetricsPublisher {

    /** Where to publish; both null: nowhere. */
    public record Target(URI pushgateway, Path textfile) {
        public static Target none() {
            return new Target(null, null);
        }

        public boolean enabled() {
            return pushgateway != null || textfile != null;
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final Target target;
    private final HttpClient http;

    public RunMetricsPublisher(Target target) {
        this.target = target;
        this.http =
                target.pushgateway() == null
                        ? null
                        : HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    }

    /** The Pushgateway URL of a run's group. */
    public static URI groupUri(URI pushgateway, String run) {
        String base = pushgateway.toString();
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + "/metrics/job/decision_ledger_" + run);
    }

    /**
     * Publishes {@code metrics}; a failure to do so is printed on {@code log}, never thrown.
     *
     * @return whether every configured target took them
     */
    public boolean publish(RunMetrics metrics, PrintStream log) {
        boolean ok = true;
        if (target.pushgateway() != null) {
            ok &= push(metrics, log);
        }
        if (target.textfile() != null) {
            ok &= write(metrics, log);
        }
        return ok;
    }

    private boolean push(RunMetrics metrics, PrintStream log) {
        URI group = groupUri(target.pushgateway(), metrics.run());
        HttpRequest.BodyPublisher body =
                HttpRequest.BodyPublishers.ofString(metrics.exposition(), StandardCharsets.UTF_8);
        HttpRequest request =
                HttpRequest.newBuilder(group)
                        .timeout(TIMEOUT)
                        .header("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                        .method(metrics.succeeded() ? "PUT" : "POST", body)
                        .build();
        String where = group.getScheme() + "://" + group.getHost() + ":" + group.getPort();
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                log.printf(
                        "WARNING run metrics not pushed: the Pushgateway at %s answered HTTP %d%n",
                        where, response.statusCode());
                return false;
            }
            return true;
        } catch (IOException e) {
            log.printf(
                    "WARNING run metrics not pushed: the Pushgateway at %s is unreachable (%s)%n",
                    where, e.getClass().getSimpleName());
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            log.printf("WARNING run metrics not pushed: interrupted%n");
            return false;
        }
    }

    private boolean write(RunMetrics metrics, PrintStream log) {
        Path file = target.textfile();
        try {
            String text = metrics.exposition();
            if (!metrics.succeeded() && Files.exists(file)) {
                text += lastSuccessOf(Files.readAllLines(file, StandardCharsets.UTF_8));
            }
            Path parent = file.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            // node exporter reads *.prom only: write beside it under another name, then rename
            Path tmp = Files.createTempFile(parent, "." + file.getFileName(), ".tmp");
            Files.writeString(tmp, text, StandardCharsets.UTF_8);
            Files.move(
                    tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return true;
        } catch (IOException e) {
            log.printf(
                    "WARNING run metrics not written to %s: %s%n",
                    file, e.getClass().getSimpleName());
            return false;
        }
    }

    /** The previous file's last-success gauge, with its HELP and TYPE lines. */
    static String lastSuccessOf(List<String> lines) {
        StringBuilder kept = new StringBuilder();
        for (String line : lines) {
            String name =
                    line.startsWith("# ")
                            ? line.split(" ").length > 2 ? line.split(" ")[2] : ""
                            : line.split("[{ ]")[0];
            if (name.equals(RunMetrics.LAST_SUCCESS)) {
                kept.append(line).append('\n');
            }
        }
        return kept.toString();
    }
}
