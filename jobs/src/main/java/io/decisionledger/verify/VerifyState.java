package io.decisionledger.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.chain.ChainSharding;
import io.decisionledger.chain.HeadSigner;
import io.decisionledger.chain.SignedBytes;
import io.decisionledger.chain.TrustedKeys;
import java.io.IOException;
import java.io.Serializable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

/**
 * What a clean verification proved, kept so that the next run can start from it ({@code
 * --incremental}): per chain (decision and quarantine chains) the position it was verified up to
 * (the latest published head's seq and hash at the time), and every file whose records were read
 * and found clean, by path, size, modification time and the SHA-256 of its Parquet footer. The next
 * run reads only files not covered here, walks each chain on from its position, and re-verifies in
 * full every tenant (or the quarantine) where a covered file changed or disappeared.
 *
 * <p>The state is itself tamper-evident. Its canonical bytes ({@link #signedBytes()}, magic {@code
 * DLV1}, schemas/CANONICAL.md section 12) are signed with the chain signing key when one is given,
 * and each state names the SHA-256 of the one before it ({@link #previousSha256}), so an edited,
 * re-ordered or swapped state file does not chain. Never holds record content: paths, sizes,
 * digests and chain positions only.
 *
 * @param lake the lake root the state is about (a state is not valid for another lake)
 * @param run the state's number: 1 for the first, one more for each run that writes one
 * @param previousSha256 {@link #sha256()} of state {@code run - 1}; null for the first
 * @param verifiedAt when the run that wrote it started (microsecond precision)
 * @param mode {@code full} or {@code incremental}: how the run that wrote it verified
 * @param chains the verified chain positions, sorted by dataset, tenant, shard
 * @param files the files covered, sorted by dataset and path
 */
