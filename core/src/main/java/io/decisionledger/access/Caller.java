package io.decisionledger.access;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * Who is asking, in which role, through which channel: what the access log records as the actor. On
 * the command line the identity comes from the caller's configuration ({@code --identity-file} or
 * the environment variable {@value #ENV}); on the HTTP API from the bearer token (or, behind an SSO
 * proxy, from the proxy's trusted headers, with {@code via} naming the proxy).
 *
 * @param user an employee or service account name (letters, digits, {@code . _ @ + -}), never a
 *     data subject
 * @param role what the caller may read
 * @param channel {@code CLI} or {@code HTTP}
 * @param via the intermediary that vouched for the user (e.g. {@code sso_proxy:gateway}), or null
 */
public record Caller(String user, AuditRole role, Channel channel, String via) {

    /** Environment variable naming the CLI caller as {@code user:role}. */
    public static final String ENV = "DECISION_LEDGER_AUDIT_IDENTITY";

    private static final Pattern USER = Pattern.compile("[A-Za-z0-9._@+-]{1,128}");

    /** How the request reached the library. */
    public enum Channel {
        CLI,
        HTTP
    }

    public Caller {
        if (user == null || !USER.matcher(user).matches()) {
            throw new IllegalArgumentException(
                    "a caller's user name must be 1-128 characters of letters, digits and . _ @ + -");
        }
        if (role == null || channel == null) {
            throw new IllegalArgumentException("a caller needs a role and a channel");
        }
        if (via != null && !USER.matcher(via.replace(":", "")).matches()) {
            throw new IllegalArgumentException("'via' must be a short name");
        }
    }

    public static Caller cli(String user, AuditRole role) {
        return new Caller(user, role, Channel.CLI, null);
    }

    /**
     * Reads a CLI identity file: a properties file with {@code user=...} and {@code role=...}. Keep
     * it readable by its owner only; the operating-system account that can read it is the
     * identity's real proof.
     */
    public static Caller fromIdentityFile(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(r);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read the identity file "
                            + file
                            + " ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
        String user = p.getProperty("user");
        String role = p.getProperty("role");
        if (user == null || role == null) {
            throw new IllegalArgumentException(
                    "the identity file " + file + " must set user=... and role=...");
        }
        return cli(user.strip(), AuditRole.parse(role));
    }

    /** Parses {@code user:role}, the form of {@value #ENV}. */
    public static Caller fromEnvironmentValue(String value) {
        if (value == null || value.indexOf(':') < 1) {
            throw new IllegalArgumentException(ENV + " must look like user:role");
        }
        int colon = value.lastIndexOf(':');
        return cli(value.substring(0, colon).strip(), AuditRole.parse(value.substring(colon + 1)));
    }

    /** How the access log names the actor's context, e.g. {@code HTTP via sso_proxy:gateway}. */
    @Override
    public String toString() {
        return user + " (" + role.id() + ", " + channel + (via == null ? "" : " via " + via) + ")";
    }
}
