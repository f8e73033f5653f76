package io.decisionledger.privacy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import java.io.ByteArrayOutputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The masked operational copy of a decision: every field of the ops row, keyed pseudonyms, key
 * handling, and the masking policy file.
 */
class PiiMaskerTest {

    private static final String TENANT = "bank_456";
    private static final String USER = "anna.schmidt@web.de";
    private static final String CASE = "LN-2026-000123";
    private static final Instant EVENT_TIME = Instant.parse("2026-03-14T09:30:00.123456Z");
    private static final Instant INGEST_TIME = Instant.parse("2026-03-14T09:30:02.000001Z");
    private static final String CONTENT_SHA = "ab".repeat(32);
    private static final String UNUSED_ENV = "UNUSED_ENV";

    @TempDir Path dir;

    private byte[] key;
    private Path keyFile;

    @BeforeEach
    void writeKeyFile() throws Exception {
        key = keyBytes(1);
        keyFile = writeKey("pseudonym.key", key);
    }

    private static byte[] keyBytes(long seed) {
        byte[] bytes = new byte[32];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private Path writeKey(String name, byte[] bytes) throws Exception {
        Path file = dir.resolve(name);
        Files.writeString(file, Base64.getEncoder().encodeToString(bytes) + "\n");
        return file;
    }

    private static PiiMasker masker(MaskingPolicy policy, Path keyFile) {
        return PiiMasker.standalone(policy, new PseudonymKey(keyFile.toString(), UNUSED_ENV, "k1"));
    }

    private static String hmac(byte[] key, String tenant, String value) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        mac.update(tenant.getBytes(StandardCharsets.UTF_8));
        mac.update((byte) 0);
        return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
    }

    /** SHA-256 over the FieldDigests string-list digest (type, count, length-prefixed UTF-8). */
    private static String documentsDigest(List<String> docs) throws Exception {
        MessageDigest field = MessageDigest.getInstance("SHA-256");
        field.update((byte) 0x06);
        field.update(intBytes(docs.size()));
        for (String doc : docs) {
            byte[] utf8 = doc.getBytes(StandardCharsets.UTF_8);
            field.update((byte) 0x01);
            field.update(intBytes(utf8.length));
            field.update(utf8);
        }
        MessageDigest outer = MessageDigest.getInstance("SHA-256");
        outer.update(field.digest());
        return HexFormat.of().formatHex(outer.digest());
    }

    private static byte[] intBytes(int v) {
        return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
    }

    private static final List<String> DOCUMENTS =
            List.of(
                    "Bank statement for IBAN DE89 3704 0044 0532 0130 00, Anna Schmidt",
                    "Payslip of Anna Schmidt, SSN 078-05-1120");

    /** A decision with personal data in every free-text field, the ids, documents and metadata. */
    private static DecisionRecord decision(String tenant, String user, String caseId) {
        DecisionRecord r = new DecisionRecord();
        r.setEventId("evt-0001");
        r.setEventIdDerived(false);
        r.setEventType("AI_DECISION");
        r.setEventTime(EVENT_TIME);
        r.setTenantId(tenant);
        r.setUserId(user);
        r.setCaseId(caseId);
        r.setModel("gpt-4o");
        r.setModelVersion("gpt-4o-2024-05-13");
        r.setModelMetadataId("card-gpt-4o-v3");
        r.setPrompt(
                "Applicant anna.schmidt@web.de, tel. +49 30 901820, asks for $120,000 over 60 months;"
                        + " SSN 078-05-1120.");
        r.setSystemPrompt(
                "You are an underwriter. Escalate to risk.desk@bank.example.com or +44 20 7946"
                        + " 0958 when unsure.");
        r.setContextUserHistory(
                List.of(
                        "Previous login from 203.0.113.7 on 2025-03-14",
                        "Paid by card 4111 1111 1111 1111, born 15 March 1980"));
        r.setContextRelevantDocuments(DOCUMENTS);
        r.setContextMetadataJson(
                "{\"address\":{\"city\":\"Berlin\",\"street\":\"Hauptstr. 5\"},"
                        + "\"annualIncome\":85000,\"creditScore\":720,\"dtiRatio\":0.35,"
                        + "\"name\":\"Anna Schmidt\",\"riskBand\":\"B2\",\"ssn\":\"078-05-1120\"}");
        r.setTemperature(0.2);
        r.setMaxTokens(512L);
        r.setTopP(0.9);
        r.setResponseContent(
                "{\"approved\": true, \"note\": \"verified SSN 219-09-9999 and IP 2001:db8::1\"}");
        r.setResponseTokens(40L);
        r.setResponseFinishReason("stop");
        r.setDecisionApproved(true);
        r.setDecisionConfidence(0.87);
        r.setDecisionReasoning(
                "DTI 0.35 and credit score 720 within policy; applicant born 03/15/1980 (IBAN"
                        + " DE89370400440532013000).");
        r.setExtraJson("{\"channel\":\"web\"}");
        r.setSourceTopic("decisions");
        r.setSourcePartition(1);
        r.setSourceOffset(448812L);
        r.setIngestTime(INGEST_TIME);
        r.setContentSha256(CONTENT_SHA);
        return r;
    }

