package io.decisionledger.options;

import io.decisionledger.access.Caller;
import io.decisionledger.access.CliIdentity;
import java.io.IOException;
import java.util.Map;

/**
 * The identity option group of every command that reads restricted records for a person (the {@code
 * audit} commands, the replay job): {@code --token-file} (the caller's API token or JWT), {@code
 * --auth-config} (where the operators' authentication configuration is) and the development
 * shortcut {@code --insecure-self-asserted-identity}. Declared here so they are spelled, defaulted
 * and checked the same way everywhere; {@link CliIdentity} does the checking.
 */
public final class IdentityOptions {

    private IdentityOptions() {}

    public static OptionTable declare(OptionTable t) {
        t.add(
                "token-file",
                "",
                "File holding your API token or a JWT from the identity provider (only you may"
                        + " read it: chmod 600). Default: the file named by "
                        + CliIdentity.TOKEN_FILE_ENV
                        + ".");
        t.add(
                "auth-config",
                "",
                "The operators' authentication configuration (token digests, JWT issuer,"
                        + " audience, keys). Default: "
                        + CliIdentity.AUTH_CONFIG_ENV
                        + ", else "
                        + CliIdentity.DEFAULT_AUTH_CONFIG
                        + ".");
        t.add(
                "insecure-self-asserted-identity",
                "",
                "DEVELOPMENT ONLY: user:role:tenants (tenants: t1,t2 or *) taken on trust; every"
                        + " access-log entry it causes is marked CLI-UNAUTHENTICATED.");
        return t;
    }

    /** The caller these options (and {@code env}) prove; see {@link CliIdentity#resolve}. */
    public static Caller caller(OptionTable.Parsed o, Map<String, String> env) throws IOException {
        return CliIdentity.resolve(
                o.optional("token-file"),
                o.optional("auth-config"),
                o.optional("insecure-self-asserted-identity"),
                env);
    }
}
