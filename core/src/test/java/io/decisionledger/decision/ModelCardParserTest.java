package io.decisionledger.decision;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.ModelCertification;
import io.decisionledger.schema.ModelVersionCard;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelCardParserTest {

    private static final Instant INGEST = Instant.parse("2026-03-15T10:00:00Z");
    private final ModelCardParser parser = new ModelCardParser(ParserLimits.defaults());

    static final String CARD =
            "{\"eventId\":\"mv-1\",\"eventType\":\"MODEL_VERSION_REGISTERED\","
                    + "\"timestamp\":\"2026-03-01T09:00:00.123456789Z\",\"tenantId\":\"bank_456\","
                    + "\"modelMetadataId\":\"meta_abc123\","
                    + "\"modelMetadata\":{\"modelName\":\"gpt-4o\",\"version\":\"gpt-4o-2024-05-13\","
                    + "\"releaseDate\":\"2024-05-13\",\"trainingCutoff\":\"2024-04-01\","
                    + "\"finetuningDataset\":\"proprietary_loan_decisions_2024\","
                    + "\"evaluationMetrics\":{\"accuracy\":0.94,\"precision\":0.91,\"recall\":0.93,\"fairnessScore\":0.89},"
                    + "\"certifications\":[{\"name\":\"EU_AI_ACT\",\"level\":\"HIGH_RISK\"},{\"name\":\"SOC2\",\"passed\":true}]}}";

    private ModelCardParser.Outcome parse(String json) {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8), "decisions", 1, 7, INGEST);
    }

    @Test
    void parsesEveryFieldOfTheReferenceCard() {
        ModelVersionCard c = parse(CARD).card();

        assertThat(c.getCardId()).isEqualTo("meta_abc123");
        assertThat(c.getEventId()).isEqualTo("mv-1");
        assertThat(c.getRegisteredAt()).isEqualTo(Instant.parse("2026-03-01T09:00:00.123456Z"));
        assertThat(c.getTenantId()).isEqualTo("bank_456");
        assertThat(c.getModelName()).isEqualTo("gpt-4o");
        assertThat(c.getModelVersion()).isEqualTo("gpt-4o-2024-05-13");
        assertThat(c.getReleaseDate()).isEqualTo("2024-05-13");
        assertThat(c.getTrainingCutoff()).isEqualTo("2024-04-01");
        assertThat(c.getFineTuningDataset()).isEqualTo("proprietary_loan_decisions_2024");
        assertThat(c.getEvaluationMetrics())
                .isEqualTo(
                        Map.of(
                                "accuracy",
                                0.94,
                                "precision",
                                0.91,
                                "recall",
                                0.93,
                                "fairnessScore",
                                0.89));
        assertThat(c.getCertifications())
                .containsExactly(
                        new ModelCertification("EU_AI_ACT", "HIGH_RISK", null),
                        new ModelCertification("SOC2", null, true));
        assertThat(c.getSourceTopic()).isEqualTo("decisions");
        assertThat(c.getSourcePartition()).isEqualTo(1);
        assertThat(c.getSourceOffset()).isEqualTo(7L);
        assertThat(c.getIngestTime()).isEqualTo(INGEST);
    }

    /** The CANONICAL.md section 7 vector: canonical card JSON and its SHA-256. */
    @Test
    void hashesTheCanonicalCardJson() throws Exception {
        ModelVersionCard c = parse(CARD).card();

        String expectedJson =
                "{\"certifications\":[{\"level\":\"HIGH_RISK\",\"name\":\"EU_AI_ACT\"},{\"name\":\"SOC2\",\"passed\":true}],"
                        + "\"evaluationMetrics\":{\"accuracy\":0.94,\"fairnessScore\":0.89,\"precision\":0.91,\"recall\":0.93},"
                        + "\"finetuningDataset\":\"proprietary_loan_decisions_2024\",\"modelName\":\"gpt-4o\","
                        + "\"releaseDate\":\"2024-05-13\",\"trainingCutoff\":\"2024-04-01\",\"version\":\"gpt-4o-2024-05-13\"}";
        assertThat(c.getCardJson()).isEqualTo(expectedJson);
        String independent =
                HexFormat.of()
                        .formatHex(
                                java.security.MessageDigest.getInstance("SHA-256")
                                        .digest(expectedJson.getBytes(StandardCharsets.UTF_8)));
        assertThat(c.getCardSha256()).isEqualTo(independent).isEqualTo(CARD_SHA256);
    }

    /** Recorded once; documented in schemas/CANONICAL.md section 7. */
    static final String CARD_SHA256 =
            "cffb9fb48b03131cc7d026554b62587a511539767ecff71e5d9e1ba6ccfdba34";

    @Test
    void sameCardWithKeysReorderedHasTheSameHashAndAnEditedCardAnother() {
        String reordered =
                "{\"modelMetadata\":{\"version\":\"gpt-4o-2024-05-13\",\"modelName\":\"gpt-4o\"},"
                        + "\"timestamp\":\"2026-03-01T09:00:00Z\",\"eventType\":\"MODEL_VERSION_REGISTERED\"}";
        String original =
                "{\"eventType\":\"MODEL_VERSION_REGISTERED\",\"timestamp\":\"2026-04-01T00:00:00Z\","
                        + "\"modelMetadata\":{\"modelName\":\"gpt-4o\",\"version\":\"gpt-4o-2024-05-13\"}}";
        String edited =
                "{\"eventType\":\"MODEL_VERSION_REGISTERED\",\"timestamp\":\"2026-04-01T00:00:00Z\","
                        + "\"modelMetadata\":{\"modelName\":\"gpt-4o\",\"version\":\"gpt-4o-2024-05-13\",\"recall\":1}}";

        ModelVersionCard a = parse(reordered).card();
        ModelVersionCard b = parse(original).card();
        ModelVersionCard c = parse(edited).card();

        assertThat(a.getCardSha256()).isEqualTo(b.getCardSha256());
        assertThat(c.getCardSha256()).isNotEqualTo(a.getCardSha256());
        // no modelMetadataId: the id is derived from version and hash; no eventId: from Kafka
        assertThat(a.getCardId())
                .isEqualTo("mv:gpt-4o-2024-05-13:" + a.getCardSha256().substring(0, 16));
        assertThat(a.getEventId()).isEqualTo("kafka:decisions:1:7");
        assertThat(c.getCardJson()).contains("\"recall\":1");
    }

    @Test
    void refusesACardWithoutVersion() {
        ModelCardParser.Outcome o =
                parse(
                        "{\"eventType\":\"MODEL_VERSION_REGISTERED\",\"timestamp\":\"2026-04-01T00:00:00Z\","
                                + "\"tenantId\":\"bank_456\",\"modelMetadata\":{\"modelName\":\"gpt-4o\"}}");

        assertThat(o.card()).isNull();
        assertThat(o.rejection().reason()).isEqualTo(ReasonCode.MISSING_FIELD);
        assertThat(o.rejection().detail()).isEqualTo("modelMetadata.version is required");
        assertThat(o.rejection().tenantId()).isEqualTo("bank_456");
    }

    @Test
    void refusesWrongTypesAndBadDatesNamingTheFieldNotTheValue() {
        assertThat(
                        parse(CARD.replace("\"accuracy\":0.94", "\"accuracy\":\"high-secret\""))
                                .rejection())
                .satisfies(
                        r -> {
                            assertThat(r.reason()).isEqualTo(ReasonCode.WRONG_TYPE);
                            assertThat(r.detail()).doesNotContain("high-secret");
                        });
        assertThat(parse(CARD.replace("\"2024-04-01\"", "\"April 2024\"")).rejection().reason())
                .isEqualTo(ReasonCode.INVALID_TIMESTAMP);
        assertThat(parse(CARD.replace("{\"name\":\"SOC2\",", "{")).rejection().detail())
                .isEqualTo("modelMetadata.certifications[].name is required");
        assertThat(
                        parse(CARD.replace("\"passed\":true", "\"passed\":\"yes\""))
                                .rejection()
                                .reason())
                .isEqualTo(ReasonCode.WRONG_TYPE);
        assertThat(
                        parse(CARD.replace("\"timestamp\":\"2026-03-01T09:00:00.123456789Z\",", ""))
                                .rejection()
                                .reason())
                .isEqualTo(ReasonCode.MISSING_FIELD);
    }

    @Test
    void leavesOtherEventTypesToTheDecisionParser() {
        ModelCardParser.Outcome o = parse(CARD.replace("MODEL_VERSION_REGISTERED", "AI_DECISON"));

        assertThat(o.isCardEvent()).isFalse();
        assertThat(parse("not json").isCardEvent()).isFalse();
    }
}
