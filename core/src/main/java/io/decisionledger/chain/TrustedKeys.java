package io.decisionledger.chain;

import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.RetentionSummary;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The public keys a verifier trusts, from a file the operator supplies ({@code --trusted-keys}),
 * never from the lake: one key per line, {@code KEY_ID ALGORITHM BASE64-X.509-PUBLIC-KEY}, or
 * {@code KEY_ID ALGORITHM} followed by a PEM public key ({@code -----BEGIN PUBLIC KEY-----} …
 * {@code -----END PUBLIC KEY-----}, what {@code openssl pkey -pubout} writes); blank lines and
 * {@code #} comments are ignored. Several keys make rotation work: the key id in each signed record
 * selects the key, so records signed by a retired key keep verifying while its public key stays in
 * the file.
 */
public final class TrustedKeys implements Serializable {
    private static final long serialVersionUID = 1L;

    private static final Pattern KEY_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    /** What a signature check found. */
    public enum Status {
        /** Signed by a trusted key, and the signature verifies. */
        VALID,
        /** No signature fields at all (written before signing, or without a key). */
        UNSIGNED,
        /** Signature fields present but wrong: unknown key, wrong algorithm, not verifying. */
        BAD
    }

    /** The outcome of one check, with a detail that names key ids and algorithms only. */
    public record Verdict(Status status, String detail) {
        public boolean valid() {
            return status == Status.VALID;
        }
    }

    /** One trusted key as read from the file (encoded, so the set stays Serializable). */
    private record Entry(String algorithm, byte[] x509) implements Serializable {}

    private final Map<String, Entry> keys;
    private transient Map<String, PublicKey> decoded;

    private TrustedKeys(Map<String, Entry> keys) {
        this.keys = keys;
    }

    public static boolean isValidKeyId(String keyId) {
        return keyId != null && KEY_ID.matcher(keyId).matches();
    }

    public static TrustedKeys load(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IOException("cannot read the trusted keys file " + file, e);
        }
        return parse(text, "the trusted keys file " + file);
    }

    /** Parses the file's text; {@code what} names it in error messages. */
    public static TrustedKeys parse(String text, String what) throws IOException {
        Map<String, Entry> keys = new LinkedHashMap<>();
        List<String> lines = text.lines().toList();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int lineNo = i + 1;
            String[] parts = line.split("\\s+", 3);
            if (parts.length < 2) {
                throw new IOException(
                        what + " line " + lineNo + ": expected KEY_ID ALGORITHM PUBLIC_KEY");
            }
            String keyId = parts[0];
            String algorithm = parts[1];
            if (!isValidKeyId(keyId)) {
                throw new IOException(
                        what
                                + " line "
                                + lineNo
                                + ": a key id is 1-64 characters of letters, digits, '.', '_',"
                                + " ':' or '-'");
            }
            if (!PemFileSigningKey.ALGORITHM.equals(algorithm)) {
                throw new IOException(
                        what
                                + " line "
                                + lineNo
                                + ": algorithm "
                                + algorithm
                                + " is not supported (only Ed25519)");
            }
            byte[] x509;
            if (parts.length == 3 && !parts[2].startsWith("-----BEGIN")) {
                try {
                    x509 = Base64.getDecoder().decode(parts[2].strip());
                } catch (IllegalArgumentException e) {
                    throw new IOException(what + " line " + lineNo + ": the key is not Base64");
                }
            } else {
                StringBuilder pem = new StringBuilder(parts.length == 3 ? parts[2] : "");
                while (!pem.toString().contains("-----END PUBLIC KEY-----")) {
                    i++;
                    if (i >= lines.size()) {
                        throw new IOException(
                                what + " line " + lineNo + ": PEM public key without its END line");
                    }
                    pem.append('\n').append(lines.get(i));
                }
                x509 =
                        PemFileSigningKey.pemBody(
                                pem.toString(), "PUBLIC KEY", what + " line " + lineNo);
            }
            try {
                KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(x509));
            } catch (GeneralSecurityException e) {
                throw new IOException(
                        what + " line " + lineNo + ": not an X.509 Ed25519 public key");
            }
            if (keys.put(keyId, new Entry(algorithm, x509)) != null) {
                throw new IOException(what + " line " + lineNo + ": key id " + keyId + " repeated");
            }
        }
        if (keys.isEmpty()) {
            throw new IOException(what + " lists no key");
        }
        return new TrustedKeys(keys);
    }

    /** The trusted key ids, in file order. */
    public List<String> keyIds() {
        return List.copyOf(keys.keySet());
    }

    /** The line of a trusted keys file for {@code key}: {@code KEY_ID Ed25519 BASE64}. */
    public static String line(String keyId, PublicKey key) {
        return keyId
                + " "
                + PemFileSigningKey.ALGORITHM
                + " "
                + Base64.getEncoder().encodeToString(key.getEncoded());
    }

    public Verdict check(ChainHead h) {
        return check(
                h.getSignatureKeyId(),
                h.getSignatureAlgorithm(),
                h.getSignature(),
                h.getSignatureKeyId() == null
                        ? null
                        : SignedBytes.of(h, h.getSignatureKeyId(), h.getSignatureAlgorithm()));
    }

    public Verdict check(RetentionSummary s) {
        return check(
                s.getSignatureKeyId(),
                s.getSignatureAlgorithm(),
                s.getSignature(),
                s.getSignatureKeyId() == null
                        ? null
                        : SignedBytes.of(s, s.getSignatureKeyId(), s.getSignatureAlgorithm()));
    }

    public Verdict check(ChainAnchor a) {
        return check(
                a.getSignatureKeyId(),
                a.getSignatureAlgorithm(),
                a.getSignature(),
                a.getSignatureKeyId() == null
                        ? null
                        : SignedBytes.of(a, a.getSignatureKeyId(), a.getSignatureAlgorithm()));
    }

    /**
     * Checks a signature over {@code signed} (the canonical bytes of any signed form, e.g. the
     * verify state's {@code DLV1}); key id, algorithm and signature as stored beside them.
     */
    public Verdict check(String keyId, String algorithm, String signature, byte[] signed) {
        if (keyId == null && algorithm == null && signature == null) {
            return new Verdict(Status.UNSIGNED, "no signature");
        }
        if (keyId == null || algorithm == null || signature == null) {
            return new Verdict(
                    Status.BAD, "incomplete signature fields (key id, algorithm and signature)");
        }
        Entry entry = keys.get(keyId);
        if (entry == null) {
            return new Verdict(
                    Status.BAD,
                    "signed with key id "
                            + (isValidKeyId(keyId) ? keyId : "(malformed)")
                            + ", which is not among the trusted keys "
                            + keyIds());
        }
        if (!entry.algorithm().equals(algorithm)) {
            return new Verdict(
                    Status.BAD,
                    "algorithm "
                            + (algorithm.length() <= 32 ? algorithm : "(too long)")
                            + " does not match trusted key "
                            + keyId
                            + " ("
                            + entry.algorithm()
                            + ")");
        }
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return new Verdict(Status.BAD, "the signature is not Base64");
        }
        try {
            Signature v = Signature.getInstance(entry.algorithm());
            v.initVerify(publicKey(keyId, entry));
            v.update(signed);
            if (v.verify(sig)) {
                return new Verdict(Status.VALID, "signed by " + keyId);
            }
        } catch (GeneralSecurityException e) {
            // a malformed signature (wrong length) is a bad signature, not an error
        }
        return new Verdict(Status.BAD, "the signature does not verify with trusted key " + keyId);
    }

    private synchronized PublicKey publicKey(String keyId, Entry entry)
            throws GeneralSecurityException {
        if (decoded == null) {
            decoded = new LinkedHashMap<>();
        }
        PublicKey k = decoded.get(keyId);
        if (k == null) {
            k =
                    KeyFactory.getInstance(entry.algorithm())
                            .generatePublic(new X509EncodedKeySpec(entry.x509()));
            decoded.put(keyId, k);
        }
        return k;
    }
}
