package io.decisionledger.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.testing.PresidioStub;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.functions.async.AsyncRetryStrategy;
import org.apache.flink.streaming.api.functions.async.CollectionSupplier;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.junit.jupiter.api.Test;

/**
 * The recogniser's async function against a real HTTP server with Presidio's /analyze contract
 * ({@link PresidioStub}, standing in for Presidio): names and places it finds are replaced; a
 * service that is down, slow, failing or talking nonsense leaves the record with its free text
 * redacted and flagged, never passed through.
 */
class RecognizerMaskingTest {

    private static final String PROMPT = "Co-signer Emeka Okafor of Lagos, see [EMAIL]";
    private static final String HISTORY = "Zoë Brandt 🙂 referred Emeka Okafor";

    private static OpsDecisionRecord record() {
        return OpsDecisionRecord.newBuilder()
                .setEventId("evt-1")
                .setEventType("AI_DECISION")
                .setEventTime(Instant.parse("2026-03-14T09:30:00Z"))
                .setTenantId("bank_456")
                .setUserPseudonym("u")
                .setCasePseudonym("c")
                .setPseudonymKeyId("k1")
                .setModel("gpt-4o")
                .setModelVersion("v")
                .setPrompt(PROMPT)
                .setSystemPrompt(null)
                .setContextUserHistory(List.of(HISTORY, "no names here"))
                .setResponseContent("{\"approved\": true}")
                .setDecisionReasoning("Okafor's income from Lagos is stable")
                .setMaskedValues(1)
                .setMaskingPolicyVersion("t")
                .setIngestTime(Instant.parse("2026-03-14T09:30:01Z"))
                .setContentSha256("ab".repeat(32))
                .build();
    }

    /** One request may take 300 ms: the slow stub never answers in time. */
    private static RecognizerSettings settings(String url) {
        return settings(url, Duration.ofMillis(300));
    }

    private static RecognizerSettings settings(String url, Duration requestTimeout) {
        return new RecognizerSettings(
                URI.create(url),
                requestTimeout,
                1,
                Duration.ofMillis(10),
                Duration.ofSeconds(5),
                10);
    }

    private static Tuple2<OpsDecisionRecord, Boolean> invoke(String url, OpsDecisionRecord in)
            throws Exception {
        return invoke(settings(url), in);
    }

    private static Tuple2<OpsDecisionRecord, Boolean> invoke(
            RecognizerSettings settings, OpsDecisionRecord in) throws Exception {
        RecognizerMasking f = new RecognizerMasking(settings);
        f.open(null);
        Collecting result = new Collecting();
        f.asyncInvoke(in, result);
        Collection<Tuple2<OpsDecisionRecord, Boolean>> out = result.done.get(30, TimeUnit.SECONDS);
        assertThat(out).hasSize(1);
        return out.iterator().next();
    }

    @Test
    void replacesTheNamesAndPlacesTheServiceFinds() throws Exception {
        try (PresidioStub presidio =
                new PresidioStub(PresidioStub.Mode.ANSWER, PresidioStub.plantedEntities())) {
            // given
            OpsDecisionRecord in = record();

            // when
            Tuple2<OpsDecisionRecord, Boolean> out =
                    invoke(settings(presidio.url(), Duration.ofSeconds(30)), in);

            // then: offsets in code points (the emoji is two UTF-16 units) land right
            assertThat(out.f1).isFalse();
            assertThat(out.f0.getPrompt()).isEqualTo("Co-signer [NAME] of [LOCATION], see [EMAIL]");
            assertThat(out.f0.getContextUserHistory())
                    .containsExactly("[NAME] 🙂 referred [NAME]", "no names here");
            assertThat(out.f0.getDecisionReasoning())
                    .isEqualTo("Okafor's income from [LOCATION] is stable");
            assertThat(out.f0.getResponseContent()).isEqualTo("{\"approved\": true}");
            assertThat(out.f0.getMaskedValues()).isEqualTo(1 + 5);
            assertThat(presidio.requests()).isEqualTo(1);
            assertThat(in.getPrompt()).isEqualTo(PROMPT); // the input is left as it was
        }
    }

    @Test
    void redactsEveryFreeTextFieldWhenTheServiceIsDown() throws Exception {
        assertRedacted(invoke(PresidioStub.downUrl(), record()));
    }

    @Test
    void redactsWhenTheServiceIsTooSlow() throws Exception {
        try (PresidioStub presidio = new PresidioStub(PresidioStub.Mode.SLOW, java.util.Map.of())) {
            assertRedacted(invoke(presidio.url(), record()));
        }
    }

    @Test
    void redactsWhenTheServiceFails() throws Exception {
        try (PresidioStub presidio =
                new PresidioStub(PresidioStub.Mode.ERROR, java.util.Map.of())) {
            assertRedacted(invoke(presidio.url(), record()));
        }
    }