public record VerifyState(
        String lake,
        long run,
        String previousSha256,
        Instant verifiedAt,
        String mode,
        List<Chain> chains,
        List<CoveredFile> files,
        String signatureKeyId,
        String signatureAlgorithm,
        String signature) {

    public static final String MAGIC = "DLV1";

    /**
     * A chain verified up to {@code seq}, whose record at {@code seq} has {@code hash}.
     *
     * @param dataset {@link Violation#AUDIT} or {@link Violation#QUARANTINE}
     */
    public record Chain(String dataset, String tenantId, int chainShard, long seq, String hash)
            implements Serializable {
        public String chainKey() {
            return ChainSharding.chainKey(tenantId, chainShard);
        }
    }

    /**
     * A file whose every record was read and verified clean.
     *
     * @param path relative to the lake root, e.g. {@code audit/decisions/tenant_id=T/…/x.parquet}
     * @param modified its modification time as listed, milliseconds since the epoch
     * @param footerSha256 {@link FooterDigest} of the file
     */
    public record CoveredFile(
            String dataset, String path, long size, long modified, String footerSha256) {}

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public VerifyState {
        verifiedAt = verifiedAt.truncatedTo(ChronoUnit.MICROS);
        chains =
                chains.stream()
                        .sorted(
                                Comparator.comparing(Chain::dataset)
                                        .thenComparing(Chain::tenantId)
                                        .thenComparingInt(Chain::chainShard))
                        .toList();
        files =
                files.stream()
                        .sorted(
                                Comparator.comparing(CoveredFile::dataset)
                                        .thenComparing(CoveredFile::path))
                        .toList();
    }

    /** An unsigned state. */
    public static VerifyState unsigned(
            String lake,
            long run,
            String previousSha256,
            Instant verifiedAt,
            String mode,
            List<Chain> chains,
            List<CoveredFile> files) {
        return new VerifyState(
                lake, run, previousSha256, verifiedAt, mode, chains, files, null, null, null);
    }

    /** This state signed by {@code signer}: key id and algorithm set, signature over them too. */
    public VerifyState signedWith(HeadSigner signer) throws IOException {
        VerifyState labelled =
                new VerifyState(
                        lake,
                        run,
                        previousSha256,
                        verifiedAt,
                        mode,
                        chains,
                        files,
                        signer.keyId(),
                        signer.algorithm(),
                        null);
        String sig = Base64.getEncoder().encodeToString(signer.sign(labelled.signedBytes()));
        return new VerifyState(
                lake,
                run,
                previousSha256,
                verifiedAt,
                mode,
                chains,
                files,
                signer.keyId(),
                signer.algorithm(),
                sig);
    }

    public boolean signed() {
        return signature != null;
    }

    /**
     * DLV1 ‖ enc(key id) ‖ enc(algorithm) ‖ enc(lake) ‖ enc(run) ‖ enc(previous sha256) ‖
     * enc(verified at) ‖ enc(mode) ‖ enc(int chains) ‖ per chain enc(dataset) enc(tenant) enc(int
     * shard) enc(seq) enc(hash) ‖ enc(int files) ‖ per file enc(dataset) enc(path) enc(size)
     * enc(modified) enc(footer sha256), with section 9's enc().
     */
    public byte[] signedBytes() {
        List<Object> v = new ArrayList<>();
        v.add(lake);
        v.add(run);
        v.add(previousSha256);
        v.add(verifiedAt);
        v.add(mode);
        v.add(chains.size());
        for (Chain c : chains) {
            v.add(c.dataset());
            v.add(c.tenantId());
            v.add(c.chainShard());
            v.add(c.seq());
            v.add(c.hash());
        }
        v.add(files.size());
        for (CoveredFile f : files) {
            v.add(f.dataset());
            v.add(f.path());
            v.add(f.size());
            v.add(f.modified());
            v.add(f.footerSha256());
        }
        return SignedBytes.encode(MAGIC, signatureKeyId, signatureAlgorithm, v.toArray());
    }

    /** Lower-case hex SHA-256 of {@link #signedBytes()}: what the next state names. */
    public String sha256() {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(signedBytes()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The signature check of this state against {@code keys}. */
    public TrustedKeys.Verdict check(TrustedKeys keys) {
        return keys.check(signatureKeyId, signatureAlgorithm, signature, signedBytes());
    }

    /** The state as stored: its fields and its {@link #sha256()} (re-checked on reading). */
    public byte[] toJson() throws IOException {
        ObjectNode o = JSON.createObjectNode();
        o.put("format", MAGIC);
        o.put("lake", lake);
        o.put("run", run);
        o.put("previousSha256", previousSha256);
        o.put("verifiedAt", verifiedAt.toString());
        o.put("mode", mode);
        ArrayNode cs = o.putArray("chains");
        for (Chain c : chains) {
            cs.addObject()
                    .put("dataset", c.dataset())
                    .put("tenantId", c.tenantId())
                    .put("chainShard", c.chainShard())
                    .put("seq", c.seq())
                    .put("hash", c.hash());
        }
        ArrayNode fs = o.putArray("files");
        for (CoveredFile f : files) {
            fs.addObject()
                    .put("dataset", f.dataset())
                    .put("path", f.path())
                    .put("size", f.size())
                    .put("modified", f.modified())
                    .put("footerSha256", f.footerSha256());
        }
        o.put("signatureKeyId", signatureKeyId);
        o.put("signatureAlgorithm", signatureAlgorithm);
        o.put("signature", signature);
        o.put("sha256", sha256());
        return JSON.writeValueAsBytes(o);
    }

    /**
     * Reads a stored state; throws {@link IOException} naming {@code what} when it is not one, or
     * when its fields do not hash to the sha256 stored with them (an edited state).
     */
    public static VerifyState fromJson(byte[] json, String what) throws IOException {
        VerifyState s;
        String stored;
        try {
            JsonNode o = JSON.readTree(json);
            if (!MAGIC.equals(o.path("format").asText())) {
                throw new IOException(what + " is not a " + MAGIC + " verify state");
            }
            List<Chain> chains = new ArrayList<>();
            for (JsonNode c : o.withArray("chains")) {
                chains.add(
                        new Chain(
                                text(c, "dataset"),
                                text(c, "tenantId"),
                                c.path("chainShard").asInt(),
                                c.path("seq").asLong(),
                                text(c, "hash")));
            }
            List<CoveredFile> files = new ArrayList<>();
            for (JsonNode f : o.withArray("files")) {
                files.add(
                        new CoveredFile(
                                text(f, "dataset"),
                                text(f, "path"),
                                f.path("size").asLong(),
                                f.path("modified").asLong(),
                                text(f, "footerSha256")));
            }
            s =
                    new VerifyState(
                            text(o, "lake"),
                            o.path("run").asLong(),
                            text(o, "previousSha256"),
                            Instant.parse(text(o, "verifiedAt")),
                            text(o, "mode"),
                            chains,
                            files,
                            text(o, "signatureKeyId"),
                            text(o, "signatureAlgorithm"),
                            text(o, "signature"));
            stored = text(o, "sha256");
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IOException(what + " is not a readable verify state", e);
        }
        if (!s.sha256().equals(stored)) {
            throw new IOException(
                    what + ": its content does not hash to the sha256 stored with it (edited)");
        }
        return s;
    }

    private static String text(JsonNode o, String field) {
        JsonNode v = o.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