    @Test
    void masksEveryFieldOfTheOpsCopy() throws Exception {
        // given
        PiiMasker masker = masker(MaskingPolicy.builtIn(), keyFile);

        // when
        OpsDecisionRecord ops = masker.map(decision(TENANT, USER, CASE));

        // then
        assertThat(ops.getEventId()).isEqualTo("evt-0001");
        assertThat(ops.getEventType()).isEqualTo("AI_DECISION");
        assertThat(ops.getEventTime()).isEqualTo(EVENT_TIME);
        assertThat(ops.getTenantId()).isEqualTo(TENANT);
        assertThat(ops.getUserPseudonym()).isEqualTo(hmac(key, TENANT, USER));
        assertThat(ops.getCasePseudonym()).isEqualTo(hmac(key, TENANT, CASE));
        assertThat(ops.getPseudonymKeyId()).isEqualTo("k1");
        assertThat(ops.getModel()).isEqualTo("gpt-4o");
        assertThat(ops.getModelVersion()).isEqualTo("gpt-4o-2024-05-13");
        assertThat(ops.getModelMetadataId()).isEqualTo("card-gpt-4o-v3");
        assertThat(ops.getPrompt())
                .isEqualTo(
                        "Applicant [EMAIL], tel. [PHONE], asks for $120,000 over 60 months; SSN"
                                + " [SSN].");
        assertThat(ops.getSystemPrompt())
                .isEqualTo("You are an underwriter. Escalate to [EMAIL] or [PHONE] when unsure.");
        assertThat(ops.getContextUserHistory())
                .containsExactly(
                        "Previous login from [IP] on 2025-03-14",
                        "Paid by card [CARD], born [DOB]");
        assertThat(ops.getContextRelevantDocumentsCount()).isEqualTo(2);
        assertThat(ops.getContextRelevantDocumentsSha256()).isEqualTo(documentsDigest(DOCUMENTS));
        assertThat(ops.getContextMetadataJson())
                .isEqualTo(
                        "{\"address\":\"[MASKED]\",\"annualIncome\":\"[MASKED]\","
                                + "\"creditScore\":720,\"dtiRatio\":0.35,\"name\":\"[MASKED]\","
                                + "\"riskBand\":\"B2\",\"ssn\":\"[MASKED]\"}");
        assertThat(ops.getTemperature()).isEqualTo(0.2);
        assertThat(ops.getMaxTokens()).isEqualTo(512L);
        assertThat(ops.getTopP()).isEqualTo(0.9);
        assertThat(ops.getResponseContent())
                .isEqualTo("{\"approved\": true, \"note\": \"verified SSN [SSN] and IP [IP]\"}");
        assertThat(ops.getResponseTokens()).isEqualTo(40L);
        assertThat(ops.getResponseFinishReason()).isEqualTo("stop");
        assertThat(ops.getDecisionApproved()).isTrue();
        assertThat(ops.getDecisionConfidence()).isEqualTo(0.87);
        assertThat(ops.getDecisionReasoning())
                .isEqualTo(
                        "DTI 0.35 and credit score 720 within policy; applicant born [DOB] (IBAN"
                                + " [IBAN]).");
        // prompt 3 + system prompt 2 + history 3 + documents 2 + metadata 4 + response 2
        // + reasoning 2
        assertThat(ops.getMaskedValues()).isEqualTo(18);
        assertThat(ops.getMaskingPolicyVersion()).isEqualTo(MaskingPolicy.builtIn().version());
        assertThat(ops.getIngestTime()).isEqualTo(INGEST_TIME);
        assertThat(ops.getContentSha256()).isEqualTo(CONTENT_SHA);
        // and nothing planted survives anywhere in the row
        String row = ops.toString();
        for (String planted :
                List.of(
                        USER,
                        CASE,
                        "anna.schmidt",
                        "Anna Schmidt",
                        "Berlin",
                        "Hauptstr",
                        "85000",
                        "901820",
                        "7946",
                        "078-05-1120",
                        "219-09-9999",
                        "203.0.113.7",
                        "2001:db8::1",
                        "4111 1111",
                        "15 March 1980",
                        "03/15/1980",
                        "DE89",
                        "risk.desk")) {
            assertThat(row).as(planted).doesNotContain(planted);
        }
    }

