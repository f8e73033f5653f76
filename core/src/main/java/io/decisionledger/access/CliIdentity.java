package io.decisionledger.access;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;

/**
 * How a command-line caller (the {@code audit} commands, the replay job) proves who it is: the
 * content of its token file, an API token or a JWT from the identity provider, checked by the
 * {@link Authenticator} of the operators' authentication configuration. Nothing the caller merely
 * asserts is accepted: the former {@value Caller#LEGACY_ENV} variable is refused with a pointer to
 * the token file. For development only, {@code --insecure-self-asserted-identity user:role:tenants}
 * skips authentication, and every access-log entry it causes is marked unauthenticated.
 */
public final class CliIdentity {

    /** Environment variable naming the caller's token FILE (not the token). */
    public static final String TOKEN_FILE_ENV = "DECISION_LEDGER_TOKEN_FILE";

    /** Environment variable naming the authentication configuration file. */
    public static final String AUTH_CONFIG_ENV = "DECISION_LEDGER_AUTH_CONFIG";

    /** Where the authentication configuration is when neither option nor variable names it. */
    public static final String DEFAULT_AUTH_CONFIG = "/etc/decision-ledger/auth.properties";

    private CliIdentity() {}

    /**
     * The caller, from the options as given (each may be null) and the environment.
     *
     * @throws IllegalArgumentException when no identity is given or the given one is malformed
     * @throws AuthenticationException when the token does not authenticate
     */
    public static Caller resolve(
            String tokenFile,
            String authConfig,
            String insecureSelfAsserted,
            Map<String, String> env)
            throws IOException {
        if (insecureSelfAsserted != null) {
            if (tokenFile != null) {
                throw new IllegalArgumentException(
                        "give --token-file or --insecure-self-asserted-identity, not both");
            }
            return Caller.selfAsserted(insecureSelfAsserted);
        }
        String file = tokenFile != null ? tokenFile : blankToNull(env.get(TOKEN_FILE_ENV));
        if (file == null) {
            if (blankToNull(env.get(Caller.LEGACY_ENV)) != null) {
                throw new IllegalArgumentException(
                        Caller.LEGACY_ENV
                                + " is no longer accepted: anyone can set it. Prove who you are"
                                + " with --token-file FILE (or "
                                + TOKEN_FILE_ENV
                                + "=FILE) holding your API token or a JWT from the identity"
                                + " provider");
            }
            throw new IllegalArgumentException(
                    "who is asking? pass --token-file FILE (or set "
                            + TOKEN_FILE_ENV
                            + "=FILE): a file holding your API token or a JWT from the identity"
                            + " provider");
        }
        String token = readToken(Path.of(file));
        String config =
                authConfig != null
                        ? authConfig
                        : env.getOrDefault(AUTH_CONFIG_ENV, DEFAULT_AUTH_CONFIG);
        Authenticator authenticator = Authenticator.load(Path.of(config), null);
        Caller caller = authenticator.authenticate(token, Caller.Channel.CLI);
        String user = System.getProperty("user.name");
        if (!"root".equals(user)) {
            for (Path source : authenticator.sources()) {
                if (controlledBy(source, user)) {
                    // whoever can write the configuration can make any token say anything: the
                    // identity is then only as good as the caller's word, and the log says so
                    System.err.println(
                            "WARNING: the authentication configuration ("
                                    + source
                                    + ") can be changed by "
                                    + user
                                    + "; nothing independent vouches for this identity, and the"
                                    + " access log marks this session CLI-UNAUTHENTICATED. Use the"
                                    + " operators' configuration ("
                                    + DEFAULT_AUTH_CONFIG
                                    + ").");
                    return caller.asSelfAsserted();
                }
            }
        }
        return caller;
    }

    /**
     * True when {@code user} can change {@code file}: owns it or its folder (and so can chmod
     * either), or either is group- or world-writable (group membership is not looked up: treated as
     * writable). Only where the file system has POSIX permissions; elsewhere false.
     */
    static boolean controlledBy(Path file, String user) throws IOException {
        Path absolute = file.toAbsolutePath();
        for (Path p : new Path[] {absolute, absolute.getParent()}) {
            if (p == null) {
                continue;
            }
            PosixFileAttributeView posix =
                    Files.getFileAttributeView(p, PosixFileAttributeView.class);
            if (posix == null) {
                return false;
            }
            var attrs = posix.readAttributes();
            Set<PosixFilePermission> perms = attrs.permissions();
            if (attrs.owner().getName().equals(user)
                    || perms.contains(PosixFilePermission.GROUP_WRITE)
                    || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The token in {@code file}: its content, stripped. Refused when others than its owner may read
     * it (where the file system says), as ssh refuses a readable private key.
     */
    static String readToken(Path file) throws IOException {
        PosixFileAttributeView posix =
                Files.getFileAttributeView(file, PosixFileAttributeView.class);
        try {
            if (posix != null) {
                Set<PosixFilePermission> perms = posix.readAttributes().permissions();
                if (perms.contains(PosixFilePermission.GROUP_READ)
                        || perms.contains(PosixFilePermission.OTHERS_READ)
                        || perms.contains(PosixFilePermission.GROUP_WRITE)
                        || perms.contains(PosixFilePermission.OTHERS_WRITE)) {
                    throw new IllegalArgumentException(
                            "the token file "
                                    + file
                                    + " may be read by others than its owner: chmod 600 it");
                }
            }
            String token = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (token.isEmpty()) {
                throw new IllegalArgumentException("the token file " + file + " is empty");
            }
            return token;
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("the token file " + file + " does not exist");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
