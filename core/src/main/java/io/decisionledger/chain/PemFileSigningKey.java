package io.decisionledger.chain;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;

/**
 * An Ed25519 private key in a PKCS#8 PEM file ({@code -----BEGIN PRIVATE KEY-----}, what {@code
 * openssl genpkey -algorithm ed25519} writes), e.g. a mounted Kubernetes secret. Signing uses the
 * JDK's own Ed25519 ({@code java.security}), no extra library.
 */
public record PemFileSigningKey(String file, String keyId) implements SigningKeyProvider {
    private static final long serialVersionUID = 1L;

    public static final String ALGORITHM = "Ed25519";

    public PemFileSigningKey {
        if (file == null || file.isBlank()) {
            throw new IllegalArgumentException("a signing key file is needed");
        }
        if (keyId == null || !TrustedKeys.isValidKeyId(keyId)) {
            throw new IllegalArgumentException(
                    "a signing key id is 1-64 characters of letters, digits, '.', '_', ':' or '-'");
        }
    }

    @Override
    public HeadSigner open() throws IOException {
        PrivateKey key = read(Path.of(file));
        Signature signature;
        try {
            signature = Signature.getInstance(ALGORITHM);
            signature.initSign(key);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot sign with the key from " + describe(), e);
        }
        return new HeadSigner() {
            @Override
            public String keyId() {
                return keyId;
            }

            @Override
            public String algorithm() {
                return ALGORITHM;
            }

            @Override
            public synchronized byte[] sign(byte[] message) throws IOException {
                try {
                    // sign() resets the Signature for the next message, under the same key
                    signature.update(message);
                    return signature.sign();
                } catch (GeneralSecurityException e) {
                    throw new IOException(
                            "Ed25519 signing failed with the key from " + describe(), e);
                }
            }
        };
    }

    @Override
    public String describe() {
        return "PKCS#8 PEM file " + file + " (key id " + keyId + ")";
    }

    /** The Ed25519 private key of a PKCS#8 PEM file. */
    static PrivateKey read(Path pem) throws IOException {
        String text;
        try {
            text = Files.readString(pem, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new IOException("cannot read the signing key file " + pem, e);
        }
        byte[] der = pemBody(text, "PRIVATE KEY", "the signing key file " + pem);
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            // no cause: the exception could quote key bytes
            throw new IOException(
                    "the signing key file "
                            + pem
                            + " holds no Ed25519 PKCS#8 private key (make one with: openssl"
                            + " genpkey -algorithm ed25519 -out FILE)");
        }
    }

    /** The DER bytes between {@code -----BEGIN label-----} and {@code -----END label-----}. */
    static byte[] pemBody(String text, String label, String what) throws IOException {
        String begin = "-----BEGIN " + label + "-----";
        String end = "-----END " + label + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            throw new IOException(
                    what + " is not a PEM " + label + " (" + begin + " … " + end + ")");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e).strip());
        } catch (IllegalArgumentException x) {
            throw new IOException(what + " has a PEM body that is not Base64");
        }
    }
}
