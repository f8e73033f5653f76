package io.decisionledger.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local OpenAI-compatible Chat Completions server for tests: real HTTP, real JSON. The "model" is
 * a deterministic credit scorer: it reads {@code "creditScore":N} from the user message and
 * approves when N reaches the model's threshold (650 for {@code gpt-4o-2024-05-13}, 700 for {@code
 * strict-2026-01}), with confidence {@code min(0.99, 0.5 + |N - threshold| / 400)} rounded to two
 * decimals and reasoning "credit score N above|below threshold T". Other models get a 404.
 *
 * <p>Faults are injected by a {@link FaultPlan} that sees each request's user message and its
 * attempt number (per distinct message): 429 with a Retry-After, 500, a slow answer, or an answer
 * without a decision, or a huge body (to test the client's response size cap). Every request is
 * recorded (arrival time, attempt, status) and the peak number of requests in flight is tracked, so
 * tests can assert retries, rate and concurrency.
 */
public final class OpenAiStub implements AutoCloseable {

    public static final String MODEL = "gpt-4o-2024-05-13";
    public static final String STRICT_MODEL = "strict-2026-01";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CREDIT_SCORE = Pattern.compile("\"creditScore\":(\\d+)");

    /** What to do with one request. */
    public record Fault(
            int status,
            double retryAfterSeconds,
            long delayMillis,
            boolean noDecision,
            long hugeBodyBytes,
            boolean declareLength) {
        public static final Fault NONE = new Fault(200, 0, 0, false, 0, false);

        public static Fault tooMany(double retryAfterSeconds) {
            return new Fault(429, retryAfterSeconds, 0, false, 0, false);
        }

        public static Fault serverError() {
            return new Fault(500, 0, 0, false, 0, false);
        }

        public static Fault slow(long millis) {
            return new Fault(200, 0, millis, false, 0, false);
        }

        public static Fault withoutDecision() {
            return new Fault(200, 0, 0, true, 0, false);
        }

        /**
         * A 200 whose body is {@code bytes} long (a valid completion with a huge content), streamed
         * in 64 KiB chunks; with {@code declareLength} it is announced in Content-Length, else sent
         * chunked. How much of it the client took is reported by {@link #awaitHugeBody}.
         */
        public static Fault hugeBody(long bytes, boolean declareLength) {
            return new Fault(200, 0, 0, false, bytes, declareLength);
        }
    }

    /**
     * What became of a huge body: {@code written} bytes of {@code planned} were written before the
     * client closed the connection ({@code aborted}) or the body was complete.
     */
    public record HugeBody(long planned, long written, boolean aborted) {}

    /** Chooses a fault from the user message and the attempt number (1 for the first). */
    @FunctionalInterface
    public interface FaultPlan {
        Fault choose(String userMessage, int attempt);
    }

    /** One request as the server saw it. */
    public record Request(long arrivedNanos, int attempt, int status, String model) {}

    private final HttpServer server;
    private final ExecutorService executor;
    private final String apiKey;
    private volatile FaultPlan plan = (m, a) -> Fault.NONE;
    private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    // Requests still running when a test resets the server (slow answers) are not recorded.
    private final AtomicInteger generation = new AtomicInteger();
    private final BlockingQueue<HugeBody> hugeBodies = new LinkedBlockingQueue<>();

    private OpenAiStub(String apiKey) throws IOException {
        this.apiKey = apiKey;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        executor = Executors.newFixedThreadPool(32);
        server.setExecutor(executor);
        server.createContext("/v1/chat/completions", this::handle);
        server.start();
    }

    /** Starts a server that requires {@code Authorization: Bearer <apiKey>} (null: none). */
    public static OpenAiStub start(String apiKey) throws IOException {
        return new OpenAiStub(apiKey);
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
    }

    public void plan(FaultPlan plan) {
        this.plan = plan;
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public int peakInFlight() {
        return peakInFlight.get();
    }

    /** The next huge body's outcome, once its handler is done writing (null after 30 s). */
    public HugeBody awaitHugeBody() throws InterruptedException {
        return hugeBodies.poll(30, TimeUnit.SECONDS);
    }

    public void reset() {
        generation.incrementAndGet();
        attempts.clear();
        requests.clear();
        peakInFlight.set(0);
        plan = (m, a) -> Fault.NONE;
        hugeBodies.clear();
    }

    /** The model's decision for a user message, as the tests expect it. */
    public static Decision decide(String model, int creditScore) {
        int threshold = STRICT_MODEL.equals(model) ? 700 : 650;
        double confidence =
                Math.round(Math.min(0.99, 0.5 + Math.abs(creditScore - threshold) / 400.0) * 100)
                        / 100.0;
        boolean approved = creditScore >= threshold;
        return new Decision(
                approved,
                confidence,
                "credit score "
                        + creditScore
                        + (approved ? " above" : " below")
                        + " threshold "
                        + threshold);
    }

    public record Decision(boolean approved, double confidence, String reasoning) {}

    private void handle(HttpExchange ex) throws IOException {
        long arrived = System.nanoTime();
        int gen = generation.get();
        int now = inFlight.incrementAndGet();
        peakInFlight.accumulateAndGet(now, Math::max);
        try {
            if (!ex.getRequestMethod().equals("POST")) {
                respond(ex, 405, error("method not allowed"), null, gen, arrived, 0, null);
                return;
            }
            if (apiKey != null
                    && !("Bearer " + apiKey)
                            .equals(ex.getRequestHeaders().getFirst("Authorization"))) {
                respond(ex, 401, error("invalid api key"), null, gen, arrived, 0, null);
                return;
            }
            JsonNode req;
            try {
                req = JSON.readTree(ex.getRequestBody());
            } catch (IOException e) {
                respond(ex, 400, error("invalid JSON"), null, gen, arrived, 0, null);
                return;
            }
            String model = req.path("model").asText();
            String user = "";
            for (JsonNode m : req.path("messages")) {
                if (m.path("role").asText().equals("user")) {
                    user = m.path("content").asText();
                }
            }
            int attempt =
                    attempts.computeIfAbsent(user, k -> new AtomicInteger()).incrementAndGet();
            Fault fault = plan.choose(user, attempt);
            // Recorded on arrival, so a slow answer the client gave up on is counted too.
            int status =
                    fault.status() != 200
                            ? fault.status()
                            : model.equals(MODEL) || model.equals(STRICT_MODEL) ? 200 : 404;
            if (generation.get() == gen) {
                requests.add(new Request(arrived, attempt, status, model));
            }
            if (fault.delayMillis() > 0) {
                try {
                    Thread.sleep(fault.delayMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (fault.status() == 429) {
                respond(
                        ex,
                        429,
                        error("rate limit reached"),
                        fault.retryAfterSeconds() > 0
                                ? String.valueOf(fault.retryAfterSeconds())
                                : null,
                        gen,
                        arrived,
                        attempt,
                        model);
                return;
            }
            if (fault.status() != 200) {
                respond(
                        ex,
                        fault.status(),
                        error("server error"),
                        null,
                        gen,
                        arrived,
                        attempt,
                        model);
                return;
            }
            if (fault.hugeBodyBytes() > 0) {
                streamHugeBody(ex, fault);
                return;
            }
            if (!model.equals(MODEL) && !model.equals(STRICT_MODEL)) {
                respond(ex, 404, error("model not found"), null, gen, arrived, attempt, model);
                return;
            }
            Matcher score = CREDIT_SCORE.matcher(user);
            String content;
            if (fault.noDecision() || !score.find()) {
                content = "I cannot decide this application.";
            } else {
                Decision d = decide(model, Integer.parseInt(score.group(1)));
                ObjectNode decision = JSON.createObjectNode();
                decision.put("approved", d.approved());
                decision.put("confidence", d.confidence());
                decision.put("reasoning", d.reasoning());
                content = JSON.writeValueAsString(decision);
            }
            ObjectNode body = JSON.createObjectNode();
            body.put("id", "chatcmpl-" + attempt);
            body.put("object", "chat.completion");
            body.put("model", model);
            ObjectNode choice = body.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("message").put("role", "assistant").put("content", content);
            choice.put("finish_reason", "stop");
            body.putObject("usage").put("completion_tokens", 20);
            respond(ex, 200, JSON.writeValueAsString(body), null, gen, arrived, attempt, model);
        } finally {
            inFlight.decrementAndGet();
            ex.close();
        }
    }

    private void streamHugeBody(HttpExchange ex, Fault fault) {
        byte[] head =
                "{\"object\":\"chat.completion\",\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\""
                        .getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\"}}]}".getBytes(StandardCharsets.US_ASCII);
        long planned = Math.max(fault.hugeBodyBytes(), head.length + tail.length);
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) 'a');
        long written = 0;
        boolean aborted = false;
        try {
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, fault.declareLength() ? planned : 0);
            OutputStream out = ex.getResponseBody();
            out.write(head);
            written += head.length;
            long filler = planned - head.length - tail.length;
            while (filler > 0) {
                int n = (int) Math.min(chunk.length, filler);
                out.write(chunk, 0, n);
                out.flush();
                written += n;
                filler -= n;
            }
            out.write(tail);
            out.close();
            written += tail.length;
        } catch (IOException e) {
            aborted = true; // the client closed the connection
        }
        hugeBodies.add(new HugeBody(planned, written, aborted));
    }

    private static String error(String message) {
        return "{\"error\":{\"message\":\"" + message + "\",\"type\":\"stub\"}}";
    }

    private void respond(
            HttpExchange ex,
            int status,
            String body,
            String retryAfter,
            int gen,
            long arrived,
            int attempt,
            String model)
            throws IOException {
        if (attempt == 0 && generation.get() == gen) {
            requests.add(new Request(arrived, attempt, status, model));
        }
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        if (retryAfter != null) {
            ex.getResponseHeaders().set("Retry-After", retryAfter);
        }
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
