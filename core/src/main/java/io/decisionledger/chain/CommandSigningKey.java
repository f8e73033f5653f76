package io.decisionledger.chain;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A signer outside the job, reached through a command: the KMS-style provider (a cloud KMS or HSM
 * client, a signing sidecar's CLI). The command gets the bytes to sign on standard input and must
 * print the Base64 Ed25519 signature on standard output and exit 0 within {@link #TIMEOUT_SECONDS}
 * seconds. The private key then never exists on the job's machines. The command is split on
 * whitespace (no shell).
 */
public record CommandSigningKey(List<String> command, String keyId) implements SigningKeyProvider {
    private static final long serialVersionUID = 1L;

    static final int TIMEOUT_SECONDS = 10;

    public CommandSigningKey {
        command = List.copyOf(command);
        if (command.isEmpty()) {
            throw new IllegalArgumentException("a signing command is needed");
        }
        if (keyId == null || !TrustedKeys.isValidKeyId(keyId)) {
            throw new IllegalArgumentException(
                    "a signing key id is 1-64 characters of letters, digits, '.', '_', ':' or '-'");
        }
    }

    /** {@code command} split on whitespace. */
    public static CommandSigningKey parse(String command, String keyId) {
        return new CommandSigningKey(List.of(command.strip().split("\\s+")), keyId);
    }

    @Override
    public HeadSigner open() {
        return new HeadSigner() {
            @Override
            public String keyId() {
                return keyId;
            }

            @Override
            public String algorithm() {
                return PemFileSigningKey.ALGORITHM;
            }

            @Override
            public byte[] sign(byte[] message) throws IOException {
                return run(message);
            }
        };
    }

    private byte[] run(byte[] message) throws IOException {
        Process p =
                new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(message);
        } catch (IOException e) {
            // the command closed its input early (e.g. it failed): its exit code says why
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (InputStream stdout = p.getInputStream()) {
            stdout.transferTo(out);
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(
                        "the signing command " + command.get(0) + " did not finish in time");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while signing with " + command.get(0), e);
        }
        if (p.exitValue() != 0) {
            throw new IOException(
                    "the signing command " + command.get(0) + " exited with " + p.exitValue());
        }
        try {
            return Base64.getDecoder()
                    .decode(new String(out.toByteArray(), StandardCharsets.US_ASCII).strip());
        } catch (IllegalArgumentException e) {
            throw new IOException(
                    "the signing command " + command.get(0) + " printed no Base64 signature");
        }
    }

    @Override
    public String describe() {
        return "signing command " + command.get(0) + " (key id " + keyId + ")";
    }
}