    @Test
    void keepsNullFieldsNull() {
        // given
        DecisionRecord r = decision(TENANT, USER, null);
        r.setSystemPrompt(null);
        r.setContextUserHistory(null);
        r.setContextRelevantDocuments(null);
        r.setContextMetadataJson(null);
        r.setDecisionReasoning(null);

        // when
        OpsDecisionRecord ops = masker(MaskingPolicy.builtIn(), keyFile).map(r);

        // then
        assertThat(ops.getCasePseudonym()).isNull();
        assertThat(ops.getSystemPrompt()).isNull();
        assertThat(ops.getContextUserHistory()).isNull();
        assertThat(ops.getContextRelevantDocumentsCount()).isNull();
        assertThat(ops.getContextRelevantDocumentsSha256()).isNull();
        assertThat(ops.getContextMetadataJson()).isNull();
        assertThat(ops.getDecisionReasoning()).isNull();
        assertThat(ops.getMaskedValues()).isEqualTo(3 + 2); // prompt + response
    }

    @Test
    void pseudonymsAre64HexCharsAndStableAcrossMaskersWithTheSameKey() throws Exception {
        // given
        Path copy = writeKey("copy.key", key);

        // when
        OpsDecisionRecord first =
                masker(MaskingPolicy.builtIn(), keyFile).map(decision(TENANT, USER, CASE));
        OpsDecisionRecord second =
                masker(MaskingPolicy.builtIn(), keyFile).map(decision(TENANT, USER, CASE));
        OpsDecisionRecord third =
                masker(MaskingPolicy.builtIn(), copy).map(decision(TENANT, USER, CASE));

        // then
        assertThat(first.getUserPseudonym()).matches("[0-9a-f]{64}");
        assertThat(first.getCasePseudonym()).matches("[0-9a-f]{64}");
        assertThat(first.getUserPseudonym()).isNotEqualTo(first.getCasePseudonym());
        assertThat(second.getUserPseudonym()).isEqualTo(first.getUserPseudonym());
        assertThat(second.getCasePseudonym()).isEqualTo(first.getCasePseudonym());
        assertThat(third.getUserPseudonym()).isEqualTo(first.getUserPseudonym());
    }

