package io.decisionledger.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.AccessLogEntry;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The access-log chain hash against an encoder written from schemas/CANONICAL.md section 6, and the
 * test vector published there.
 */
class AccessLogHasherTest {

    /** Published in schemas/CANONICAL.md, section 6. */
    static final String TEST_VECTOR_HASH =
            "655e74c8c636ea7c95bf9cfa7beac0b6b6aeb0374f3042d76f1810a622a83ea4";

    static AccessLogEntry vector() {
        return AccessLogEntry.newBuilder()
                .setAccessId("3f1c2b9e-7d4a-4c1e-9b2f-5a6d7e8f9a0b")
                .setAccessTime(Instant.parse("2026-03-16T09:00:00.000001Z"))
                .setActor("a.officer@bank")
                .setActorRole("compliance_officer")
                .setVia(null)
                .setChannel("CLI")
                .setAction("DECISION_AT")
                .setPurpose("Complaint C-2026-0042")
                .setDataset("audit/decisions")
                .setTenantId("bank_456")
                .setRecordIds(List.of("evt-loan-123"))
                .setQueryJson(
                        "{\"at\":\"2026-03-15T23:59:59.999999Z\",\"tenant\":\"bank_456\",\"user\":\"user_123\"}")
                .setOutcome("RETURNED")
                .setLogSeq(1L)
                .setPrevHash(AccessLogHasher.GENESIS)
                .setHash("")
                .build();
    }

    @Test
    void hashesTheTestVectorAsTheSpecificationDescribes() throws Exception {
        AccessLogEntry e = vector();

        String hash = new AccessLogHasher().hash(AccessLogHasher.GENESIS, e);

        System.out.println("access-log hash test vector (genesis prev_hash): " + hash);
        assertThat(hash).isEqualTo(specHash(AccessLogHasher.GENESIS, e));
        assertThat(hash).isEqualTo(TEST_VECTOR_HASH);
    }

    @Test
    void dependsOnThePreviousHashAndEveryField() throws Exception {
        AccessLogHasher hasher = new AccessLogHasher();
        String base = hasher.hash(AccessLogHasher.GENESIS, vector());

        assertThat(hasher.hash("ab".repeat(32), vector())).isNotEqualTo(base);
        List<java.util.function.Consumer<AccessLogEntry>> edits =
                List.of(
                        x -> x.setAccessId(x.getAccessId() + "0"),
                        x -> x.setAccessTime(x.getAccessTime().plusNanos(1000)),
                        x -> x.setActor("someone.else"),
                        x -> x.setActorRole("operator"),
                        x -> x.setVia("sso_proxy:gw"),
                        x -> x.setChannel("HTTP"),
                        x -> x.setAction("HISTORY"),
                        x -> x.setPurpose(x.getPurpose() + "."),
                        x -> x.setDataset("access-log"),
                        x -> x.setTenantId(null),
                        x -> x.setRecordIds(List.of()),
                        x -> x.setQueryJson("{}"),
                        x -> x.setOutcome("NONE_FOUND"),
                        x -> x.setLogSeq(2L));
        for (var edit : edits) {
            AccessLogEntry e = vector();
            edit.accept(e);
            assertThat(hasher.hash(AccessLogHasher.GENESIS, e))
                    .isNotEqualTo(base)
                    .isEqualTo(specHash(AccessLogHasher.GENESIS, e));
        }
    }

    @Test
    void ignoresItsOwnChainFields() {
        AccessLogHasher hasher = new AccessLogHasher();
        AccessLogEntry e = vector();
        String base = hasher.hash(AccessLogHasher.GENESIS, e);
        e.setPrevHash("cd".repeat(32));
        e.setHash("ef".repeat(32));

        assertThat(hasher.hash(AccessLogHasher.GENESIS, e)).isEqualTo(base);
    }

    // ---- an independent encoder, from the specification's text --------------------------------

    static String specHash(String prevHex, AccessLogEntry e) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(HexFormat.of().parseHex(prevHex));
        bytes.write("DLA1".getBytes(StandardCharsets.US_ASCII));
        for (byte[] d : specDigests(e)) {
            bytes.write(d);
        }
        return HexFormat.of().formatHex(sha256(bytes.toByteArray()));
    }

    /** d(access_id), d(access_time), …, d(log_seq): the 14 field digests, in hash order. */
    static List<byte[]> specDigests(AccessLogEntry e) throws Exception {
        List<byte[]> bytes = new java.util.ArrayList<>();
        bytes.add(string(e.getAccessId()));
        bytes.add(
                sha256(
                        tagged(
                                0x05,
                                out ->
                                        out.writeLong(
                                                ChronoUnit.MICROS.between(
                                                        Instant.EPOCH, e.getAccessTime())))));
        bytes.add(string(e.getActor()));
        bytes.add(string(e.getActorRole()));
        bytes.add(string(e.getVia()));
        bytes.add(string(e.getChannel()));
        bytes.add(string(e.getAction()));
        bytes.add(string(e.getPurpose()));
        bytes.add(string(e.getDataset()));
        bytes.add(string(e.getTenantId()));
        bytes.add(
                sha256(
                        tagged(
                                0x06,
                                out -> {
                                    out.writeInt(e.getRecordIds().size());
                                    for (String id : e.getRecordIds()) {
                                        byte[] b = id.getBytes(StandardCharsets.UTF_8);
                                        out.writeByte(0x01);
                                        out.writeInt(b.length);
                                        out.write(b);
                                    }
                                })));
        bytes.add(string(e.getQueryJson()));
        bytes.add(string(e.getOutcome()));
        bytes.add(sha256(tagged(0x02, out -> out.writeLong(e.getLogSeq()))));
        return bytes;
    }

    private static byte[] string(String s) throws Exception {
        if (s == null) {
            return sha256(new byte[] {0x00});
        }
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return sha256(
                tagged(
                        0x01,
                        out -> {
                            out.writeInt(b.length);
                            out.write(b);
                        }));
    }

    private static byte[] sha256(byte[] bytes) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(bytes);
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] tagged(int tag, Writer body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeByte(tag);
        body.write(out);
        out.flush();
        return bytes.toByteArray();
    }
}
