package io.decisionledger.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A small client for the Flink REST API of a session cluster: upload the job jar, run a job from
 * it, and read back job state, checkpoints and metrics. The local stack submits jobs with it
 * ({@code stack.sh submit}) and the end-to-end test observes the cluster with it; it is the same
 * API as {@code flink run} uses and the web UI shows, so it needs no Flink classes.
 */
public final class FlinkRestClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    // Uploading ~85 MB and running main() on the JobManager can take a while on a busy machine.
    private static final Duration SUBMIT_TIMEOUT = Duration.ofMinutes(3);

    private final String endpoint;
    private final HttpClient http;

    /**
     * @param endpoint the REST endpoint, e.g. {@code http://127.0.0.1:8081}
     */
    public FlinkRestClient(String endpoint) {
        this.endpoint =
                endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    public String endpoint() {
        return endpoint;
    }

    /** GET {@code path} (e.g. {@code /overview}) as JSON. */
    public JsonNode get(String path) {
        return send(HttpRequest.newBuilder(uri(path)).GET().timeout(REQUEST_TIMEOUT).build());
    }

    /** Whether the REST endpoint answers {@code /overview}. */
    public boolean isUp() {
        try {
            HttpResponse<String> response =
                    http.send(
                            HttpRequest.newBuilder(uri("/overview"))
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Resource ids of the registered TaskManagers. */
    public List<String> taskManagerIds() {
        List<String> ids = new ArrayList<>();
        get("/taskmanagers").path("taskmanagers").forEach(tm -> ids.add(tm.path("id").asText()));
        return ids;
    }

    /**
     * Uploads a job jar ({@code POST /jars/upload}, multipart).
     *
     * @return the jar id to run it with
     */
    public String uploadJar(Path jar) {
        String boundary = "decision-ledger-" + UUID.randomUUID();
        String head =
                "--"
                        + boundary
                        + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                        + jar.getFileName()
                        + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest.BodyPublisher body;
        try {
            body =
                    HttpRequest.BodyPublishers.concat(
                            HttpRequest.BodyPublishers.ofString(head),
                            HttpRequest.BodyPublishers.ofFile(jar),
                            HttpRequest.BodyPublishers.ofString(tail));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the job jar " + jar, e);
        }
        JsonNode response =
                send(
                        HttpRequest.newBuilder(uri("/jars/upload"))
                                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                                .POST(body)
                                .timeout(SUBMIT_TIMEOUT)
                                .build());
        String stored = response.path("filename").asText();
        if (!"success".equals(response.path("status").asText()) || stored.isEmpty()) {
            throw new IllegalStateException("jar upload refused: " + response);
        }
        return Path.of(stored).getFileName().toString();
    }

    /**
     * Runs a job from an uploaded jar ({@code POST /jars/<id>/run}): the JobManager calls the entry
     * class's main method, which submits the job.
     *
     * @param parallelism null leaves it to the REST handler, which takes 1, not the cluster's
     *     {@code parallelism.default}
     * @param savepointPath null to start without state
     * @return the job id
     */
    public String runJar(
            String jarId,
            String entryClass,
            List<String> args,
            Integer parallelism,
            String savepointPath) {
        ObjectNode request = JSON.createObjectNode();
        request.put("entryClass", entryClass);
        var programArgs = request.putArray("programArgsList");
        args.forEach(programArgs::add);
        if (parallelism != null) {
            request.put("parallelism", parallelism);
        }
        if (savepointPath != null) {
            request.put("savepointPath", savepointPath);
        }
        JsonNode response =
                send(
                        HttpRequest.newBuilder(uri("/jars/" + jarId + "/run"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(request.toString()))
                                .timeout(SUBMIT_TIMEOUT)
                                .build());
        String jobId = response.path("jobid").asText();
        if (jobId.isEmpty()) {
            throw new IllegalStateException("job submission refused: " + response);
        }
        return jobId;
    }

    /** {@code GET /jobs/<id>}: state, vertices with their ids, names and task states. */
    public JsonNode job(String jobId) {
        return get("/jobs/" + jobId);
    }

    /** The job's state, e.g. RUNNING, RESTARTING, FAILED. */
    public String jobState(String jobId) {
        return job(jobId).path("state").asText();
    }

    /**
     * Whether the job is RUNNING with every task of every vertex running (a job can be RUNNING
     * while its tasks still wait for slots, e.g. after losing a TaskManager).
     */
    public boolean allTasksRunning(String jobId) {
        JsonNode job = job(jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            JsonNode tasks = vertex.path("tasks");
            if (tasks.path("RUNNING").asInt() != vertex.path("parallelism").asInt()) {
                return false;
            }
        }
        return true;
    }

    /** Vertex id by vertex name (a chain of operators is one vertex, named after all of them). */
    public Map<String, String> vertices(String jobId) {
        Map<String, String> vertices = new LinkedHashMap<>();
        job(jobId)
                .path("vertices")
                .forEach(v -> vertices.put(v.path("name").asText(), v.path("id").asText()));
        return vertices;
    }

    /** {@code GET /jobs/<id>/checkpoints}: counts, latest completed and restored checkpoints. */
    public JsonNode checkpoints(String jobId) {
        return get("/jobs/" + jobId + "/checkpoints");
    }

    /**
     * Names of the metrics the vertex's subtasks expose (operator metrics carry a scope prefix).
     */
    public List<String> vertexMetricNames(String jobId, String vertexId) {
        List<String> names = new ArrayList<>();
        get("/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics")
                .forEach(m -> names.add(m.path("id").asText()));
        return names;
    }

    /**
     * Metric values summed over all subtasks of a vertex, as the JobManager last fetched them from
     * the TaskManagers ({@code metrics.fetcher.update-interval}).
     */
    public Map<String, Double> vertexMetricSums(
            String jobId, String vertexId, List<String> metricNames) {
        Map<String, Double> sums = new LinkedHashMap<>();
        if (metricNames.isEmpty()) {
            return sums;
        }
        String get = URLEncoder.encode(String.join(",", metricNames), StandardCharsets.UTF_8);
        get("/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/metrics?agg=sum&get=" + get)
                .forEach(m -> sums.put(m.path("id").asText(), m.path("sum").asDouble()));
        return sums;
    }

    /** A job-level metric, e.g. {@code numRestarts}; NaN if the JobManager has no value yet. */
    public double jobMetric(String jobId, String name) {
        for (JsonNode m : get("/jobs/" + jobId + "/metrics?get=" + name)) {
            if (name.equals(m.path("id").asText())) {
                return m.path("value").asDouble(Double.NaN);
            }
        }
        return Double.NaN;
    }

    /** Cancels a job ({@code PATCH /jobs/<id>?mode=cancel}); it keeps its retained checkpoints. */
    public void cancel(String jobId) {
        send(
                HttpRequest.newBuilder(uri("/jobs/" + jobId + "?mode=cancel"))
                        .method("PATCH", HttpRequest.BodyPublishers.noBody())
                        .timeout(REQUEST_TIMEOUT)
                        .build());
    }

    private URI uri(String path) {
        return URI.create(endpoint + path);
    }

    private JsonNode send(HttpRequest request) {
        try {
            HttpResponse<String> response =
                    http.send(request, HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(
                        request.method()
                                + " "
                                + request.uri()
                                + " answered "
                                + response.statusCode()
                                + ": "
                                + body);
            }
            return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(request.method() + " " + request.uri() + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "interrupted: " + request.method() + " " + request.uri(), e);
        }
    }
}
