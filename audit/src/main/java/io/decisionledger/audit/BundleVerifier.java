package io.decisionledger.audit;

import com.fasterxml.jackson.databind.JsonNode;
import io.decisionledger.access.AccessLogHasher;
import io.decisionledger.chain.ChainProof;
import io.decisionledger.chain.TrustedKeys;
import io.decisionledger.decision.DecisionParser;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.flink.core.fs.FileStatus;

/**
 * Checks an evidence bundle offline, trusting nothing in it: every file against the manifest's
 * SHA-256; the record's content hash and chain hash recomputed from {@code record.json} with the
 * same code ingest used ({@code CanonicalContent}, {@code ChainHasher}); its links to the previous
 * record, through every following record, to the bundled published head; {@code decision.json}
 * against the record; each access-log entry's hash. With the operator's trusted public keys, the
 * bundled head's Ed25519 signature (so a head forged together with a rewritten chain fails even
 * without the protected copy of the heads). With a lake (ideally the protected copy of {@code
 * chain/heads/}), it also confirms the head was really published there.
 */
public final class BundleVerifier {

    /** One check: what, whether it held, and why (names files, seqs and hashes only). */
    public record Check(String name, boolean ok, String detail) {
        /**
         * Names and details quote the untrusted bundle (file names, manifest values): control and
         * format characters are escaped, so a crafted bundle cannot move the terminal's cursor or
         * forge a line of the report (e.g. overwrite "NOT VERIFIED").
         */
        public Check {
            name = printable(name);
            detail = printable(detail);
        }
    }

    static String printable(String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c)
                    || c == '\u2028'
                    || c == '\u2029'
                    || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** All checks of one bundle. */
    public record Report(Path bundle, List<Check> checks) {
        public boolean ok() {
            return !checks.isEmpty() && checks.stream().allMatch(Check::ok);
        }

        public String toText() {
            StringBuilder out = new StringBuilder();
            out.append(ok() ? "VERIFIED" : "NOT VERIFIED").append(": ").append(bundle).append('\n');
            for (Check c : checks) {
                out.append(c.ok() ? "  ok    " : "  FAIL  ")
                        .append(c.name())
                        .append(": ")
                        .append(c.detail())
                        .append('\n');
            }
            return out.toString();
        }
    }

    private BundleVerifier() {}

    /**
     * @param bundle a bundle folder or its zip
     * @param headsLake a lake whose {@code chain/heads/} must contain the bundled head, or null
     */
    public static Report verify(Path bundle, LakeLayout headsLake) throws IOException {
        return verify(bundle, headsLake, null);
    }

