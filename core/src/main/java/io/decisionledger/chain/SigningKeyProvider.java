package io.decisionledger.chain;

import java.io.IOException;
import java.io.Serializable;

/**
 * Where a {@link HeadSigner} comes from: a PKCS#8 PEM file ({@link PemFileSigningKey}, the tested
 * default) or an external signer reached through a command ({@link CommandSigningKey}: a KMS or HSM
 * client). Serializable so a job carries the description of the key, never the key itself; {@link
 * #open()} runs where the signatures are made.
 */
public interface SigningKeyProvider extends Serializable {

    /** Reads or connects to the key; fails with a message that names the source, never the key. */
    HeadSigner open() throws IOException;

    /** The key id written into every signed record. */
    String keyId();

    /** Where the key comes from, for logs and --help; never key material. */
    String describe();
}
