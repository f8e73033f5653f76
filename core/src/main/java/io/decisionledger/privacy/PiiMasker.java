package io.decisionledger.privacy;

import io.decisionledger.decision.CanonicalJson;
import io.decisionledger.decision.FieldDigests;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.metrics.Counter;

/**
 * Makes the masked operational copy of a stored decision: keyed pseudonyms for user and case, typed
 * placeholders for personal data in free text (detected, and the values the event declares
 * personal: its user id and the policy's personal metadata keys, see {@link PersonalValues}),
 * documents reduced to a count and a digest, context metadata reduced to the policy's allow-list.
 * Runs in the ingest job next to the audit sink, so the ops copy has the same event ids and the
 * same exactly-once guarantee.
 */
public final class PiiMasker extends RichMapFunction<DecisionRecord, OpsDecisionRecord> {
    private static final long serialVersionUID = 1L;

    public static final String METRIC_MASKED_VALUES = "ops_values_masked";
    static final String MASKED = "[MASKED]";

    /**
     * Text values of allow-listed metadata keys run through every detector: the allow-list says an
     * operator may see the key, not that whatever was put there is free of personal data.
     */
    private static final String METADATA_TEXT = "context_metadata";

    private final MaskingPolicy policy;
    private final PseudonymKey key;

    private transient PseudonymKey.Pseudonymizer pseudonyms;
    private transient TextMasker masker;
    private transient Map<String, Map<String, Pattern>> extraPatterns;
    private transient MessageDigest documents;
    private transient FieldDigests digests;
    private transient Counter maskedValues;

    public PiiMasker(MaskingPolicy policy, PseudonymKey key) {
        this.policy = policy;
        this.key = key;
    }

    @Override
    public void open(OpenContext openContext) {
        pseudonyms = key.open();
        masker = new TextMasker();
        extraPatterns = new HashMap<>();
        documents = FieldDigests.sha256();
        digests = new FieldDigests();
        maskedValues = getRuntimeContext().getMetricGroup().counter(METRIC_MASKED_VALUES);
    }

    /** For unit tests and tools: the same masking without a Flink runtime. */
    public static PiiMasker standalone(MaskingPolicy policy, PseudonymKey key) {
        PiiMasker m = new PiiMasker(policy, key);
        m.pseudonyms = key.open();
        m.masker = new TextMasker();
        m.extraPatterns = new HashMap<>();
        m.documents = FieldDigests.sha256();
        m.digests = new FieldDigests();
        m.maskedValues = new org.apache.flink.metrics.SimpleCounter();
        return m;
    }

    @Override
    public OpsDecisionRecord map(DecisionRecord r) {
        MaskingPolicy.Rules rules = policy.forTenant(r.getTenantId());
        Map<String, Pattern> extras =
                extraPatterns.computeIfAbsent(r.getTenantId(), t -> rules.compiledExtraPatterns());
        int[] replaced = {0};
        PersonalValues personal =
                PersonalValues.of(
                        r.getUserId(), r.getContextMetadataJson(), rules.personalMetadata());

        OpsDecisionRecord o = new OpsDecisionRecord();
        o.setEventId(r.getEventId());
        o.setEventType(r.getEventType());
        o.setEventTime(r.getEventTime());
        o.setTenantId(r.getTenantId());
        o.setUserPseudonym(pseudonyms.pseudonym(r.getTenantId(), r.getUserId()));
        o.setCasePseudonym(pseudonyms.pseudonym(r.getTenantId(), r.getCaseId()));
        o.setPseudonymKeyId(pseudonyms.keyId());
        o.setModel(r.getModel());
        o.setModelVersion(r.getModelVersion());
        o.setModelMetadataId(r.getModelMetadataId());
        o.setPrompt(mask(r.getPrompt(), "prompt", rules, extras, personal, replaced));
        o.setSystemPrompt(
                mask(r.getSystemPrompt(), "system_prompt", rules, extras, personal, replaced));
        if (r.getContextUserHistory() != null) {
            List<String> history = new ArrayList<>(r.getContextUserHistory().size());
            for (String entry : r.getContextUserHistory()) {
                history.add(mask(entry, "context_user_history", rules, extras, personal, replaced));
            }
            o.setContextUserHistory(history);
        }
        if (r.getContextRelevantDocuments() != null) {
            o.setContextRelevantDocumentsCount(r.getContextRelevantDocuments().size());
            o.setContextRelevantDocumentsSha256(documentsDigest(r.getContextRelevantDocuments()));
            replaced[0] += r.getContextRelevantDocuments().size();
        }
        if (r.getContextMetadataJson() != null) {
            String filtered =
                    CanonicalJson.filterObject(
                            r.getContextMetadataJson(),
                            rules.metadataAllowList()::contains,
                            text -> mask(text, METADATA_TEXT, rules, extras, personal, replaced),
                            MASKED);
            replaced[0] += countOccurrences(filtered, "\"" + MASKED + "\"");
            o.setContextMetadataJson(filtered);
        }
        o.setTemperature(r.getTemperature());
        o.setMaxTokens(r.getMaxTokens());
        o.setTopP(r.getTopP());
        o.setResponseContent(
                mask(
                        r.getResponseContent(),
                        "response_content",
                        rules,
                        extras,
                        personal,
                        replaced));
        o.setResponseTokens(r.getResponseTokens());
        o.setResponseFinishReason(r.getResponseFinishReason());
        o.setDecisionApproved(r.getDecisionApproved());
        o.setDecisionConfidence(r.getDecisionConfidence());
        o.setDecisionReasoning(
                mask(
                        r.getDecisionReasoning(),
                        "decision_reasoning",
                        rules,
                        extras,
                        personal,
                        replaced));
        o.setMaskedValues(replaced[0]);
        o.setMaskingPolicyVersion(rules.version());
        o.setIngestTime(r.getIngestTime());
        o.setContentSha256(r.getContentSha256());
        maskedValues.inc(replaced[0]);
        return o;
    }

    private String mask(
            String text,
            String field,
            MaskingPolicy.Rules rules,
            Map<String, Pattern> extras,
            PersonalValues personal,
            int[] replaced) {
        if (text == null) {
            return null;
        }
        TextMasker.Masked m =
                masker.mask(
                        text,
                        field.equals(METADATA_TEXT)
                                ? TextMasker.allKinds()
                                : rules.detectors(field),
                        extras,
                        rules.phoneRegions(),
                        personal);
        replaced[0] += m.replaced();
        return m.text();
    }

    private String documentsDigest(List<String> docs) {
        documents.reset();
        digests.into(documents).stringList(docs);
        return HexFormat.of().formatHex(documents.digest());
    }

    private static int countOccurrences(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }
}
