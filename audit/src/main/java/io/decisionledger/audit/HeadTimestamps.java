package io.decisionledger.audit;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.security.cert.CertPathBuilder;
import java.security.cert.CertStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampToken;
import org.bouncycastle.tsp.TimeStampTokenInfo;

/**
 * RFC 3161 time-stamps of the published chain heads ({@code audit timestamp-heads} and {@code audit
 * verify-timestamps}). A time-stamping authority the auditor trusts signs the imprint of each
 * committed heads file ({@link HeadsImprint}); its response is kept beside the heads as {@code
 * chain/timestamps/tenant_id=T/head_date=D/<heads-file-name>.tsr} (the DER TimeStampResp, which
 * {@code openssl ts -reply -in F -text} reads). The token proves the heads, and so every record
 * they chain, existed at its genTime: a rewrite of the chain later than that, even one signed with
 * a stolen head key, no longer matches the time-stamped heads.
 *
 * <p>Time-stamping runs outside the cluster (a scheduler, after ingest checkpoints): it only reads
 * committed heads files and writes new side files, so it never blocks or slows ingest, and a TSA
 * that is down only delays the tokens. Files that already have a token are skipped, so a rerun asks
 * for nothing new.
 */
public final class HeadTimestamps {

    public static final String TOKEN_SUFFIX = ".tsr";

    private final LakeLayout lake;

    public HeadTimestamps(LakeLayout lake) {
        this.lake = lake;
    }

    /** One committed heads file and where its token lives. */
    record HeadsFile(FileStatus file, String tenant, LocalDate date, String relative) {}

    /** What {@link #stamp} did. */
    public record StampResult(int stamped, int alreadyStamped) {}

    /** Verdict on one heads file (or on a token whose heads file is gone). */
    public enum Status {
        TIMESTAMP_OK,
        BAD_TIMESTAMP,
        NO_TIMESTAMP
    }

    /** One line of the verification report. */
    public record Finding(Status status, String file, String detail) {
        String toText() {
            return status + " " + file + (detail.isEmpty() ? "" : "  " + detail);
        }
    }

    /**
     * Asks {@code tsa} for a token for every committed heads file of {@code tenant} (null: all)
     * published on or after {@code since} (null: all) that has none yet, and stores each checked
     * token. Stops at the first TSA failure: tokens already stored stay, nothing partial is left.
     */
    public StampResult stamp(
            TimeStampAuthority tsa, String tenant, LocalDate since, PrintStream out)
            throws IOException {
        int stamped = 0;
        int skipped = 0;
        for (HeadsFile h : headsFiles(tenant, since)) {
            Path token = tokenPath(h);
            FileSystem fs = token.getFileSystem();
            if (fs.exists(token)) {
                skipped++;
                continue;
            }
            byte[] reply = tsa.stamp(HeadsImprint.of(h.file()));
            write(token, reply);
            TimeStampToken t = parse(reply).getTimeStampToken();
            out.println(
                    "TIMESTAMPED "
                            + h.relative()
                            + "  genTime="
                            + t.getTimeStampInfo().getGenTime().toInstant()
                            + "  serial="
                            + t.getTimeStampInfo().getSerialNumber());
            stamped++;
        }
        return new StampResult(stamped, skipped);
    }

    /**
     * Checks the token of every heads file of {@code tenant} (null: all) against the recomputed
     * imprint and the {@code trusted} TSA (or CA) certificates, and every stored token against the
     * heads file it names (a token whose heads file is gone is BAD).
     */
    public List<Finding> verify(List<X509Certificate> trusted, String tenant) throws IOException {
        List<Finding> findings = new ArrayList<>();
        Set<String> covered = new HashSet<>();
        for (HeadsFile h : headsFiles(tenant, null)) {
            Path token = tokenPath(h);
            covered.add(token.toString());
            if (!token.getFileSystem().exists(token)) {
                findings.add(new Finding(Status.NO_TIMESTAMP, h.relative(), ""));
                continue;
            }
            findings.add(check(h, read(token), trusted));
        }
        Path root = lake.chainTimestamps();
        if (root.getFileSystem().exists(root)) {
            List<Path> tokens = new ArrayList<>();
            collectTokens(root.getFileSystem(), root, tokens);
            for (Path t : tokens) {
                String rel = relative(root, t);
                if (!covered.contains(t.toString()) && ofTenant(rel, tenant)) {
                    findings.add(
                            new Finding(
                                    Status.BAD_TIMESTAMP,
                                    rel.substring(0, rel.length() - TOKEN_SUFFIX.length()),
                                    "a token exists for this heads file, but the heads file is"
                                            + " missing (deleted or moved after it was"
                                            + " time-stamped)"));
                }
            }
        }
        return findings;
    }

