package io.decisionledger.privacy;

import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.InvalidKeyException;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Where the pseudonymisation key comes from, and the keyed pseudonyms made with it. The key is read
 * on the TaskManager when the masking operator opens, from a file (a mounted Kubernetes secret) or
 * an environment variable: it never travels in the job graph, on a command line, or in a log line;
 * only this source description does. Pseudonym = HMAC-SHA256(key, tenant ‖ 0x00 ‖ value): the same
 * person gets the same pseudonym within a tenant and key, a dictionary of user ids is useless
 * without the key, and tenants cannot be linked. Keys rotate by key id.
 */
public final class PseudonymKey implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String DEFAULT_ENV = "DECISION_LEDGER_PSEUDONYM_KEY";
    static final int MIN_KEY_BYTES = 32;

    private final String file;
    private final String envVariable;
    private final String keyId;

    /**
     * @param file path of a file holding the key as Base64 (at least 32 bytes decoded), or null
     * @param envVariable environment variable holding the key as Base64, used when file is null
     * @param keyId stored with every pseudonym so keys can rotate
     */
    public PseudonymKey(String file, String envVariable, String keyId) {
        this.file = file;
        this.envVariable = envVariable;
        this.keyId = keyId;
    }

    public String keyId() {
        return keyId;
    }

    /** The key file's path (not its content), or null. */
    public String file() {
        return file;
    }

    public String envVariable() {
        return envVariable;
    }

    /** Where the key is read from, for messages; never the key. */
    public String source() {
        return file != null ? "file " + file : "environment variable " + envVariable;
    }

    /** Reads the key and returns a ready HMAC; fails with a message that names the source only. */
    public Pseudonymizer open() {
        byte[] key = read();
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return new Pseudonymizer(mac, keyId);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(
                    "cannot initialise HMAC-SHA256 with the key from " + source(), e);
        }
    }

    private byte[] read() {
        String encoded;
        if (file != null) {
            try {
                encoded = Files.readString(Path.of(file), StandardCharsets.US_ASCII).strip();
            } catch (IOException e) {
                throw new IllegalStateException(
                        "cannot read the pseudonymisation key from "
                                + source()
                                + " ("
                                + e.getClass().getSimpleName()
                                + ")");
            }
        } else {
            encoded = System.getenv(envVariable);
            if (encoded == null || encoded.isBlank()) {
                throw new IllegalStateException(
                        "no pseudonymisation key: set the environment variable "
                                + envVariable
                                + " on the TaskManagers or pass --pseudonym-key-file");
            }
            encoded = encoded.strip();
        }
        byte[] key;
        try {
            // Accept the forms key tools write: line-wrapped (openssl rand -base64 64) and
            // URL-safe alphabets.
            String compact = encoded.replaceAll("\\s+", "");
            key =
                    compact.indexOf('-') >= 0 || compact.indexOf('_') >= 0
                            ? Base64.getUrlDecoder().decode(compact)
                            : Base64.getDecoder().decode(compact);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(
                    "the pseudonymisation key in " + source() + " is not Base64");
        }
        if (key.length < MIN_KEY_BYTES) {
            throw new IllegalStateException(
                    "the pseudonymisation key in "
                            + source()
                            + " is shorter than "
                            + MIN_KEY_BYTES
                            + " bytes");
        }
        return key;
    }

    /**
     * Creates a key file with 32 random bytes (Base64, owner-readable only where the file system
     * supports it) unless one exists; for local stacks and demos. Production keys come from the
     * bank's secret store.
     */
    public static Path createKeyFileIfAbsent(Path keyFile) throws IOException {
        if (Files.exists(keyFile)) {
            return keyFile;
        }
        Files.createDirectories(keyFile.toAbsolutePath().getParent());
        byte[] bytes = new byte[MIN_KEY_BYTES];
        new SecureRandom().nextBytes(bytes);
        Files.writeString(keyFile, Base64.getEncoder().encodeToString(bytes));
        try {
            Files.setPosixFilePermissions(keyFile, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: permissions are the platform's default
        }
        return keyFile;
    }

    /** Makes pseudonyms with an opened key. Not thread-safe (one per task). */
    public static final class Pseudonymizer {
        private final Mac mac;
        private final String keyId;

        Pseudonymizer(Mac mac, String keyId) {
            this.mac = mac;
            this.keyId = keyId;
        }

        public String keyId() {
            return keyId;
        }

        /** Lower-case hex HMAC-SHA256(key, tenant ‖ 0x00 ‖ value); null for null. */
        public String pseudonym(String tenantId, String value) {
            if (value == null) {
                return null;
            }
            mac.reset();
            mac.update(tenantId.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) 0);
            return HexFormat.of().formatHex(mac.doFinal(value.getBytes(StandardCharsets.UTF_8)));
        }
    }
}
