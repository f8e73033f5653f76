package io.decisionledger.access;

import java.util.regex.Pattern;

/**
 * Who is asking, in which role, for which tenants, through which channel: what the access log
 * records as the actor. The command line and the replay job prove the identity with a token file
 * ({@link CliIdentity}: an API token or a JWT signed by the identity provider); the HTTP API with
 * the bearer token (or, behind an SSO proxy, the proxy's trusted headers, with {@code via} naming
 * the proxy). {@link Authenticator} turns either into a caller. Only the development shortcut
 * {@code --insecure-self-asserted-identity} makes a {@link #selfAsserted} caller, and every
 * access-log entry it causes says so in its channel ({@link #channelName()}).
 *
 * @param user an employee or service account name (letters, digits, {@code . _ @ + -}), never a
 *     data subject
 * @param role what the caller may read
 * @param channel {@code CLI} or {@code HTTP}
 * @param via the intermediary that vouched for the user (e.g. {@code sso_proxy:gateway}), or null
 * @param tenants the tenants the role is granted for ({@link TenantScope#ALL} only when granted
 *     {@code *})
 * @param selfAsserted true when nothing verified the identity (the development shortcut)
 */
public record Caller(
        String user,
        AuditRole role,
        Channel channel,
        String via,
        TenantScope tenants,
        boolean selfAsserted) {

    /**
     * The environment variable that used to name the CLI caller as {@code user:role}. It is no
     * longer accepted (anyone can set it); its presence is refused with a pointer to the token
     * file.
     */
    public static final String LEGACY_ENV = "DECISION_LEDGER_AUDIT_IDENTITY";

    /** The access log's channel suffix of a self-asserted caller. */
    public static final String UNAUTHENTICATED = "-UNAUTHENTICATED";

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
        if (tenants == null) {
            throw new IllegalArgumentException("a caller needs its tenant grant");
        }
        if (via != null && !USER.matcher(via.replace(":", "")).matches()) {
            throw new IllegalArgumentException("'via' must be a short name");
        }
    }

    /**
     * A command-line caller that the program embedding the audit library vouches for itself,
     * granted every tenant (tests, benchmarks). Commands never build one from their input: they
     * authenticate ({@link CliIdentity}).
     */
    public static Caller cli(String user, AuditRole role) {
        return new Caller(user, role, Channel.CLI, null, TenantScope.ALL, false);
    }

    /** An authenticated caller on {@code channel}, granted {@code tenants}. */
    public static Caller authenticated(
            String user, AuditRole role, Channel channel, TenantScope tenants) {
        return new Caller(user, role, channel, null, tenants, false);
    }

    /**
     * Parses the development shortcut's {@code user:role:tenants} (tenants as {@link
     * TenantScope#parse}, e.g. {@code dev.me:compliance_officer:*}): a CLI caller nothing verified,
     * marked {@link #selfAsserted}.
     */
    public static Caller selfAsserted(String value) {
        String[] parts = value == null ? new String[0] : value.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException(
                    "--insecure-self-asserted-identity must look like user:role:tenants (tenants:"
                            + " bank_1,bank_2 or *)");
        }
        return new Caller(
                parts[0].strip(),
                AuditRole.parse(parts[1]),
                Channel.CLI,
                null,
                TenantScope.parse(parts[2]),
                true);
    }

    /** This caller granted only what both its grant and {@code scope} grant. */
    /** This caller, marked as vouched for by nothing but itself. */
    public Caller asSelfAsserted() {
        return new Caller(user, role, channel, via, tenants, true);
    }

    public Caller within(TenantScope scope) {
        return new Caller(user, role, channel, via, tenants.intersect(scope), selfAsserted);
    }

    /**
     * The access log's {@code channel}: {@code CLI} or {@code HTTP}, with {@value #UNAUTHENTICATED}
     * appended for a self-asserted caller, so such entries stand out (and old entries, which carry
     * the plain name, still verify: the hash covers the column as written).
     */
    public String channelName() {
        return channel.name() + (selfAsserted ? UNAUTHENTICATED : "");
    }

    /** How the access log names the actor's context, e.g. {@code HTTP via sso_proxy:gateway}. */
    @Override
    public String toString() {
        return user
                + " ("
                + role.id()
                + ", "
                + channelName()
                + (via == null ? "" : " via " + via)
                + ")";
    }
}
