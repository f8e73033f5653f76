package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.chain.PemFileSigningKey;
import io.decisionledger.chain.Signatures;
import io.decisionledger.chain.TrustedKeys;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.SmallFileLake;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify-bundle --trusted-keys}: the head an evidence bundle carries must be signed by a key
 * the verifier trusts. A bundle whose head signature was tampered with (manifest digests
 * recomputed, as a forger would) fails, as does an unsigned head or one signed by another key.
 */
class SignedBundleTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path dir;

    private static LakeLayout lake;
    private static DecisionRecord record;
    private static TrustedKeys trusted;
    private static KeyPair other;

    @BeforeAll
    static void aLakeWithSignedHeads() throws Exception {
        lake = LakeLayout.at(dir.resolve("lake").toUri().toString());
        SmallFileLake.write(
                lake, 60, List.of(LocalDate.now(java.time.ZoneOffset.UTC).minusDays(2)), 20, 0, 7);
        KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        other = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path pem = writePem("heads.pem", key);
        var signer = new PemFileSigningKey(pem.toString(), "k2026").open();
        for (FileStatus f : LakeFiles.parquetFiles(lake.chainHeads())) {
            List<ChainHead> heads = new ArrayList<>();
            LakeFiles.forEachRecord(f, ChainHead.class, heads::add);
            for (ChainHead h : heads) {
                Signatures.sign(h, signer);
            }
            f.getPath().getFileSystem().delete(f.getPath(), false);
            LakeFiles.writeParquet(f.getPath(), heads);
        }
        trusted = TrustedKeys.parse(TrustedKeys.line("k2026", key.getPublic()), "test");
        List<DecisionRecord> all = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(lake.auditDecisions())) {
            LakeFiles.forEachRecord(f, DecisionRecord.class, all::add);
        }
        record = all.get(5);
    }

    @Test
    void aBundleWithItsSignedHeadVerifiesAgainstTheTrustedKey() throws Exception {
        Path bundle = bundle("signed");

        BundleVerifier.Report report = BundleVerifier.verify(bundle, null, trusted);

        assertThat(report.ok()).isTrue();
        assertThat(report.checks())
                .filteredOn(c -> c.name().equals("head signature"))
                .singleElement()
                .satisfies(c -> assertThat(c.detail()).isEqualTo("signed by k2026 (trusted key)"));
        assertThat(
                        JSON.readTree(bundle.resolve("chain-proof.json").toFile())
                                .get("head")
                                .get("signature_key_id")
                                .asText())
                .isEqualTo("k2026");
    }

    @Test
    void aTamperedHeadSignatureFailsEvenWithTheManifestRecomputed() throws Exception {
        Path bundle = bundle("tampered");
        editHead(
                bundle,
                head -> {
                    byte[] sig = Base64.getDecoder().decode(head.get("signature").asText());
                    sig[10] ^= 1;
                    head.put("signature", Base64.getEncoder().encodeToString(sig));
                });

        BundleVerifier.Report report = BundleVerifier.verify(bundle, null, trusted);

        assertThat(report.ok()).isFalse();
        assertThat(report.checks())
                .filteredOn(c -> !c.ok())
                .extracting(c -> c.name() + ": " + c.detail())
                .containsExactly(
                        "head signature: BAD_SIGNATURE: the signature does not verify with trusted"
                                + " key k2026");
        // without trusted keys the same bundle passes: the signature is what catches it
        assertThat(BundleVerifier.verify(bundle, null).ok()).isTrue();
    }

    @Test
    void anUnsignedOrOtherwiseSignedHeadFails() throws Exception {
        Path unsigned = bundle("unsigned");
        editHead(
                unsigned,
                head -> {
                    head.putNull("signature_key_id");
                    head.putNull("signature_algorithm");
                    head.putNull("signature");
                });
        Path resigned = bundle("resigned");
        Path otherPem = writePem("other.pem", other);
        editHead(
                resigned,
                head -> {
                    try {
                        ChainHead h =
                                RecordJson.fromJson(
                                        ((ObjectNode) head.deepCopy()).without("file"),
                                        new ChainHead());
                        Signatures.sign(
                                h, new PemFileSigningKey(otherPem.toString(), "k2026").open());
                        head.put("signature", h.getSignature());
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                });

        assertThat(failures(unsigned))
                .containsExactly(
                        "head signature: UNSIGNED_HEAD: the bundled head carries no signature");
        assertThat(failures(resigned))
                .containsExactly(
                        "head signature: BAD_SIGNATURE: the signature does not verify with trusted"
                                + " key k2026");
    }

    @Test
    void theCommandLineTakesTrustedKeysAndRefusesAMalformedFile() throws Exception {
        Path bundle = bundle("cli");
        Path keys = dir.resolve("cli.keys");
        Files.writeString(keys, "k2026 Ed25519 not-base64!\n");

        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code =
                AuditCommand.run(
                        new String[] {
                            "verify-bundle", bundle.toString(), "--trusted-keys", keys.toString()
                        },
                        java.util.Map.of(),
                        Clock.systemUTC(),
                        new java.io.PrintStream(out, true),
                        new java.io.PrintStream(err, true));

        assertThat(code).isEqualTo(2);
        assertThat(err.toString())
                .contains(
                        "--trusted-keys: the trusted keys file "
                                + keys
                                + " line 1: the key is not Base64");
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static List<String> failures(Path bundle) throws Exception {
        return BundleVerifier.verify(bundle, null, trusted).checks().stream()
                .filter(c -> !c.ok())
                .map(c -> c.name() + ": " + c.detail())
                .toList();
    }

    private static Path bundle(String name) throws Exception {
        Path folder = dir.resolve(name);
        new EvidenceBundle(new AuditQueries(lake, Clock.systemUTC()), Clock.systemUTC())
                .create(
                        Caller.cli("o", AuditRole.COMPLIANCE_OFFICER),
                        "Complaint C-1",
                        record.getTenantId(),
                        record.getEventId(),
                        folder,
                        false);
        return folder;
    }

    /** Edits the bundled head and recomputes the manifest's digest of chain-proof.json. */
    private static void editHead(Path bundle, java.util.function.Consumer<ObjectNode> edit)
            throws Exception {
        Path proofFile = bundle.resolve("chain-proof.json");
        ObjectNode proof = (ObjectNode) JSON.readTree(proofFile.toFile());
        edit.accept((ObjectNode) proof.get("head"));
        byte[] bytes = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(proof);
        Files.write(proofFile, bytes);
        Path manifestFile = bundle.resolve(EvidenceBundle.MANIFEST);
        ObjectNode manifest = (ObjectNode) JSON.readTree(manifestFile.toFile());
        for (var f : manifest.get("files")) {
            if (f.get("name").asText().equals("chain-proof.json")) {
                ((ObjectNode) f).put("sha256", EvidenceBundle.sha256Hex(bytes));
            }
        }
        Files.write(
                manifestFile, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(manifest));
    }

    private static Path writePem(String name, KeyPair key) throws Exception {
        Path pem = dir.resolve(name);
        Files.writeString(
                pem,
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(key.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
        return pem;
    }
}