    private static boolean ofTenant(String relative, String tenant) {
        return tenant == null || relative.startsWith("tenant_id=" + tenant + "/");
    }

    private Finding check(HeadsFile h, byte[] der, List<X509Certificate> trusted)
            throws IOException {
        TimeStampResponse reply;
        try {
            reply = parse(der);
        } catch (IOException e) {
            return bad(h, "the token file is not a time-stamp response: " + e.getMessage());
        }
        TimeStampToken token = reply.getTimeStampToken();
        if (token == null) {
            return bad(
                    h, "the stored response carries no token (status " + reply.getStatus() + ")");
        }
        TimeStampTokenInfo info = token.getTimeStampInfo();
        if (!NISTObjectIdentifiers.id_sha256.equals(info.getMessageImprintAlgOID())) {
            return bad(h, "the token's imprint is not SHA-256: " + info.getMessageImprintAlgOID());
        }
        byte[] now = HeadsImprint.of(h.file());
        if (!Arrays.equals(now, info.getMessageImprintDigest())) {
            return bad(
                    h,
                    "the heads file changed after it was time-stamped (token imprint "
                            + TimeStampAuthority.hex(info.getMessageImprintDigest())
                            + ", file now "
                            + TimeStampAuthority.hex(now)
                            + ")");
        }
        X509CertificateHolder cert = TimeStampAuthority.signerCertificate(token);
        if (cert == null) {
            return bad(h, "the token does not carry its signing certificate");
        }
        String problem = TimeStampAuthority.verifySignature(token, cert);
        if (problem != null) {
            return bad(h, problem);
        }
        String untrusted = chainsToTrusted(token, cert, trusted);
        if (untrusted != null) {
            return bad(h, untrusted);
        }
        return new Finding(
                Status.TIMESTAMP_OK,
                h.relative(),
                "genTime="
                        + info.getGenTime().toInstant()
                        + "  tsa="
                        + cert.getSubject()
                        + "  serial="
                        + info.getSerialNumber());
    }

    private static Finding bad(HeadsFile h, String why) {
        return new Finding(Status.BAD_TIMESTAMP, h.relative(), why);
    }

    /**
     * Null if the TSA certificate is trusted or chains to a trusted one at genTime; else why not.
     */
    private static String chainsToTrusted(
            TimeStampToken token, X509CertificateHolder signer, List<X509Certificate> trusted) {
        try {
            JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
            X509Certificate tsaCert = conv.getCertificate(signer);
            if (trusted.contains(tsaCert)) {
                return null;
            }
            Set<TrustAnchor> anchors = new HashSet<>();
            for (X509Certificate c : trusted) {
                anchors.add(new TrustAnchor(c, null));
            }
            X509CertSelector target = new X509CertSelector();
            target.setCertificate(tsaCert);
            PKIXBuilderParameters params = new PKIXBuilderParameters(anchors, target);
            // revocation needs the network (CRL/OCSP); the token is checked at its genTime
            params.setRevocationEnabled(false);
            params.setDate(token.getTimeStampInfo().getGenTime());
            List<X509Certificate> carried = new ArrayList<>();
            for (Object o : token.getCertificates().getMatches(null)) {
                carried.add(conv.getCertificate((X509CertificateHolder) o));
            }
            params.addCertStore(
                    CertStore.getInstance(
                            "Collection", new CollectionCertStoreParameters(carried)));
            CertPathBuilder.getInstance("PKIX").build(params);
            return null;
        } catch (java.security.cert.CertPathBuilderException e) {
            return "the TSA certificate "
                    + signer.getSubject()
                    + " does not chain to a trusted certificate (--tsa-trust)";
        } catch (Exception e) {
            return "the TSA certificate cannot be checked: " + e.getMessage();
        }
    }

