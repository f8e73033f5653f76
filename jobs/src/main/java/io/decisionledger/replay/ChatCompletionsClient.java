package io.decisionledger.replay;

import java.io.IOException;
import java.io.Serializable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Calls an OpenAI-compatible Chat Completions endpoint ({@code POST <base-url>/chat/completions})
 * without blocking a thread: a per-request timeout, a rate limit on every attempt, and retries with
 * exponential backoff (with jitter) on timeouts, connection errors, 429 and 5xx. A 429's {@code
 * Retry-After} (seconds or an HTTP date) is honoured: the retry never comes sooner; when it asks
 * for longer than {@code maxBackoff} the call gives up rather than wait. Other 4xx are not retried.
 * Errors are reported as codes ({@code HTTP_500}, {@code TIMEOUT}, …), never with the payload, and
 * the API key is only ever put into the {@code Authorization} header.
 *
 * <p>A response body is read while it streams, up to {@code maxResponseBytes}: a longer one (or one
 * announced longer in {@code Content-Length}) is cut off there, the connection closed, and the call
 * ends with {@code RESPONSE_TOO_LARGE}, without a retry; so no endpoint can make a TaskManager
 * buffer an unbounded body. Redirects are not followed (an https endpoint cannot send the request
 * on over http).
 */
public final class ChatCompletionsClient {

    /** How to call the endpoint. */
    public record Settings(
            String baseUrl,
            Duration requestTimeout,
            int maxAttempts,
            Duration initialBackoff,
            Duration maxBackoff,
            double ratePerSecond,
            long maxResponseBytes,
            boolean allowInsecureEndpoint)
            implements Serializable {
        public Settings {
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("max attempts must be at least 1");
            }
            if (maxResponseBytes < 1) {
                throw new IllegalArgumentException("max response bytes must be at least 1");
            }
            ReplayOptions.checkEndpoint(baseUrl, allowInsecureEndpoint);
        }

        URI endpoint() {
            String base =
                    baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
            return URI.create(base + "/chat/completions");
        }
    }

    /** The error code of a response body longer than the cap. */
    public static final String RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE";

    /** The outcome of one call, after retries: the response body on success, else an error code. */
    public record Reply(String body, String error, int attempts, long latencyMs, int lastStatus) {
        public boolean ok() {
            return error == null;
        }
    }

    private final Settings settings;
    private final String apiKey;
    private final ScheduledExecutorService scheduler;
    private final RateLimiter limiter;
    private final HttpClient http;

    /**
     * @param apiKey bearer token, or null for endpoints without authentication
     * @param scheduler runs delayed attempts (rate limit, backoff); not owned
     * @param ratePerSecond this client's share of the rate limit
     */
    public ChatCompletionsClient(
            Settings settings,
            String apiKey,
            ScheduledExecutorService scheduler,
            double ratePerSecond) {
        this.settings = settings;
        this.apiKey = apiKey;
        this.scheduler = scheduler;
        this.limiter = new RateLimiter(ratePerSecond);
        this.http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(settings.requestTimeout())
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build();
    }

    /** Sends {@code requestJson}; the future always completes normally, with a {@link Reply}. */
    public CompletableFuture<Reply> complete(String requestJson) {
        CompletableFuture<Reply> result = new CompletableFuture<>();
        attempt(requestJson, 1, System.nanoTime(), result);
        return result;
    }

    private void attempt(String body, int attempt, long started, CompletableFuture<Reply> result) {
        long wait = limiter.reserve();
        if (wait > 0) {
            scheduler.schedule(
                    () -> send(body, attempt, started, result), wait, TimeUnit.NANOSECONDS);
        } else {
            send(body, attempt, started, result);
        }
    }

    private void send(String body, int attempt, long started, CompletableFuture<Reply> result) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(settings.endpoint())
                        .timeout(settings.requestTimeout())
                        .header("Content-Type", "application/json")
                        .header("Accept", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body));
        if (apiKey != null) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        CompletableFuture<HttpResponse<String>> response;
        try {
            response =
                    http.sendAsync(
                            request.build(), CappedBody.handler(settings.maxResponseBytes()));
        } catch (RuntimeException e) {
            result.complete(reply(null, "REQUEST_FAILED", attempt, started, 0));
            return;
        }
        response.whenComplete(
                (r, failure) -> {
                    try {
                        handle(body, attempt, started, result, r, failure);
                    } catch (RuntimeException e) {
                        result.complete(reply(null, "CLIENT_ERROR", attempt, started, 0));
                    }
                });
    }

    private void handle(
            String body,
            int attempt,
            long started,
            CompletableFuture<Reply> result,
            HttpResponse<String> r,
            Throwable failure) {
        if (failure != null) {
            if (CappedBody.tooLarge(failure)) {
                result.complete(reply(null, RESPONSE_TOO_LARGE, attempt, started, 0));
                return;
            }
            Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
            String code = cause instanceof HttpTimeoutException ? "TIMEOUT" : "CONNECTION_FAILED";
            if (!(cause instanceof IOException) && !(cause instanceof HttpTimeoutException)) {
                result.complete(reply(null, "REQUEST_FAILED", attempt, started, 0));
                return;
            }
            retryOrFail(body, attempt, started, result, code, 0, backoff(attempt));
            return;
        }
        int status = r.statusCode();
        if (status >= 200 && status < 300) {
            result.complete(reply(r.body(), null, attempt, started, status));
        } else if (status == 429) {
            long retryAfter = retryAfterNanos(r);
            if (retryAfter > settings.maxBackoff().toNanos()) {
                result.complete(
                        reply(null, "HTTP_429_RETRY_AFTER_TOO_LONG", attempt, started, status));
                return;
            }
            retryOrFail(
                    body,
                    attempt,
                    started,
                    result,
                    "HTTP_429",
                    status,
                    Math.max(retryAfter, backoff(attempt)));
        } else if (status >= 500 || status == 408) {
            retryOrFail(body, attempt, started, result, "HTTP_" + status, status, backoff(attempt));
        } else {
            result.complete(reply(null, "HTTP_" + status, attempt, started, status));
        }
    }

    private void retryOrFail(
            String body,
            int attempt,
            long started,
            CompletableFuture<Reply> result,
            String code,
            int status,
            long delayNanos) {
        if (attempt >= settings.maxAttempts()) {
            result.complete(reply(null, code, attempt, started, status));
            return;
        }
        scheduler.schedule(
                () -> attempt(body, attempt + 1, started, result),
                delayNanos,
                TimeUnit.NANOSECONDS);
    }

    /** Exponential backoff with equal jitter: half the step fixed, half random. */
    long backoff(int attempt) {
        long step = settings.initialBackoff().toNanos() << Math.min(attempt - 1, 20);
        long capped = Math.min(step, settings.maxBackoff().toNanos());
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }

    static long retryAfterNanos(HttpResponse<?> r) {
        String v = r.headers().firstValue("Retry-After").orElse(null);
        if (v == null || v.isBlank()) {
            return 0;
        }
        try {
            return TimeUnit.MILLISECONDS.toNanos((long) (Double.parseDouble(v.strip()) * 1000));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at =
                        ZonedDateTime.parse(v.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                return Math.max(0, Duration.between(ZonedDateTime.now(), at).toNanos());
            } catch (RuntimeException unparseable) {
                return 0;
            }
        }
    }

    private static Reply reply(String body, String error, int attempts, long started, int status) {
        return new Reply(body, error, attempts, (System.nanoTime() - started) / 1_000_000, status);
    }
}
