package io.decisionledger.chain;

import java.io.IOException;

/**
 * Signs the canonical bytes of a chain head, retention summary or anchor ({@link SignedBytes}) with
 * one key. Opened from a {@link SigningKeyProvider} where the signing happens (the ingest job's
 * TaskManagers, the compaction job's client), so the private key never travels in a job graph.
 */
public interface HeadSigner {

    /** The id verifiers look the public key up by (a line of their --trusted-keys file). */
    String keyId();

    /** The signature algorithm, e.g. {@code Ed25519}. */
    String algorithm();

    /** The signature over {@code message}. */
    byte[] sign(byte[] message) throws IOException;
}
