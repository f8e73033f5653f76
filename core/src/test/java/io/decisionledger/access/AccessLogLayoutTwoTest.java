package io.decisionledger.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.privacy.AccessLogErasure;
import io.decisionledger.schema.AccessLogEntry;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/**
 * Access-log layout 2 (DLA2, schemas/CANONICAL.md section 6): the published test vectors (the DLA1
 * vector's entry with salt 00..1f, and the same entry erased) against an encoder written here from
 * the document, not from the implementation; the erasure rules of section 8 applied to the access
 * log, each with a tampered entry that must fail; and layout-1 entries keep verifying, erased or
 * not.
 */
class AccessLogLayoutTwoTest {

    static final String SALT_HEX =
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    /** Published in schemas/CANONICAL.md section 6. */
    static final String DLA2_HASH =
            "d0c3ca6c8e63a0ce2e1f50be28a0148e449c8ab761c97fc52f73e762e4b8fe0e";

    static final String ERASED_COLUMNS_JSON =
            "{\"purpose\":\"9ef030afc8167c02d49bf19ce628ba5d02179babcfa99e91123496e8bfaadcc9\","
                    + "\"query_json\":\"756977c16720890654b40103c98e78f1e7fbb26a2a4885bdb0c11b5e4f751e35\"}";

    static final String REQUEST = "erasure-2026-0001";
    static final Instant ERASED_AT = Instant.parse("2026-04-01T12:00:00Z");

    static AccessLogEntry vector2() {
        AccessLogEntry e = AccessLogHasherTest.vector();
        e.setEntryLayout(2);
        e.setFieldSalt(SALT_HEX);
        return e;
    }

    static AccessLogEntry erasedVector2() {
        AccessLogEntry e = vector2();
        e.setFieldSalt(null);
        e.setPurpose("[ERASED]");
        e.setQueryJson("[ERASED]");
        e.setErasedColumnsJson(ERASED_COLUMNS_JSON);
        e.setErasureRequestId(REQUEST);
        e.setErasedAt(ERASED_AT);
        e.setHash(DLA2_HASH);
        return e;
    }

    @Test
    void hashesTheLayoutTwoVectorAsTheSpecificationDescribes() throws Exception {
        AccessLogEntry e = vector2();

        String hash = new AccessLogHasher().hash(AccessLogHasher.GENESIS, e);

        System.out.println("access-log DLA2 test vector: " + hash);
        assertThat(hash).isEqualTo(specHash2(AccessLogHasher.GENESIS, e, null, null));
        assertThat(hash).isEqualTo(DLA2_HASH).isNotEqualTo(AccessLogHasherTest.TEST_VECTOR_HASH);
    }

    @Test
    void theErasedVectorKeepsTheHashAndNoValue() throws Exception {
        AccessLogEntry e = vector2();
        e.setHash(DLA2_HASH);

        AccessLogErasure.erase(e, REQUEST, ERASED_AT);

        System.out.println("access-log DLA2 erased columns: " + e.getErasedColumnsJson());
        assertThat(e.getErasedColumnsJson()).isEqualTo(ERASED_COLUMNS_JSON);
        assertThat(e.getErasedColumnsJson())
                .isEqualTo(
                        "{\"purpose\":\""
                                + hmacHex(8, "Complaint C-2026-0042")
                                + "\",\"query_json\":\""
                                + hmacHex(12, AccessLogHasherTest.vector().getQueryJson())
                                + "\"}");
        assertThat(e.getPurpose()).isEqualTo("[ERASED]");
        assertThat(e.getQueryJson()).isEqualTo("[ERASED]");
        assertThat(e.getFieldSalt()).isNull();
        assertThat(e.getErasureRequestId()).isEqualTo(REQUEST);
        assertThat(e.getErasedAt()).isEqualTo(ERASED_AT);
        assertThat(e.toString()).doesNotContain("user_123").doesNotContain("C-2026-0042");
        AccessLogHasher hasher = new AccessLogHasher();
        assertThat(hasher.hash(AccessLogHasher.GENESIS, e)).isEqualTo(DLA2_HASH);
        assertThat(hasher.problem(AccessLogHasher.GENESIS, e)).isNull();
        assertThat(hasher.problem(AccessLogHasher.GENESIS, erasedVector2())).isNull();
        // the document's encoder, taking the kept commitments
        assertThat(
                        specHash2(
                                AccessLogHasher.GENESIS,
                                e,
                                hmac(8, "Complaint C-2026-0042"),
                                hmac(12, AccessLogHasherTest.vector().getQueryJson())))
                .isEqualTo(DLA2_HASH);
    }