    /** The trusted TSA or CA certificates of a PEM (or DER) file: at least one. */
    public static List<X509Certificate> loadTrust(java.nio.file.Path file) throws IOException {
        List<X509Certificate> certs = new ArrayList<>();
        try (InputStream in = java.nio.file.Files.newInputStream(file)) {
            for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certs.add((X509Certificate) c);
            }
        } catch (CertificateException e) {
            throw new IOException(file + " is not a file of X.509 certificates: " + e.getMessage());
        }
        if (certs.isEmpty()) {
            throw new IOException(file + " holds no certificate");
        }
        return certs;
    }

    /** Committed heads files, in tenant_id=T/head_date=D folders, optionally filtered. */
    List<HeadsFile> headsFiles(String tenant, LocalDate since) throws IOException {
        Path root = lake.chainHeads();
        List<HeadsFile> out = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(root)) {
            Path dateDir = f.getPath().getParent();
            Path tenantDir = dateDir.getParent();
            String d = dateDir.getName();
            String t = tenantDir.getName();
            if (!d.startsWith("head_date=")
                    || !t.startsWith("tenant_id=")
                    || !tenantDir.getParent().toString().equals(root.toString())) {
                continue;
            }
            String tenantId = t.substring("tenant_id=".length());
            LocalDate date;
            try {
                date = LocalDate.parse(d.substring("head_date=".length()));
            } catch (DateTimeParseException e) {
                continue;
            }
            if ((tenant != null && !tenant.equals(tenantId))
                    || (since != null && date.isBefore(since))) {
                continue;
            }
            out.add(new HeadsFile(f, tenantId, date, relative(root, f.getPath())));
        }
        return out;
    }

    private Path tokenPath(HeadsFile h) {
        return new Path(lake.chainTimestamps(), h.relative() + TOKEN_SUFFIX);
    }

    private static String relative(Path root, Path file) {
        String r = root.toString();
        String f = file.toString();
        return f.startsWith(r + "/") ? f.substring(r.length() + 1) : f;
    }

    private static void collectTokens(FileSystem fs, Path dir, List<Path> out) throws IOException {
        FileStatus[] children = fs.listStatus(dir);
        if (children == null) {
            return;
        }
        for (FileStatus c : children) {
            String name = c.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (c.isDir()) {
                collectTokens(fs, c.getPath(), out);
            } else if (name.endsWith(TOKEN_SUFFIX)) {
                out.add(c.getPath());
            }
        }
    }

    static TimeStampResponse parse(byte[] der) throws IOException {
        try {
            return new TimeStampResponse(der);
        } catch (org.bouncycastle.tsp.TSPException | RuntimeException e) {
            throw new IOException(e.getMessage(), e);
        }
    }

    private static byte[] read(Path p) throws IOException {
        try (FSDataInputStream in = p.getFileSystem().open(p)) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            in.transferTo(b);
            return b.toByteArray();
        }
    }

    /** Written under a hidden name first, then renamed: readers never see half a token. */
    private static void write(Path token, byte[] der) throws IOException {
        FileSystem fs = token.getFileSystem();
        fs.mkdirs(token.getParent());
        Path tmp = new Path(token.getParent(), "." + token.getName() + ".inprogress");
        try (FSDataOutputStream out = fs.create(tmp, FileSystem.WriteMode.OVERWRITE)) {
            out.write(der);
        }
        if (!fs.rename(tmp, token)) {
            fs.delete(tmp, false);
            throw new IOException("cannot move the new token into place at " + token);
        }
    }
}