    @Test
    void theTimeoutRedactsToo() {
        // when async I/O's overall timeout (retries included) fires
        RecognizerMasking f = new RecognizerMasking(settings("http://127.0.0.1:1"));
        Collecting result = new Collecting();
        f.timeout(record(), result);

        // then
        assertRedacted(result.done.join().iterator().next());
    }

    @Test
    void retriesWhileTheResultIsRedactedAsOftenAsConfigured() {
        // given one retry (settings(url))
        AsyncRetryStrategy<Tuple2<OpsDecisionRecord, Boolean>> retry =
                RecognizerMasking.retryStrategy(settings("http://127.0.0.1:1"));
        Predicate<Collection<Tuple2<OpsDecisionRecord, Boolean>>> when =
                retry.getRetryPredicate().resultPredicate().orElseThrow();

        // then: a redacted (failed) result is retried, a recognised one is not, once at most
        assertThat(when.test(List.of(Tuple2.of(record(), true)))).isTrue();
        assertThat(when.test(List.of(Tuple2.of(record(), false)))).isFalse();
        assertThat(retry.canRetry(1)).isTrue();
        assertThat(retry.canRetry(2)).isFalse();
        assertThat(retry.getRetryPredicate().exceptionPredicate()).isEmpty();
        assertThat(retry.getBackoffTimeMillis(1)).isEqualTo(10);
        assertThat(
                        RecognizerMasking.retryStrategy(
                                        new RecognizerSettings(
                                                URI.create("http://127.0.0.1:1"),
                                                Duration.ofSeconds(1),
                                                0,
                                                Duration.ofMillis(10),
                                                Duration.ofSeconds(5),
                                                10))
                                .canRetry(1))
                .isFalse();
        assertThatThrownBy(
                        () ->
                                new RecognizerSettings(
                                        URI.create("http://127.0.0.1:1"),
                                        Duration.ofSeconds(1),
                                        1,
                                        Duration.ZERO,
                                        Duration.ofSeconds(5),
                                        10))
                .hasMessageContaining("--recognizer-retry-delay must be at least 1 ms");
    }

    @Test
    void refusesAnAnswerWhoseOffsetsDoNotFitTheText() {
        String text = "Emeka Okafor";
        byte[] outside =
                "[{\"entity_type\":\"PERSON\",\"start\":0,\"end\":13,\"score\":0.9}]"
                        .getBytes(StandardCharsets.UTF_8);
        byte[] notAList = "{\"error\":\"x\"}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> PresidioRecognizer.findings(outside, text))
                .hasMessage("the recogniser's answer has a finding outside the text");
        assertThatThrownBy(() -> PresidioRecognizer.findings(notAList, text))
                .hasMessage("the recogniser's answer is not a list of findings");
        assertThat(new String(PresidioRecognizer.request(text), StandardCharsets.UTF_8))
                .isEqualTo(
                        "{\"text\":\"Emeka Okafor\",\"language\":\"en\","
                                + "\"entities\":[\"PERSON\",\"LOCATION\"]}");
    }

    @Test
    void settingsRefuseAUrlThatIsNoHttpServiceOrCarriesCredentials() {
        assertThatThrownBy(() -> settings("file:///etc/passwd"))
                .hasMessageContaining("--recognizer-url must be an http:// or https:// URL");
        assertThatThrownBy(() -> settings("http://user:secret@presidio:3000"))
                .hasMessageContaining("must not carry credentials");
        assertThat(settings("http://presidio:3000/").analyzeEndpoint())
                .isEqualTo(URI.create("http://presidio:3000/analyze"));
    }

    private static void assertRedacted(Tuple2<OpsDecisionRecord, Boolean> out) {
        assertThat(out.f1).isTrue();
        OpsDecisionRecord r = out.f0;
        assertThat(r.getPrompt()).isEqualTo(RecognizerMasking.REDACTED);
        assertThat(r.getSystemPrompt()).isNull();
        assertThat(r.getContextUserHistory())
                .containsExactly(RecognizerMasking.REDACTED, RecognizerMasking.REDACTED);
        assertThat(r.getResponseContent()).isEqualTo(RecognizerMasking.REDACTED);
        assertThat(r.getDecisionReasoning()).isEqualTo(RecognizerMasking.REDACTED);
        assertThat(r.getMaskedValues()).isEqualTo(1 + 5);
        assertThat(r.toString()).doesNotContain("Okafor", "Lagos", "Zoë");
    }

    private static final class Collecting
            implements ResultFuture<Tuple2<OpsDecisionRecord, Boolean>> {
        final CompletableFuture<Collection<Tuple2<OpsDecisionRecord, Boolean>>> done =
                new CompletableFuture<>();

        @Override
        public void complete(Collection<Tuple2<OpsDecisionRecord, Boolean>> result) {
            done.complete(result);
        }

        @Override
        public void completeExceptionally(Throwable error) {
            done.completeExceptionally(error);
        }

        @Override
        public void complete(CollectionSupplier<Tuple2<OpsDecisionRecord, Boolean>> supplier) {
            try {
                done.complete(supplier.get());
            } catch (Exception e) {
                done.completeExceptionally(e);
            }
        }
    }
}