    @Test
    void newEntriesAreWrittenUnderLayoutTwoWithAFreshSalt(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        AccessLog log =
                new AccessLog(
                        io.decisionledger.lake.LakeLayout.at(dir.toUri().toString()),
                        java.time.Clock.systemUTC());
        Caller officer = Caller.cli("a.officer", AuditRole.COMPLIANCE_OFFICER);
        AccessLogEntry a =
                log.record(
                        new AccessLog.Access(
                                officer,
                                AccessLog.Action.HISTORY,
                                "Complaint C-1",
                                AccessLog.DATASET_DECISIONS,
                                "bank_456",
                                List.of("evt-1"),
                                java.util.Map.of("user", "user_123")));
        AccessLogEntry b =
                log.record(
                        new AccessLog.Access(
                                officer,
                                AccessLog.Action.HISTORY,
                                "Complaint C-1",
                                AccessLog.DATASET_DECISIONS,
                                "bank_456",
                                List.of("evt-1"),
                                java.util.Map.of("user", "user_123")));

        assertThat(a.getEntryLayout()).isEqualTo(2);
        assertThat(a.getFieldSalt()).matches("[0-9a-f]{64}").isNotEqualTo(b.getFieldSalt());
        assertThat(a.getHash()).isEqualTo(specHash2(AccessLogHasher.GENESIS, a, null, null));
        assertThat(log.verify().problems()).isEmpty();
    }

    @Test
    void aLogMixesLayoutsAndErasedLayoutOneEntriesKeepTheBareDigest() throws Exception {
        AccessLogHasher hasher = new AccessLogHasher();
        AccessLogEntry one = AccessLogHasherTest.vector();
        one.setHash(hasher.hash(AccessLogHasher.GENESIS, one));
        AccessLogEntry two = vector2();
        two.setLogSeq(2L);
        two.setPrevHash(one.getHash());
        two.setHash(hasher.hash(one.getHash(), two));

        AccessLogErasure.erase(one, REQUEST, ERASED_AT);

        assertThat(one.getHash()).isEqualTo(AccessLogHasherTest.TEST_VECTOR_HASH);
        assertThat(hasher.problem(AccessLogHasher.GENESIS, one)).isNull();
        assertThat(hasher.problem(one.getHash(), two)).isNull();
        // the kept commitment is the unsalted digest: anyone can test a guess against it
        assertThat(AccessLogHasher.erased(one.getErasedColumnsJson()).get("query_json"))
                .isEqualTo(
                        HexFormat.of()
                                .formatHex(
                                        sha256(
                                                stringEnc(
                                                        AccessLogHasherTest.vector()
                                                                .getQueryJson()))));
    }

    // ---- the rules, each with an entry that breaks it ------------------------------------------

    @Test
    void rejectsAValuePutBackWhereTheMarkerWas() {
        assertProblem(e -> e.setQueryJson("{\"user\":\"user_123\"}"), "holds a value instead");
        assertProblem(e -> e.setPurpose("Complaint C-2026-0042"), "holds a value instead");
    }

    @Test
    void rejectsAKeptSaltOnceErased() {
        assertProblem(e -> e.setFieldSalt(SALT_HEX), "keeps field_salt after erasure");
    }

    @Test
    void rejectsANonPersonalColumnNamedAsErased() {
        assertProblem(
                e ->
                        e.setErasedColumnsJson(
                                e.getErasedColumnsJson()
                                        .replace("{", "{\"actor\":\"" + "ab".repeat(32) + "\",")),
                "actor, which is not a personal column");
        assertProblem(
                e -> e.setErasedColumnsJson("{\"prompt\":\"" + "ab".repeat(32) + "\"}"),
                "not a access-log column");
    }

    @Test
    void rejectsALayoutTwoErasureThatLeavesAPersonalColumn() {
        assertProblem(
                e -> {
                    e.setErasedColumnsJson(
                            "{\"purpose\":\""
                                    + AccessLogHasher.erased(ERASED_COLUMNS_JSON).get("purpose")
                                    + "\"}");
                    e.setQueryJson(AccessLogHasherTest.vector().getQueryJson());
                },
                "not every personal column (not erased: query_json)");
        assertProblem(
                e -> {
                    e.setErasedColumnsJson(null);
                    e.setErasureRequestId(null);
                    e.setErasedAt(null);
                    e.setPurpose("x");
                    e.setQueryJson("{}");
                },
                "without field_salt and without erased columns");
    }

