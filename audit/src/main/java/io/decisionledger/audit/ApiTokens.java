package io.decisionledger.audit;

import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
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
 * The HTTP API's bearer tokens: who each token is and in which role. The file holds only SHA-256
 * digests of the tokens, one per line as {@code <sha256-hex> <user> <role>} ({@code #} starts a
 * comment), so a leaked file grants nothing; make a line with {@code printf %s "$TOKEN" |
 * sha256sum}. Tokens are compared digest to digest in constant time.
 */
public final class ApiTokens {

    /** One line of the file. */
    private record Grant(byte[] digest, String user, AuditRole role) {}

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
            if (parts.length != 3 || !parts[0].matches("[0-9a-fA-F]{64}")) {
                throw new IllegalArgumentException(
                        "token file "
                                + file
                                + " line "
                                + lineNo
                                + ": expected '<sha256-hex-of-token> <user> <role>'");
            }
            AuditRole role = AuditRole.parse(parts[2]);
            // validates the user name the same way every caller is validated
            Caller.cli(parts[1], role);
            grants.add(new Grant(HexFormat.of().parseHex(parts[0]), parts[1], role));
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

    /** The caller a bearer token belongs to, on the HTTP channel; empty for an unknown token. */
    public Optional<Caller> authenticate(String token) {
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
                : Optional.of(new Caller(match.user(), match.role(), Caller.Channel.HTTP, null));
    }

    private static byte[] digest(String token) {
        MessageDigest sha = FieldDigests.sha256();
        return sha.digest(token.getBytes(StandardCharsets.UTF_8));
    }
}
