package io.decisionledger.options;

import io.decisionledger.chain.CommandSigningKey;
import io.decisionledger.chain.PemFileSigningKey;
import io.decisionledger.chain.SigningKeyProvider;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The signing option group of the jobs that publish attestations (the ingest job's chain heads, the
 * retention run's summaries and anchors): {@code --signing-key FILE} (a PKCS#8 PEM Ed25519 key) or
 * {@code --signing-command CMD} (an external KMS-style signer), {@code --signing-key-id}, and
 * {@code --require-signing}, which makes a missing key an error instead of a warning (set it in
 * production; docs/operator-guide.md "Signed chain heads").
 */
public final class SigningOptions {

    /** What the command line says about signing: the key (or null) and whether it is required. */
    public record Signing(SigningKeyProvider key, boolean required) implements Serializable {
        private static final long serialVersionUID = 1L;

        public static Signing none() {
            return new Signing(null, false);
        }

        public boolean enabled() {
            return key != null;
        }
    }

    private SigningOptions() {}

    /** Declares the group; {@code what} names what gets signed, for --help. */
    public static void declare(OptionTable t, String what) {
        t.add(
                "signing-key",
                "",
                "PKCS#8 PEM file with the Ed25519 private key that signs "
                        + what
                        + " (openssl genpkey -algorithm ed25519), read where the signing happens,"
                        + " e.g. a mounted secret. Default: unsigned, with a warning.");
        t.add(
                "signing-command",
                "",
                "Instead of --signing-key: a command (KMS or HSM client, no shell) that reads the"
                        + " bytes to sign on stdin and prints the Base64 Ed25519 signature.");
        t.add(
                "signing-key-id",
                "",
                "Id of the signing key, written into every signed record; verifiers select the"
                        + " trusted public key by it (rotation). Required with a key.");
        t.flag(
                "require-signing",
                "Refuse to start without --signing-key or --signing-command (production).");
    }

    public static Signing read(OptionTable.Parsed given) {
        String file = given.optional("signing-key");
        String command = given.optional("signing-command");
        String keyId = given.optional("signing-key-id");
        boolean required = given.bool("require-signing");
        if (file != null && command != null) {
            throw new OptionTable.InvalidOptionException(
                    "give either --signing-key or --signing-command, not both");
        }
        if (file == null && command == null) {
            if (required) {
                throw new OptionTable.InvalidOptionException(
                        "--require-signing: give --signing-key FILE (or --signing-command CMD) and"
                                + " --signing-key-id ID");
            }
            if (keyId != null) {
                throw new OptionTable.InvalidOptionException(
                        "--signing-key-id needs --signing-key or --signing-command");
            }
            return Signing.none();
        }
        if (keyId == null) {
            throw new OptionTable.InvalidOptionException(
                    "--signing-key-id is required with a signing key (the id verifiers look the"
                            + " public key up by)");
        }
        try {
            return new Signing(
                    file != null
                            ? new PemFileSigningKey(file, keyId)
                            : CommandSigningKey.parse(command, keyId),
                    required);
        } catch (IllegalArgumentException e) {
            throw new OptionTable.InvalidOptionException("--signing-key-id: " + e.getMessage());
        }
    }

    /** {@code signing} as the options that give it. */
    public static Map<String, String> options(Signing signing) {
        Map<String, String> o = new LinkedHashMap<>();
        if (signing.key() instanceof PemFileSigningKey k) {
            o.put("signing-key", k.file());
        } else if (signing.key() instanceof CommandSigningKey k) {
            o.put("signing-command", String.join(" ", k.command()));
        }
        if (signing.key() != null) {
            o.put("signing-key-id", signing.key().keyId());
        }
        o.put("require-signing", String.valueOf(signing.required()));
        return o;
    }
}