    /**
     * @param bundle a bundle folder or its zip
     * @param headsLake a lake whose {@code chain/heads/} must contain the bundled head, or null
     * @param trustedKeys the public keys the operator trusts (never the lake's copy), or null: then
     *     the bundled head must carry a signature one of them verifies
     */
    public static Report verify(Path bundle, LakeLayout headsLake, TrustedKeys trustedKeys)
            throws IOException {
        if (Files.isDirectory(bundle)) {
            return new Report(bundle, checkFolder(bundle, headsLake, trustedKeys));
        }
        Path tmp = Files.createTempDirectory("bundle-verify");
        try {
            Path folder = unzip(bundle, tmp);
            return new Report(bundle, checkFolder(folder, headsLake, trustedKeys));
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static List<Check> checkFolder(
            Path folder, LakeLayout headsLake, TrustedKeys trustedKeys) throws IOException {
        List<Check> checks = new ArrayList<>();
        Path manifestFile = folder.resolve(EvidenceBundle.MANIFEST);
        if (!Files.isRegularFile(manifestFile)) {
            checks.add(new Check("manifest", false, "manifest.json is missing"));
            return checks;
        }
        JsonNode manifest;
        try {
            manifest = RecordJson.MAPPER.readTree(manifestFile.toFile());
        } catch (IOException e) {
            checks.add(new Check("manifest", false, "manifest.json is not valid JSON"));
            return checks;
        }
        checks.add(
                new Check(
                        "manifest format",
                        EvidenceBundle.FORMAT.equals(manifest.path("format").asText()),
                        manifest.path("format").asText()));

        Set<String> listed = new HashSet<>();
        for (JsonNode f : manifest.path("files")) {
            String name = f.path("name").asText();
            listed.add(name);
            Path p = folder.resolve(name).normalize();
            if (!p.getParent().equals(folder.normalize()) || !Files.isRegularFile(p)) {
                checks.add(new Check("file " + name, false, "listed in the manifest but missing"));
                continue;
            }
            String actual = EvidenceBundle.sha256Hex(Files.readAllBytes(p));
            String expected = f.path("sha256").asText();
            checks.add(
                    new Check(
                            "file " + name,
                            actual.equals(expected),
                            actual.equals(expected)
                                    ? "SHA-256 " + actual
                                    : "SHA-256 is " + actual + ", manifest says " + expected));
        }
        for (String required : EvidenceBundle.FILES) {
            if (!listed.contains(required)) {
                checks.add(new Check("file " + required, false, "not listed in the manifest"));
            }
        }
        try (Stream<Path> s = Files.list(folder)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.equals(EvidenceBundle.MANIFEST) && !listed.contains(n)) {
                    checks.add(
                            new Check(
                                    "file " + n, false, "present but not listed in the manifest"));
                }
            }
        }

        DecisionRecord record;
        try {
            record =
                    RecordJson.fromJson(
                            RecordJson.MAPPER.readTree(folder.resolve("record.json").toFile()),
                            new DecisionRecord());
        } catch (IOException | RuntimeException e) {
            checks.add(
                    new Check(
                            "record.json",
                            false,
                            "unreadable as a decision record: " + safeMessage(e)));
            return checks;
        }
        // The bundle is untrusted: its ids are checked as ingest checks them before any of them
        // names a file or folder (a tenant id of "../x" must not walk out of chain/heads/).
        boolean idsValid =
                DecisionParser.isValidTenantId(record.getTenantId())
                        && DecisionParser.isValidEventId(record.getEventId());
        checks.add(
                new Check(
                        "record ids",
                        idsValid,
                        idsValid
                                ? "tenant and event id are ids ingest accepts"
                                : "the record's tenant or event id is not one ingest accepts"));
        if (!idsValid) {
            return checks;
        }
        int records = manifest.path("records_for_event_id").asInt(1);
        checks.add(
                new Check(
                        "one record for this event id",
                        records == 1,
                        records == 1
                                ? "the lake held one record with this event id"
                                : records
                                        + " stored records share this event id (see "
                                        + EvidenceBundle.COLLISION_FILE
                                        + "): the decision is not proven until the duplicate is"
                                        + " explained"));
        if (records > 1 && !listed.contains(EvidenceBundle.COLLISION_FILE)) {
            checks.add(
                    new Check(
                            "file " + EvidenceBundle.COLLISION_FILE,
                            false,
                            "not listed in the manifest"));
        }
        checks.add(
                new Check(
                        "record is the one in the manifest",
                        record.getEventId().equals(manifest.path("event_id").asText())
                                && record.getTenantId().equals(manifest.path("tenant_id").asText()),
                        "tenant " + record.getTenantId()));

        try {
            JsonNode summary = RecordJson.MAPPER.readTree(folder.resolve("decision.json").toFile());
            // compared as parsed JSON on both sides, so number node types agree
            JsonNode expected =
                    RecordJson.MAPPER.readTree(
                            RecordJson.MAPPER.writeValueAsString(
                                    EvidenceBundle.decisionSummary(record)));
            boolean same = expected.equals(summary);
            checks.add(
                    new Check(
                            "decision.json matches the record",
                            same,
                            same
                                    ? "outcome, reasons, model and parameters as recorded"
                                    : "differs from record.json"));
        } catch (IOException e) {
            checks.add(new Check("decision.json matches the record", false, "unreadable"));
        }

        ChainProof proof;
        try {
            proof =
                    ChainProofJson.fromJson(
                            RecordJson.MAPPER.readTree(
                                    folder.resolve("chain-proof.json").toFile()));
        } catch (IOException | RuntimeException e) {
            checks.add(new Check("chain-proof.json", false, "unreadable: " + safeMessage(e)));
            return checks;
        }
        for (ChainProof.Check c : proof.verify(record)) {
            checks.add(new Check(c.name(), c.ok(), c.detail()));
        }
        if (trustedKeys != null) {
            checks.add(headSignature(proof, trustedKeys));
        }
        if (headsLake != null) {
            checks.add(headPublished(proof, headsLake));
        }

        try {
            JsonNode access =
                    RecordJson.MAPPER.readTree(folder.resolve("access-log.json").toFile());
            AccessLogHasher hasher = new AccessLogHasher();
            int n = 0;
            boolean ok = true;
            String bad = "";
            for (JsonNode e : access.path("entries")) {
                AccessLogEntry entry = RecordJson.fromJson(e, new AccessLogEntry());
                n++;
                boolean about =
                        Objects.equals(entry.getTenantId(), record.getTenantId())
                                && entry.getRecordIds().contains(record.getEventId());
                if (!about || hasher.problem(entry.getPrevHash(), entry) != null) {
                    ok = false;
                    bad =
                            "entry #"
                                    + entry.getLogSeq()
                                    + (about ? " does not recompute" : " is about another record");
                    break;
                }
            }
            checks.add(
                    new Check(
                            "access-log entries",
                            ok && n > 0,
                            ok
                                    ? n + " entries recompute (the bundle's own creation included)"
                                    : bad));
        } catch (IOException | RuntimeException e) {
            checks.add(new Check("access-log entries", false, "unreadable: " + safeMessage(e)));
        }
        return checks;
    }

