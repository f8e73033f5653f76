package io.decisionledger.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ReplayResult;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReplayComparisonTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant T = Instant.parse("2026-03-15T10:00:00Z");

    private static ChatCompletionsClient.Reply answer(String content) throws Exception {
        String body =
                JSON.writeValueAsString(
                        JSON.createObjectNode()
                                .set(
                                        "choices",
                                        JSON.createArrayNode()
                                                .add(
                                                        JSON.createObjectNode()
                                                                .set(
                                                                        "message",
                                                                        JSON.createObjectNode()
                                                                                .put(
                                                                                        "role",
                                                                                        "assistant")
                                                                                .put(
                                                                                        "content",
                                                                                        content)))));
        return new ChatCompletionsClient.Reply(body, null, 1, 12, 200);
    }

    private static DecisionRecord stored(boolean approved, double confidence, String reasoning) {
        DecisionRecord d = ReplayFixtures.decision("bank_456", "evt-1", T, 700, false);
        d.setDecisionApproved(approved);
        d.setDecisionConfidence(confidence);
        d.setDecisionReasoning(reasoning);
        return d;
    }

    @Test
    void matchesWhenApprovedIsEqualAndConfidenceWithinTolerance() throws Exception {
        ReplayResult r =
                ReplayComparison.compare(
                        "run1",
                        stored(true, 0.90, "Good credit score and stable income"),
                        "gpt-4o-2024-05-13",
                        answer(
                                "Here you go: {\"approved\": true, \"confidence\": 0.93, \"reasoning\": \"Stable income, good credit score.\"}"),
                        0.05);

        assertThat(r.getStatus()).isEqualTo("MATCH");
        assertThat(r.getApprovedEqual()).isTrue();
        assertThat(r.getConfidenceDelta()).isCloseTo(0.03, within(1e-9));
        // tokens {good, credit, score, and, stable, income} vs {stable, income, good, credit,
        // score}
        assertThat(r.getReasoningSimilarity()).isCloseTo(5.0 / 6, within(1e-9));
        assertThat(r.getWhatIf()).isFalse();
        assertThat(r.getAttempts()).isEqualTo(1);
        assertThat(r.getError()).isNull();
    }

    @Test
    void driftsWhenApprovalFlips() throws Exception {
        ReplayResult r =
                ReplayComparison.compare(
                        "run1",
                        stored(true, 0.90, "ok"),
                        "strict-2026-01",
                        answer("{\"approved\": false, \"confidence\": 0.90}"),
                        0.05);

        assertThat(r.getStatus()).isEqualTo("DRIFT");
        assertThat(r.getApprovedEqual()).isFalse();
        assertThat(r.getConfidenceDelta()).isCloseTo(0.0, within(1e-9));
        assertThat(r.getReasoningSimilarity()).isNull();
        assertThat(r.getWhatIf()).isTrue();
    }

    @Test
    void driftsWhenConfidenceMovesBeyondTolerance() throws Exception {
        ReplayResult r =
                ReplayComparison.compare(
                        "run1",
                        stored(true, 0.90, "a b"),
                        "gpt-4o-2024-05-13",
                        answer(
                                "{\"approved\": true, \"confidence\": 0.80, \"reasoning\": \"c d\"}"),
                        0.05);

        assertThat(r.getStatus()).isEqualTo("DRIFT");
        assertThat(r.getConfidenceDelta()).isCloseTo(-0.10, within(1e-9));
        assertThat(r.getReasoningSimilarity()).isEqualTo(0.0);
    }

    @Test
    void errorsCarryTheCodeAndNoReplayedDecision() {
        ReplayResult r =
                ReplayComparison.compare(
                        "run1",
                        stored(true, 0.9, "x"),
                        "gpt-4o-2024-05-13",
                        new ChatCompletionsClient.Reply(null, "HTTP_500", 4, 900, 500),
                        0.05);

        assertThat(r.getStatus()).isEqualTo("ERROR");
        assertThat(r.getError()).isEqualTo("HTTP_500");
        assertThat(r.getAttempts()).isEqualTo(4);
        assertThat(r.getStoredApproved()).isTrue();
        assertThat(r.getReplayedApproved()).isNull();
    }

    @Test
    void aResponseWithoutADecisionIsAnError() throws Exception {
        ReplayResult r =
                ReplayComparison.compare(
                        "run1",
                        stored(true, 0.9, "x"),
                        "gpt-4o-2024-05-13",
                        answer("I cannot decide {this} application."),
                        0.05);

        assertThat(r.getStatus()).isEqualTo("ERROR");
        assertThat(r.getError()).isEqualTo("NO_DECISION_IN_RESPONSE");
        assertThat(r.getReplayedContent()).isEqualTo("I cannot decide {this} application.");
    }

    @Test
    void storedDecisionFallsBackToTheResponseText() {
        DecisionRecord d = stored(true, 0.9, "x");
        d.setDecisionApproved(null);
        d.setDecisionConfidence(null);
        d.setDecisionReasoning(null);
        d.setResponseContent("```json\n{ \"approved\": false, \"confidence\": 0.61 }\n```");

        ReplayRequests.ModelDecision was = ReplayComparison.stored(d);

        assertThat(was.approved()).isFalse();
        assertThat(was.confidence()).isEqualTo(0.61);
    }

    @Test
    void similarityIsJaccardOfWordTokens() {
        assertThat(ReplayComparison.similarity("", "  ")).isEqualTo(1.0);
        assertThat(ReplayComparison.similarity("Score 720, OK!", "ok score 720")).isEqualTo(1.0);
        assertThat(ReplayComparison.similarity("a b c", "c d")).isCloseTo(0.25, within(1e-12));
    }

    @Test
    void requestCarriesSystemPromptPromptContextAndRecordedParameters() throws Exception {
        DecisionRecord d = stored(true, 0.9, "x");

        JsonNode req = JSON.readTree(ReplayRequests.body(d, "what-if-model"));

        assertThat(req.get("model").asText()).isEqualTo("what-if-model");
        assertThat(req.get("temperature").asDouble()).isEqualTo(0.0);
        assertThat(req.get("max_tokens").asLong()).isEqualTo(200);
        assertThat(req.get("top_p").asDouble()).isEqualTo(1.0);
        JsonNode messages = req.get("messages");
        assertThat(messages).hasSize(2);
        assertThat(messages.get(0).get("role").asText()).isEqualTo("system");
        assertThat(messages.get(0).get("content").asText()).isEqualTo(d.getSystemPrompt());
        assertThat(messages.get(1).get("role").asText()).isEqualTo("user");
        assertThat(messages.get(1).get("content").asText())
                .isEqualTo(
                        "Evaluate this loan application\n\nContext:\n"
                                + "{\"metadata\":{\"creditScore\":700},\"userHistory\":[\"2 previous loans\"]}");
    }

    @Test
    void summaryCountsPerModelVersionAndRanksFlipsFirst() throws Exception {
        ReplayResult match =
                ReplayComparison.compare(
                        "r",
                        stored(true, 0.9, "x"),
                        "m",
                        answer("{\"approved\":true,\"confidence\":0.9}"),
                        0.05);
        ReplayResult smallDrift =
                ReplayComparison.compare(
                        "r",
                        stored(true, 0.9, "x"),
                        "m",
                        answer("{\"approved\":true,\"confidence\":0.5}"),
                        0.05);
        smallDrift.setEventId("evt-2");
        ReplayResult flip =
                ReplayComparison.compare(
                        "r",
                        stored(true, 0.9, "x"),
                        "m",
                        answer("{\"approved\":false,\"confidence\":0.9}"),
                        0.05);
        flip.setEventId("evt-3");
        ReplayResult error =
                ReplayComparison.compare(
                        "r",
                        stored(true, 0.9, "x"),
                        "m",
                        new ChatCompletionsClient.Reply(null, "TIMEOUT", 3, 1, 0),
                        0.05);

        ReplaySummary s = ReplaySummary.of(List.of(match, smallDrift, flip, error), 5);

        assertThat(s.perModel()).hasSize(1);
        ReplaySummary.Line line = s.perModel().get(0);
        assertThat(line.decisions()).isEqualTo(4);
        assertThat(line.matches()).isEqualTo(1);
        assertThat(line.drifts()).isEqualTo(2);
        assertThat(line.errors()).isEqualTo(1);
        assertThat(line.matchRate()).isCloseTo(1.0 / 3, within(1e-12));
        assertThat(s.errors()).containsEntry("TIMEOUT", 1L);
        assertThat(s.worstDrifts())
                .extracting(ReplayResult::getEventId)
                .containsExactly("evt-3", "evt-2");
    }

    @Test
    void rateLimiterHandsOutEvenlySpacedSlots() {
        long[] now = {0};
        RateLimiter limiter = new RateLimiter(4, () -> now[0]); // one slot per 250 ms

        assertThat(limiter.reserve()).isEqualTo(0);
        assertThat(limiter.reserve()).isEqualTo(250_000_000L);
        assertThat(limiter.reserve()).isEqualTo(500_000_000L);
        now[0] = 2_000_000_000L; // idle time does not build up a burst
        assertThat(limiter.reserve()).isEqualTo(0);
        assertThat(limiter.reserve()).isEqualTo(250_000_000L);
    }
}
