package io.decisionledger.access;

import io.decisionledger.decision.FieldDigests;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * API tokens: who each token is, in which role, for which tenants. The file holds only SHA-256
 * digests of the tokens, one per line as {@code <sha256-hex> <user> <role> <tenants>} ({@code #}
 * starts a comment; tenants as {@link TenantScope#parse}: {@code bank_1,bank_2}, or {@code *} for
 * every tenant), so a leaked file grants nothing; make a line with {@code printf %s "$TOKEN" |
 * sha256sum}. Tokens are compared digest to digest in constant time. The HTTP API takes them as
 * bearer tokens, the CLI and the replay job from a token file ({@link CliIdentity}).
 *
 * <p>A line without the tenants column (the format before tenant grants) is refused when the file
 * is loaded, naming the line: a token must not silently keep access to every tenant, nor silently
 * lose it.
 */
public final class ApiTokens {

    /** One line of the file. */
    private record Grant(byte[] digest, String user, AuditRole role, TenantScope tenants) {}

    private final List<Grant> grants;

    private ApiTokens(List<Grant> grants) {
        this.grants = grants;
    }

    public static ApiTokens load(Path file) throws IOException {
        List<Grant> grants = new ArrayList<>();
        int lineNo = 0;
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            lineNo++;
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            String[] parts = l.split("\\s+");
            String where = "token file " + file + " line " + lineNo;
            if (parts.length == 3 && parts[0].matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException(
                        where
                                + " grants no tenant: add a fourth column with the tenants this"
                                + " token may read (bank_1,bank_2) or * for every tenant (see"
                                + " docs/operator-guide.md, Compatibility)");
            }
            if (parts.length != 4 || !parts[0].matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException(
                        where + ": expected '<sha256-hex-of-token> <user> <role> <tenants|*>'");
            }
            AuditRole role = AuditRole.parse(parts[2]);
            TenantScope tenants;
            try {
                tenants = TenantScope.parse(parts[3]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage());
            }
            // validates the user name the same way every caller is validated
            Caller.cli(parts[1], role);
            grants.add(new Grant(HexFormat.of().parseHex(parts[0]), parts[1], role, tenants));
        }
        if (grants.isEmpty()) {
            throw new IllegalArgumentException("token file " + file + " grants no token");
        }
        return new ApiTokens(List.copyOf(grants));
    }

    /** Lower-case hex SHA-256 of a token, as the file stores it. */
    public static String digestHex(String token) {
        return HexFormat.of().formatHex(digest(token));
    }

    /** The caller a token belongs to, on {@code channel}; empty for an unknown token. */
    public Optional<Caller> authenticate(String token, Caller.Channel channel) {
        if (token == null || token.isEmpty()) {
            return Optional.empty();
        }
        byte[] presented = digest(token);
        Grant match = null;
        for (Grant g : grants) {
            // every grant is compared, so timing does not reveal which one matched
            if (MessageDigest.isEqual(g.digest(), presented) && match == null) {
                match = g;
            }
        }
        return match == null
                ? Optional.empty()
                : Optional.of(
                        Caller.authenticated(match.user(), match.role(), channel, match.tenants()));
    }

    /** The caller a bearer token belongs to, on the HTTP channel; empty for an unknown token. */
    public Optional<Caller> authenticate(String token) {
        return authenticate(token, Caller.Channel.HTTP);
    }

    private static byte[] digest(String token) {
        MessageDigest sha = FieldDigests.sha256();
        return sha.digest(token.getBytes(StandardCharsets.UTF_8));
    }
}
