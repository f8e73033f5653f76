package io.decisionledger.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.testing.OpenAiStub;
import io.decisionledger.testing.OpenAiStub.Fault;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Chat Completions client against a real local HTTP server: retries with backoff on 500s and
 * timeouts, 429 Retry-After honoured, no retry on other 4xx, the API key in the header, the rate
 * limit spacing requests.
 */
class ReplayChatClientTest {

    private static final String KEY = "sk-test-not-a-real-key";
    private static OpenAiStub stub;
    private static ScheduledExecutorService scheduler;

    @BeforeAll
    static void startServer() throws Exception {
        stub = OpenAiStub.start(KEY);
        scheduler = Executors.newSingleThreadScheduledExecutor();
    }

    @AfterAll
    static void stopServer() {
        stub.close();
        scheduler.shutdownNow();
    }

    @BeforeEach
    void resetServer() {
        stub.reset();
    }

    private static ChatCompletionsClient client(
            Duration timeout, int attempts, double rate, String key) {
        return new ChatCompletionsClient(
                new ChatCompletionsClient.Settings(
                        stub.baseUrl(),
                        timeout,
                        attempts,
                        Duration.ofMillis(50),
                        Duration.ofSeconds(2),
                        rate,
                        ReplayOptions.DEFAULT_MAX_RESPONSE_BYTES,
                        // the stub speaks plain http on loopback
                        true),
                key,
                scheduler,
                rate);
    }

    private static String body(int creditScore) {
        return ReplayRequests.body(
                ReplayFixtures.decision(
                        "bank_456", "e" + creditScore, Instant.now(), creditScore, false),
                OpenAiStub.MODEL);
    }

    @Test
    void retriesServerErrorsWithBackoffUntilTheModelAnswers() throws Exception {
        // given a server that fails the first two attempts with 500
        stub.plan((m, attempt) -> attempt <= 2 ? Fault.serverError() : Fault.NONE);

        // when
        ChatCompletionsClient.Reply reply =
                client(Duration.ofSeconds(2), 4, 1000, KEY)
                        .complete(body(720))
                        .get(10, TimeUnit.SECONDS);

        // then
        assertThat(reply.ok()).isTrue();
        assertThat(reply.attempts()).isEqualTo(3);
        assertThat(stub.requests())
                .extracting(OpenAiStub.Request::status)
                .containsExactly(500, 500, 200);
        // backoff: >= 25 ms (half of 50) before the 1st retry, >= 50 ms before the 2nd
        List<OpenAiStub.Request> r = stub.requests();
        assertThat(r.get(1).arrivedNanos() - r.get(0).arrivedNanos())
                .isGreaterThanOrEqualTo(25_000_000L);
        assertThat(r.get(2).arrivedNanos() - r.get(1).arrivedNanos())
                .isGreaterThanOrEqualTo(50_000_000L);
        OpenAiStub.Decision expected = OpenAiStub.decide(OpenAiStub.MODEL, 720);
        ReplayRequests.ModelDecision got =
                ReplayRequests.decision(ReplayRequests.content(reply.body()));
        assertThat(got.approved()).isEqualTo(expected.approved()).isTrue();
        assertThat(got.confidence()).isEqualTo(expected.confidence());
        assertThat(got.reasoning()).isEqualTo("credit score 720 above threshold 650");
    }

    @Test
    void givesUpAfterMaxAttemptsWithTheLastErrorCode() throws Exception {
        stub.plan((m, attempt) -> Fault.serverError());

        ChatCompletionsClient.Reply reply =
                client(Duration.ofSeconds(2), 3, 1000, KEY)
                        .complete(body(600))
                        .get(10, TimeUnit.SECONDS);

        assertThat(reply.ok()).isFalse();
        assertThat(reply.error()).isEqualTo("HTTP_500");
        assertThat(reply.attempts()).isEqualTo(3);
        assertThat(stub.requests()).hasSize(3);
    }

    @Test
    void honoursRetryAfterOn429() throws Exception {
        // given a 429 asking to wait one second (integer seconds, as OpenAI sends it)
        stub.plan((m, attempt) -> attempt == 1 ? Fault.tooMany(1) : Fault.NONE);

        ChatCompletionsClient.Reply reply =
                client(Duration.ofSeconds(2), 4, 1000, KEY)
                        .complete(body(700))
                        .get(10, TimeUnit.SECONDS);

        assertThat(reply.ok()).isTrue();
        assertThat(reply.attempts()).isEqualTo(2);
        List<OpenAiStub.Request> r = stub.requests();
        assertThat(r).extracting(OpenAiStub.Request::status).containsExactly(429, 200);
        assertThat(r.get(1).arrivedNanos() - r.get(0).arrivedNanos())
                .as("the retry waits for Retry-After, not just the 50 ms backoff")
                .isGreaterThanOrEqualTo(1_000_000_000L);
    }

    @Test
    void givesUpWhenRetryAfterIsLongerThanTheLongestBackoff() throws Exception {
        stub.plan((m, attempt) -> Fault.tooMany(60));

        ChatCompletionsClient.Reply reply =
                client(Duration.ofSeconds(2), 4, 1000, KEY)
                        .complete(body(700))
                        .get(10, TimeUnit.SECONDS);

        assertThat(reply.error()).isEqualTo("HTTP_429_RETRY_AFTER_TOO_LONG");
        assertThat(stub.requests()).hasSize(1);
    }