    @Test
    void readsKeysLineWrappedOrInTheUrlSafeAlphabetAsTheSameKey() throws Exception {
        // given the same 48-byte key as key tools write it: wrapped at 16 chars, and URL-safe
        byte[] bytes = new byte[48];
        new Random(7).nextBytes(bytes);
        String standard = Base64.getEncoder().encodeToString(bytes);
        Path plain = dir.resolve("plain.key");
        Files.writeString(plain, standard);
        Path wrapped = dir.resolve("wrapped.key");
        Files.writeString(wrapped, standard.replaceAll("(.{16})", "$1\n"));
        Path urlSafe = dir.resolve("url.key");
        Files.writeString(urlSafe, Base64.getUrlEncoder().encodeToString(bytes));
        assertThat(Files.readString(urlSafe)).containsAnyOf("-", "_");

        // when / then every form gives the same pseudonym, the HMAC under those bytes
        String expected = hmac(bytes, TENANT, USER);
        for (Path file : List.of(plain, wrapped, urlSafe)) {
            assertThat(
                            masker(MaskingPolicy.builtIn(), file)
                                    .map(decision(TENANT, USER, CASE))
                                    .getUserPseudonym())
                    .as(file.getFileName().toString())
                    .isEqualTo(expected);
        }
    }

    @Test
    void pseudonymsDifferWithAnotherKeyAndInAnotherTenant() throws Exception {
        // given
        Path otherKey = writeKey("other.key", keyBytes(2));
        PiiMasker masker = masker(MaskingPolicy.builtIn(), keyFile);

        // when
        OpsDecisionRecord base = masker.map(decision(TENANT, USER, CASE));
        OpsDecisionRecord otherTenant = masker.map(decision("insurer_789", USER, CASE));
        OpsDecisionRecord otherUser = masker.map(decision(TENANT, "user-2", CASE));
        OpsDecisionRecord withOtherKey =
                masker(MaskingPolicy.builtIn(), otherKey).map(decision(TENANT, USER, CASE));

        // then
        assertThat(otherTenant.getUserPseudonym()).isNotEqualTo(base.getUserPseudonym());
        assertThat(otherTenant.getCasePseudonym()).isNotEqualTo(base.getCasePseudonym());
        assertThat(otherUser.getUserPseudonym()).isNotEqualTo(base.getUserPseudonym());
        assertThat(otherUser.getCasePseudonym()).isEqualTo(base.getCasePseudonym());
        assertThat(withOtherKey.getUserPseudonym()).isNotEqualTo(base.getUserPseudonym());
        assertThat(withOtherKey.getCasePseudonym()).isNotEqualTo(base.getCasePseudonym());
        assertThat(withOtherKey.getUserPseudonym()).matches("[0-9a-f]{64}");
    }

    @Test
    void theKeyAppearsNowhereInTheOutputNorInTheSerialisedFunction() throws Exception {
        // given
        String base64 = Base64.getEncoder().encodeToString(key);
        String hex = HexFormat.of().formatHex(key);
        PseudonymKey source = new PseudonymKey(keyFile.toString(), UNUSED_ENV, "k1");
        PiiMasker standalone = PiiMasker.standalone(MaskingPolicy.builtIn(), source);

        // when
        String row = standalone.map(decision(TENANT, USER, CASE)).toString();
        ByteArrayOutputStream graph = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(graph)) {
            out.writeObject(new PiiMasker(MaskingPolicy.builtIn(), source));
            out.writeObject(standalone);
        }
        String serialised = graph.toString(StandardCharsets.ISO_8859_1);