    /** The bundled head's signature against the operator's trusted keys. */
    private static Check headSignature(ChainProof proof, TrustedKeys keys) {
        if (proof.head() == null) {
            return new Check("head signature", false, "the bundle has no head");
        }
        TrustedKeys.Verdict v = keys.check(proof.head());
        return new Check(
                "head signature",
                v.valid(),
                switch (v.status()) {
                    case VALID -> v.detail() + " (trusted key)";
                    case UNSIGNED -> "UNSIGNED_HEAD: the bundled head carries no signature";
                    case BAD -> "BAD_SIGNATURE: " + v.detail();
                });
    }

    private static Check headPublished(ChainProof proof, LakeLayout lake) throws IOException {
        if (proof.head() == null) {
            return new Check("head in the given lake", false, "the bundle has no head");
        }
        ChainHead h = proof.head();
        if (!DecisionParser.isValidTenantId(h.getTenantId())) {
            return new Check(
                    "head in the given lake",
                    false,
                    "the bundled head's tenant id is not one ingest accepts");
        }
        boolean[] seen = {false};
        for (FileStatus f :
                LakeFiles.parquetFiles(
                        new org.apache.flink.core.fs.Path(
                                lake.chainHeads(), "tenant_id=" + h.getTenantId()))) {
            LakeFiles.forEachRecord(
                    f,
                    ChainHead.class,
                    x -> {
                        if (x.getChainShard() == h.getChainShard()
                                && x.getChainSeq() == h.getChainSeq()
                                && x.getHash().equals(h.getHash())) {
                            seen[0] = true;
                        }
                    });
        }
        return new Check(
                "head in the given lake",
                seen[0],
                (seen[0] ? "published in " : "NOT found in ")
                        + lake.chainHeads()
                        + " (seq "
                        + h.getChainSeq()
                        + ")");
    }

    /** Exception text without values: the class name, and our own messages (which name columns). */
    private static String safeMessage(Exception e) {
        return e instanceof IllegalArgumentException
                        && e.getMessage() != null
                        && e.getMessage().startsWith("column ")
                ? e.getMessage()
                : e.getClass().getSimpleName();
    }

    private static Path unzip(Path zip, Path into) throws IOException {
        Path top = null;
        try (InputStream in = Files.newInputStream(zip);
                ZipInputStream z = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = z.getNextEntry()) != null) {
                String[] parts = e.getName().split("/");
                // exactly <folder>/<file>, no traversal: a bundle has no other shape
                if (e.isDirectory()
                        || parts.length != 2
                        || parts[0].isEmpty()
                        || parts[1].isEmpty()
                        || parts[0].equals("..")
                        || parts[1].equals("..")
                        || parts[0].equals(".")) {
                    throw new IOException("not an evidence bundle zip: unexpected entry shape");
                }
                Path folder = into.resolve(parts[0]);
                if (top == null) {
                    top = folder;
                    Files.createDirectories(top);
                } else if (!top.equals(folder)) {
                    throw new IOException("not an evidence bundle zip: more than one folder");
                }
                Files.copy(z, folder.resolve(parts[1]));
            }
        }
        if (top == null) {
            throw new IOException("the zip is empty");
        }
        return top;
    }
}