    @Test
    void rejectsRequestIdAndTimeUnlessErased() {
        assertProblem(e -> e.setErasureRequestId(null), "without erasure_request_id or erased_at");
        assertProblem(e -> e.setErasedAt(null), "without erasure_request_id or erased_at");
        AccessLogEntry plain = vector2();
        plain.setErasureRequestId(REQUEST);
        assertThat(AccessLogHasher.layoutProblem(plain)).contains("erased_columns_json is null");
        AccessLogEntry one = AccessLogHasherTest.vector();
        one.setFieldSalt(SALT_HEX);
        assertThat(AccessLogHasher.layoutProblem(one))
                .contains("layout-1 entry carries a field_salt");
        AccessLogEntry unknown = vector2();
        unknown.setEntryLayout(3);
        assertThat(AccessLogHasher.layoutProblem(unknown)).contains("not a known layout");
    }

    @Test
    void stillDetectsTamperingOfTheColumnsAnErasedEntryKeeps() {
        AccessLogHasher hasher = new AccessLogHasher();
        List<Consumer<AccessLogEntry>> edits =
                List.of(
                        x -> x.setActor("someone.else"),
                        x -> x.setAccessTime(x.getAccessTime().plus(1, ChronoUnit.MICROS)),
                        x -> x.setRecordIds(List.of()),
                        x -> x.setTenantId("bank_789"),
                        x -> x.setOutcome("NONE_FOUND"),
                        x -> x.setEntryLayout(null),
                        x ->
                                x.setErasedColumnsJson(
                                        x.getErasedColumnsJson().replace("9ef030af", "9ef030ae")));
        for (Consumer<AccessLogEntry> edit : edits) {
            AccessLogEntry e = erasedVector2();
            e.setHash(DLA2_HASH);
            edit.accept(e);
            assertThat(hasher.problem(AccessLogHasher.GENESIS, e)).isNotNull();
        }
        AccessLogEntry intact = erasedVector2();
        intact.setHash(DLA2_HASH);
        assertThat(hasher.problem(AccessLogHasher.GENESIS, intact)).isNull();
    }

    @Test
    void refusesToEraseAnEntryWhoseLayoutColumnsAreBroken() {
        AccessLogEntry e = vector2();
        e.setFieldSalt(null);
        assertThatThrownBy(() -> AccessLogErasure.erase(e, REQUEST, ERASED_AT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without field_salt")
                .hasMessageNotContaining("user_123");
    }

    private static void assertProblem(Consumer<AccessLogEntry> edit, String expected) {
        AccessLogEntry e = erasedVector2();
        e.setHash(DLA2_HASH);
        edit.accept(e);
        assertThat(AccessLogHasher.layoutProblem(e)).contains(expected);
        assertThat(new AccessLogHasher().problem(AccessLogHasher.GENESIS, e)).contains(expected);
    }

    // ---- an independent encoder, from the specification's text --------------------------------

    /** DLA2 with c_8, c_12 = HMAC of the stored values, or the given kept commitments. */
    static String specHash2(String prevHex, AccessLogEntry e, byte[] kept8, byte[] kept12)
            throws Exception {
        byte[] salt =
                HexFormat.of().parseHex(e.getFieldSalt() == null ? SALT_HEX : e.getFieldSalt());
        // the DLA1 encoder's field digests, by column
        List<byte[]> d = AccessLogHasherTest.specDigests(e);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(HexFormat.of().parseHex(prevHex));
        bytes.write("DLA2".getBytes(StandardCharsets.US_ASCII));
        for (int i = 1; i <= 14; i++) {
            byte[] di = d.get(i - 1);
            if (i == 8) {
                bytes.write(kept8 != null ? kept8 : hmac(salt, 8, di));
            } else if (i == 12) {
                bytes.write(kept12 != null ? kept12 : hmac(salt, 12, di));
            } else {
                bytes.write(di);
            }
        }
        return HexFormat.of().formatHex(sha256(bytes.toByteArray()));
    }

    private static byte[] hmac(int column, String value) throws Exception {
        return hmac(HexFormat.of().parseHex(SALT_HEX), column, sha256(stringEnc(value)));
    }

    private static String hmacHex(int column, String value) throws Exception {
        return HexFormat.of().formatHex(hmac(column, value));
    }

    private static byte[] hmac(byte[] salt, int column, byte[] digest) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(salt, "HmacSHA256"));
        mac.update("DLAF".getBytes(StandardCharsets.US_ASCII));
        mac.update((byte) column);
        mac.update(digest);
        return mac.doFinal();
    }

    private static byte[] stringEnc(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x01);
        out.write(b.length >>> 24);
        out.write(b.length >>> 16);
        out.write(b.length >>> 8);
        out.write(b.length);
        out.writeBytes(b);
        return out.toByteArray();
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