        // then
        assertThat(row)
                .doesNotContain(base64)
                .doesNotContain(base64.substring(0, 16))
                .doesNotContainIgnoringCase(hex)
                .doesNotContainIgnoringCase(hex.substring(0, 16));
        assertThat(serialised)
                .doesNotContain(base64.substring(0, 16))
                .doesNotContain(new String(key, StandardCharsets.ISO_8859_1).substring(0, 16))
                .contains(keyFile.toString());
        assertThat(source.source()).isEqualTo("file " + keyFile).doesNotContain(base64);
    }

    @Test
    void failsWithoutTheKeyFileNamingTheSourceOnly() {
        // given
        Path missing = dir.resolve("absent.key");

        // when / then
        assertThatThrownBy(() -> masker(MaskingPolicy.builtIn(), missing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("file " + missing)
                .hasMessageContaining("cannot read");
    }

    @Test
    void failsOnAKeyThatIsNotBase64WithoutQuotingIt() throws Exception {
        // given
        String secret = "correct-horse-battery-staple:not*base64!";
        Path file = dir.resolve("plain.key");
        Files.writeString(file, secret);

        // when / then
        assertThatThrownBy(() -> masker(MaskingPolicy.builtIn(), file))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("file " + file)
                .hasMessageContaining("not Base64")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(secret))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("horse"));
    }

    @Test
    void failsOnAKeyShorterThan32BytesWithoutQuotingIt() throws Exception {
        // given
        byte[] shortKey = new byte[31];
        new Random(3).nextBytes(shortKey);
        Path file = writeKey("short.key", shortKey);
        String base64 = Base64.getEncoder().encodeToString(shortKey);

        // when / then
        assertThatThrownBy(() -> masker(MaskingPolicy.builtIn(), file))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("file " + file)
                .hasMessageContaining("shorter than 32 bytes")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(base64))
                .satisfies(
                        e ->
                                assertThat(e.getMessage())
                                        .doesNotContainIgnoringCase(
                                                HexFormat.of().formatHex(shortKey)));
    }

    @Test
    void failsWithoutTheEnvironmentVariableNamingIt() {
        // given
        String variable = "DECISION_LEDGER_TEST_KEY_THAT_IS_NEVER_SET";
        PseudonymKey fromEnv = new PseudonymKey(null, variable, "k1");

        // when / then
        assertThat(fromEnv.source()).isEqualTo("environment variable " + variable);
        assertThatThrownBy(() -> PiiMasker.standalone(MaskingPolicy.builtIn(), fromEnv))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(variable);
    }

    // --------------------------------------------------------------------------------------
    // the masking policy file

    private MaskingPolicy policy(String json) throws Exception {
        Path file = Files.createTempFile(dir, "policy", ".json");
        Files.writeString(file, json);
        return MaskingPolicy.load(file);
    }

    private void assertRejected(String json, String... messageParts) throws Exception {
        Path file = Files.createTempFile(dir, "policy", ".json");
        Files.writeString(file, json);
        assertThatThrownBy(() -> MaskingPolicy.load(file))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(file.toString())
                .hasMessageContainingAll(messageParts);
    }

    @Test
    void builtInPolicyRunsEveryDetectorOnEveryFieldAndAllowsOnlyMetrics() {
        // when
        MaskingPolicy policy = MaskingPolicy.builtIn();
        MaskingPolicy.Rules rules = policy.forTenant(TENANT);

        // then
        assertThat(policy.version()).isEqualTo("2026-12-05.1");
        assertThat(rules.version()).isEqualTo(policy.version());
        assertThat(rules.phoneRegion()).isEqualTo("US");
        for (String field : MaskingPolicy.TEXT_FIELDS) {
            assertThat(rules.detectors(field)).as(field).isEqualTo(TextMasker.allKinds());
        }
        assertThat(rules.metadataAllowList())
                .containsExactlyInAnyOrder(
                        "creditScore",
                        "dtiRatio",
                        "employmentYears",
                        "loanAmount",
                        "loanTermMonths",
                        "riskBand",
                        "productType");
        assertThat(rules.extraPatterns()).isEmpty();
    }

    @Test
    void rejectsValuesOfTheWrongTypeInsteadOfIgnoringThem() throws Exception {
        assertRejected(
                "{\"version\": \"1\", \"fields\": {\"prompt\": \"EMAIL\"}}",
                "fields.prompt must be a list of detectors",
                "not STRING");
        assertRejected(
                "{\"version\": \"1\", \"fields\": [\"prompt\"]}", "fields must be an object");
        assertRejected(
                "{\"version\": \"1\", \"extraPatterns\": [\"ACC-\\\\d+\"]}",
                "extraPatterns must be an object");
        assertRejected(
                "{\"version\": \"1\", \"extraPatterns\": {\"ACCOUNT\": 7}}",
                "extraPatterns.ACCOUNT must be a regex string");
        assertRejected(
                "{\"version\": \"1\", \"metadataAllowList\": \"creditScore\"}",
                "metadataAllowList must be a list");
        assertRejected("{\"version\": \"\"}", "'version' is empty");
        assertRejected("{\"version\": 3}", "version must be a string");
        assertRejected(
                "{\"version\": \"1\", \"phoneRegion\": \"USA\"}",
                "phoneRegion 'USA' is not an ISO 3166 region");
        assertRejected(
                "{\"version\": \"1\", \"tenants\": {\"bank_456\": []}}",
                "tenants.bank_456 must be an object");
    }

    @Test
    void allowListedMetadataKeepsNumbersButMasksTextAndNestedValues() throws Exception {
        // given an allow-listed key holding text with personal data, and one holding an object
        MaskingPolicy policy =
                MaskingPolicy.parse(
                        new com.fasterxml.jackson.databind.ObjectMapper()
                                .readTree(
                                        "{\"version\": \"t\", \"metadataAllowList\":"
                                                + " [\"creditScore\", \"note\", \"applicant\","
                                                + " \"flags\"]}"),
                        "test");
        DecisionRecord r = decision(TENANT, USER, CASE);
        r.setContextMetadataJson(
                "{\"applicant\":{\"email\":\"anna@example.com\"},\"creditScore\":720,"
                        + "\"flags\":[\"ok\"],\"note\":\"reach anna@example.com\"}");

        // when
        OpsDecisionRecord ops = masker(policy, keyFile).map(r);

        // then
        assertThat(ops.getContextMetadataJson())
                .isEqualTo(
                        "{\"applicant\":\"[MASKED]\",\"creditScore\":720,"
                                + "\"flags\":\"[MASKED]\",\"note\":\"reach [EMAIL]\"}");
    }

    @Test
    void masksTheNameAndAddressTheEventDeclaresInEveryFreeTextField() throws Exception {
        // given the demo's kind of event: the applicant's name and address in the metadata, and in
        // the prompt, the history, the response and the reasoning
        MaskingPolicy policy =
                MaskingPolicy.parse(
                        new com.fasterxml.jackson.databind.ObjectMapper()
                                .readTree(
                                        "{\"version\": \"t\", \"metadataAllowList\":"
                                                + " [\"creditScore\", \"note\"],"
                                                + " \"personalMetadata\": {\"applicant_name\":"
                                                + " \"NAME\", \"applicant_address\": \"ADDRESS\"}}"),
                        "test");
        DecisionRecord r = decision(TENANT, "cust-20931", CASE);
        r.setContextMetadataJson(
                "{\"applicant_address\":\"Hauptstraße 5, 10115 Berlin\","
                        + "\"applicant_name\":\"Jane Wei\",\"creditScore\":720,"
                        + "\"note\":\"called Ms Wei back\"}");
        r.setPrompt("Evaluate this loan application for Jane Wei (customer cust-20931)");
        r.setSystemPrompt("You are an underwriter.");
        r.setContextUserHistory(List.of("JANE WEI moved to hauptstraße 5 last year"));
        r.setResponseContent("{\"approved\": true, \"note\": \"Wei lives in 10115 Berlin\"}");
        r.setDecisionReasoning("Weird income pattern, but Jane's score 720 is fine");

        // when
        OpsDecisionRecord ops = masker(policy, keyFile).map(r);

        // then
        assertThat(ops.getPrompt())
                .isEqualTo("Evaluate this loan application for [NAME] (customer [USER_ID])");
        assertThat(ops.getContextUserHistory())
                .containsExactly("[NAME] moved to [ADDRESS] last year");
        assertThat(ops.getResponseContent())
                .isEqualTo("{\"approved\": true, \"note\": \"[NAME] lives in [ADDRESS]\"}");
        assertThat(ops.getDecisionReasoning())
                .isEqualTo("Weird income pattern, but [NAME]'s score 720 is fine");
        assertThat(ops.getContextMetadataJson())
                .isEqualTo(
                        "{\"applicant_address\":\"[MASKED]\",\"applicant_name\":\"[MASKED]\","
                                + "\"creditScore\":720,\"note\":\"called Ms [NAME] back\"}");
        assertThat(ops.toString().toLowerCase(java.util.Locale.ROOT))
                .doesNotContain("wei\"", "wei ", "jane", "hauptstr", "10115", "cust-20931");
    }

    @Test
    void rejectsAnUnknownTopLevelKey() throws Exception {
        assertRejected("{\"version\": \"1\", \"feilds\": {}}", "unknown keys [feilds]", "known: [");
    }

    @Test
    void rejectsAnUnknownDetector() throws Exception {
        assertRejected(
                "{\"version\": \"1\", \"fields\": {\"prompt\": [\"EMAIL\", \"PASSPORT\"]}}",
                "unknown detector 'PASSPORT'",
                "[EMAIL, IBAN, CARD, SSN, IP, DOB, PHONE] or ALL");
    }

    @Test
    void rejectsAnUnknownField() throws Exception {
        assertRejected(
                "{\"version\": \"1\", \"fields\": {\"summary\": [\"ALL\"]}}",
                "unknown field 'summary'",
                "prompt");
    }

    @Test
    void rejectsAnExtraPatternThatIsNotARegex() throws Exception {
        assertRejected(
                "{\"version\": \"1\", \"extraPatterns\": {\"ACCOUNT\": \"ACCT-(\\\\d{8}\"}}",
                "extra pattern 'ACCOUNT' is not a valid regex");
    }

    @Test
    void rejectsAnExtraPatternNameThatCannotBeAPlaceholder() throws Exception {
        assertRejected(
                "{\"version\": \"1\", \"extraPatterns\": {\"bank account\": \"ACCT-\\\\d{8}\"}}",
                "extra pattern names are letters, digits and '_'");
    }

    @Test
    void rejectsAPolicyWithoutVersionAndATenantWithAnUnknownKey() throws Exception {
        assertRejected("{\"fields\": {}}", "'version' is required");
        assertRejected(
                "{\"version\": \"1\", \"tenants\": {\"bank_456\": {\"description\": \"x\"}}}",
                "tenants.bank_456",
                "unknown keys [description]");
    }

    @Test
    void aTenantOverrideAppliesToThatTenantOnly() throws Exception {
        // given
        MaskingPolicy policy =
                policy(
                        """
                        {"version": "2026-11-27.1",
                         "metadataAllowList": ["creditScore", "dtiRatio", "riskBand"],
                         "tenants": {
                           "bank_456": {"version": "b7",
                                        "metadataAllowList": ["creditScore"],
                                        "extraPatterns": {"ACCOUNT": "ACCT-\\\\d{8}"}}}}
                        """);
        PiiMasker masker = masker(policy, keyFile);
        DecisionRecord bank = decision(TENANT, USER, CASE);
        bank.setPrompt("Debit ACCT-12345678 monthly.");
        DecisionRecord insurer = decision("insurer_789", USER, CASE);
        insurer.setPrompt("Debit ACCT-12345678 monthly.");

        // when
        OpsDecisionRecord forBank = masker.map(bank);
        OpsDecisionRecord forInsurer = masker.map(insurer);

        // then
        assertThat(policy.forTenant(TENANT).version()).isEqualTo("2026-11-27.1+b7");
        assertThat(forBank.getMaskingPolicyVersion()).isEqualTo("2026-11-27.1+b7");
        assertThat(forBank.getPrompt()).isEqualTo("Debit [ACCOUNT] monthly.");
        assertThat(forBank.getContextMetadataJson())
                .contains(
                        "\"creditScore\":720",
                        "\"dtiRatio\":\"[MASKED]\"",
                        "\"riskBand\":\"[MASKED]\"");
        assertThat(forInsurer.getMaskingPolicyVersion()).isEqualTo("2026-11-27.1");
        assertThat(forInsurer.getPrompt()).isEqualTo("Debit ACCT-12345678 monthly.");
        assertThat(forInsurer.getContextMetadataJson())
                .contains("\"creditScore\":720", "\"dtiRatio\":0.35", "\"riskBand\":\"B2\"");
        // the override inherits what it does not set
        assertThat(policy.forTenant(TENANT).detectors("prompt")).isEqualTo(TextMasker.allKinds());
        assertThat(policy.forTenant(TENANT).phoneRegion()).isEqualTo("US");
    }
}
