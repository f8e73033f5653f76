package io.decisionledger.models;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelCertification;
import io.decisionledger.schema.ModelVersionCard;
import io.decisionledger.testing.Proves;
import java.time.Instant;
import java.util.List;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithNonKeyedOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.BroadcastOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

class ModelCardLinkerTest {

    private static final Instant T = Instant.parse("2026-03-01T09:00:00Z");

    static ModelVersionCard card(
            String id, String version, Instant at, String sha, String... certs) {
        return ModelVersionCard.newBuilder()
                .setCardId(id)
                .setCardSha256(sha)
                .setCardJson("{}")
                .setEventId("mv-" + id)
                .setRegisteredAt(at)
                .setTenantId(null)
                .setModelMetadataId(null)
                .setModelName("gpt-4o")
                .setModelVersion(version)
                .setReleaseDate(null)
                .setTrainingCutoff(null)
                .setFineTuningDataset(null)
                .setEvaluationMetrics(null)
                .setCertifications(
                        java.util.Arrays.stream(certs)
                                .map(
                                        c ->
                                                c.startsWith("!")
                                                        ? new ModelCertification(
                                                                c.substring(1), null, false)
                                                        : new ModelCertification(c, null, true))
                                .toList())
                .setSourceTopic("decisions")
                .setSourcePartition(0)
                .setSourceOffset(0L)
                .setIngestTime(at)
                .build();
    }

    static DecisionRecord decision(
            String tenant, String eventId, String version, String metadataId) {
        DecisionRecord d = new DecisionRecord();
        d.setTenantId(tenant);
        d.setEventId(eventId);
        d.setModelVersion(version);
        d.setModelMetadataId(metadataId);
        return d;
    }

    private static BroadcastOperatorTestHarness<DecisionRecord, ModelVersionCard, DecisionRecord>
            harness(RequiredCertifications required) throws Exception {
        return ProcessFunctionTestHarnesses.forBroadcastProcessFunction(
                new ModelCardLinker(required), ModelCardLinker.CARDS);
    }

    private static DecisionRecord process(
            BroadcastOperatorTestHarness<DecisionRecord, ModelVersionCard, DecisionRecord> h,
            DecisionRecord d)
            throws Exception {
        h.getOutput().clear();
        h.processElement(d, 0);
        @SuppressWarnings("unchecked")
        StreamRecord<DecisionRecord> out = (StreamRecord<DecisionRecord>) h.getOutput().poll();
        return out.getValue();
    }

    @Test
    @Proves({"SR-26-2-inventory"})
    void linksTheLatestCardOfTheModelVersionAndFlagsTheRest() throws Exception {
        RequiredCertifications required = RequiredCertifications.parse("bank_456=EU_AI_ACT");
        try (var h = harness(required)) {
            // given two versions of the card for v1 (arriving newest first) and a card for v2
            // without EU_AI_ACT
            h.processBroadcastElement(
                    card("card-v1-b", "v1", T.plusSeconds(60), "bb", "EU_AI_ACT", "SOC2"), 0);
            h.processBroadcastElement(card("card-v1-a", "v1", T, "aa", "SOC2"), 0);
            h.processBroadcastElement(card("card-v2", "v2", T, "cc", "SOC2", "!EU_AI_ACT"), 0);

            DecisionRecord linked = process(h, decision("bank_456", "e1", "v1", null));
            assertThat(linked.getModelCardId()).isEqualTo("card-v1-b");
            assertThat(linked.getModelCardSha256()).isEqualTo("bb");
            assertThat(linked.getModelCardStatus()).isEqualTo("LINKED");

            DecisionRecord uncertified = process(h, decision("bank_456", "e2", "v2", null));
            assertThat(uncertified.getModelCardId()).isEqualTo("card-v2");
            assertThat(uncertified.getModelCardStatus()).isEqualTo("MISSING_CERTIFICATION");

            // another tenant requires nothing
            assertThat(process(h, decision("insurer_789", "e3", "v2", null)).getModelCardStatus())
                    .isEqualTo("LINKED");

            DecisionRecord unknown = process(h, decision("bank_456", "e4", "v3", null));
            assertThat(unknown.getModelCardId()).isNull();
            assertThat(unknown.getModelCardSha256()).isNull();
            assertThat(unknown.getModelCardStatus()).isEqualTo("NO_CARD");

            // the decision's modelMetadataId picks that card of its version
            assertThat(process(h, decision("bank_456", "e5", "v1", "card-v1-a")).getModelCardId())
                    .isEqualTo("card-v1-a");
            // ... but never a card of another version
            assertThat(process(h, decision("bank_456", "e6", "v1", "card-v2")).getModelCardId())
                    .isEqualTo("card-v1-b");
        }
    }

    @Test
    void registryIsRestoredFromASnapshot() throws Exception {
        OperatorSubtaskState snapshot;
        try (var h = harness(RequiredCertifications.none())) {
            h.processBroadcastElement(card("card-v1", "v1", T, "aa"), 0);
            snapshot = h.snapshot(1L, 1L);
        }
        try (var restored = harness(RequiredCertifications.none())) {
            // a fresh harness restored from the snapshot, before any card arrives again
            BroadcastOperatorTestHarness<DecisionRecord, ModelVersionCard, DecisionRecord> h =
                    restoredHarness(snapshot);
            DecisionRecord d = process(h, decision("bank_456", "e1", "v1", null));
            assertThat(d.getModelCardId()).isEqualTo("card-v1");
            assertThat(d.getModelCardStatus()).isEqualTo("LINKED");
            h.close();
        }
    }

    private static BroadcastOperatorTestHarness<DecisionRecord, ModelVersionCard, DecisionRecord>
            restoredHarness(OperatorSubtaskState snapshot) throws Exception {
        BroadcastOperatorTestHarness<DecisionRecord, ModelVersionCard, DecisionRecord> h =
                new BroadcastOperatorTestHarness<>(
                        new CoBroadcastWithNonKeyedOperator<>(
                                new ModelCardLinker(RequiredCertifications.none()),
                                List.of(ModelCardLinker.CARDS)),
                        1,
                        1,
                        0);
        h.initializeState(snapshot);
        h.open();
        return h;
    }

    @Test
    void requiredCertificationsParseAndCombineTheWildcard() {
        RequiredCertifications r =
                RequiredCertifications.parse("*=SOC2, bank_456=EU_AI_ACT+ISO42001");

        assertThat(r.of("bank_456")).containsExactly("EU_AI_ACT", "ISO42001", "SOC2");
        assertThat(r.of("insurer_789")).containsExactly("SOC2");
        assertThat(r.missing("bank_456", card("c", "v", T, "aa", "SOC2", "!ISO42001")))
                .containsExactly("EU_AI_ACT", "ISO42001");
        assertThat(RequiredCertifications.parse(r.toString()).of("bank_456"))
                .isEqualTo(r.of("bank_456"));
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> RequiredCertifications.parse("bank_456"))
                .isInstanceOf(IllegalArgumentException.class);
        org.assertj.core.api.Assertions.assertThatThrownBy(
                        () -> RequiredCertifications.parse("bank_456=A++B"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
