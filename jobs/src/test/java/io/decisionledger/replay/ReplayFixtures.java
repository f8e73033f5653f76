package io.decisionledger.replay;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.OpenAiStub;
import java.time.Instant;
import java.util.List;

/** Stored decisions for the replay tests, scored like {@link OpenAiStub}'s model would. */
final class ReplayFixtures {

    private ReplayFixtures() {}

    /**
     * A stored decision about an applicant with {@code creditScore}, decided as the stub's {@code
     * gpt-4o-2024-05-13} decides, unless {@code drifted}: then approval is flipped.
     */
    static DecisionRecord decision(
            String tenant, String eventId, Instant time, int creditScore, boolean drifted) {
        OpenAiStub.Decision d = OpenAiStub.decide(OpenAiStub.MODEL, creditScore);
        return DecisionRecord.newBuilder()
                .setEventId(eventId)
                .setEventIdDerived(false)
                .setEventType("AI_DECISION")
                .setEventTime(time)
                .setTenantId(tenant)
                .setUserId("user-" + eventId)
                .setCaseId(null)
                .setModel("gpt-4o")
                .setModelVersion(OpenAiStub.MODEL)
                .setModelMetadataId(null)
                .setPrompt("Evaluate this loan application")
                .setSystemPrompt("You are a loan underwriting assistant. Answer in JSON.")
                .setContextUserHistory(List.of("2 previous loans"))
                .setContextRelevantDocuments(null)
                .setContextMetadataJson("{\"creditScore\":" + creditScore + "}")
                .setTemperature(0.0)
                .setMaxTokens(200L)
                .setTopP(1.0)
                .setResponseContent("{\"approved\":" + (d.approved() != drifted) + "}")
                .setResponseTokens(20L)
                .setResponseFinishReason("stop")
                .setDecisionApproved(d.approved() != drifted)
                .setDecisionConfidence(d.confidence())
                .setDecisionReasoning(d.reasoning())
                .setExtraJson(null)
                .setSourceTopic("decisions")
                .setSourcePartition(0)
                .setSourceOffset(0L)
                .setIngestTime(time)
                .setContentSha256("0".repeat(64))
                .build();
    }
}