    @Test
    void retriesATimedOutRequest() throws Exception {
        // given a first answer slower than the 300 ms request timeout
        stub.plan((m, attempt) -> attempt == 1 ? Fault.slow(1500) : Fault.NONE);

        long t0 = System.nanoTime();
        ChatCompletionsClient.Reply reply =
                client(Duration.ofMillis(300), 3, 1000, KEY)
                        .complete(body(640))
                        .get(10, TimeUnit.SECONDS);
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;

        assertThat(reply.ok()).isTrue();
        assertThat(reply.attempts()).isEqualTo(2);
        assertThat(elapsedMs).as("did not wait for the slow answer").isLessThan(1400);
    }

    @Test
    void reportsTimeoutWhenEveryAttemptIsTooSlow() throws Exception {
        stub.plan((m, attempt) -> Fault.slow(800));

        ChatCompletionsClient.Reply reply =
                client(Duration.ofMillis(200), 2, 1000, KEY)
                        .complete(body(640))
                        .get(10, TimeUnit.SECONDS);

        assertThat(reply.error()).isEqualTo("TIMEOUT");
        assertThat(reply.attempts()).isEqualTo(2);
    }

    @Test
    void doesNotRetryClientErrors() throws Exception {
        // a wrong key is a 401: retrying cannot help
        ChatCompletionsClient.Reply reply =
                client(Duration.ofSeconds(2), 4, 1000, "sk-wrong")
                        .complete(body(700))
                        .get(10, TimeUnit.SECONDS);

        assertThat(reply.error()).isEqualTo("HTTP_401");
        assertThat(reply.attempts()).isEqualTo(1);
        assertThat(stub.requests()).extracting(OpenAiStub.Request::status).containsExactly(401);
    }

    @Test
    void unknownModelIsA404WithoutRetry() throws Exception {
        String body =
                ReplayRequests.body(
                        ReplayFixtures.decision("bank_456", "e1", Instant.now(), 700, false),
                        "no-such-model");
        ChatCompletionsClient.Reply reply =
                client(Duration.ofSeconds(2), 4, 1000, KEY)
                        .complete(body)
                        .get(10, TimeUnit.SECONDS);

        assertThat(reply.error()).isEqualTo("HTTP_404");
        assertThat(reply.attempts()).isEqualTo(1);
    }

    @Test
    void cutsOffAResponseLargerThanTheCapWhileStreamingAndDoesNotRetry() throws Exception {
        // given a model that streams a 64 MiB answer (chunked, so no length is announced)
        long huge = 64L * 1024 * 1024;
        stub.plan((m, attempt) -> Fault.hugeBody(huge, false));

        // when the client, at the default cap of 1 MiB, asks
        ChatCompletionsClient.Reply reply =
                client(Duration.ofSeconds(20), 3, 1000, KEY)
                        .complete(body(700))
                        .get(60, TimeUnit.SECONDS);

        // then that decision fails as RESPONSE_TOO_LARGE, without a retry
        assertThat(reply.ok()).isFalse();
        assertThat(reply.error()).isEqualTo("RESPONSE_TOO_LARGE");
        assertThat(reply.body()).isNull();
        assertThat(reply.attempts()).isEqualTo(1);
        assertThat(stub.requests()).hasSize(1);
        // and the client stopped reading and closed the connection: the server could not write
        // the rest (what it wrote is at most the cap plus the socket buffers, far below 64 MiB)
        OpenAiStub.HugeBody sent = stub.awaitHugeBody();
        assertThat(sent.aborted()).isTrue();
        assertThat(sent.written()).isLessThan(huge / 2);
    }

    @Test
    void refusesAnAnnouncedOversizedResponseBeforeReadingIt() throws Exception {
        // given a 2 MiB answer announced in Content-Length
        stub.plan((m, attempt) -> Fault.hugeBody(2L * 1024 * 1024, true));

        ChatCompletionsClient.Reply reply =
                client(Duration.ofSeconds(20), 3, 1000, KEY)
                        .complete(body(700))
                        .get(60, TimeUnit.SECONDS);

        assertThat(reply.error()).isEqualTo("RESPONSE_TOO_LARGE");
        assertThat(reply.attempts()).isEqualTo(1);
    }

    @Test
    void rateLimitSpacesRequestsEvenly() throws Exception {
        // given a limit of 20 requests per second and 20 requests sent at once
        ChatCompletionsClient client = client(Duration.ofSeconds(2), 1, 20, KEY);
        List<CompletableFuture<ChatCompletionsClient.Reply>> replies = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            replies.add(client.complete(body(600 + i)));
        }
        for (CompletableFuture<ChatCompletionsClient.Reply> f : replies) {
            assertThat(f.get(10, TimeUnit.SECONDS).ok()).isTrue();
        }

        // then they arrive over 19 intervals of 50 ms (950 ms; a burst would take a few ms). The
        // lower bound leaves room for the first request's connection set-up delaying its arrival.
        List<Long> arrivals =
                stub.requests().stream().map(OpenAiStub.Request::arrivedNanos).sorted().toList();
        assertThat(arrivals).hasSize(20);
        long spanMs = (arrivals.get(19) - arrivals.get(0)) / 1_000_000;
        assertThat(spanMs).isBetween(700L, 2500L);
    }
}
