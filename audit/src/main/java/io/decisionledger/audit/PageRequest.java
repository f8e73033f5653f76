package io.decisionledger.audit;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * One page of a listing (history, access log): how many results at most, and where the previous
 * page ended. The position travels as an opaque {@code page_token}: base64url of the listing kind,
 * a digest of the query it belongs to (so a token cannot be replayed against another query) and the
 * position itself. A token is not a secret or a capability: every page is authorised and logged
 * like the first.
 *
 * @param limit results per page, at least 1
 * @param token the previous page's {@code next_page_token}, or null for the first page
 */
public record PageRequest(int limit, String token) {

    /** For callers that want everything (the CLI): one page as large as a list can be. */
    public static PageRequest all() {
        return new PageRequest(Integer.MAX_VALUE - 1, null);
    }

    public PageRequest {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
    }

    /** The position a token carries, checked against the listing and query it must belong to. */
    String position(String kind, Map<String, String> query) {
        if (token == null) {
            return null;
        }
        String decoded;
        try {
            decoded = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        String[] parts = decoded.split("\n", 4);
        if (parts.length != 4 || !parts[0].equals("v1") || !parts[1].equals(kind)) {
            throw invalid();
        }
        if (!parts[2].equals(queryDigest(query))) {
            throw new IllegalArgumentException(
                    "page_token belongs to another query: repeat the same parameters");
        }
        return parts[3];
    }

    /** The token that continues {@code query} of {@code kind} after {@code position}. */
    static String next(String kind, Map<String, String> query, String position) {
        String raw = "v1\n" + kind + "\n" + queryDigest(query) + "\n" + position;
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Keyed with a random key of this process: the query names a data subject, and a plain digest
     * of a low-entropy user id in a token (which may end up in a proxy's log) could be reversed by
     * trying ids. Tokens therefore do not survive a restart of the server.
     */
    private static final byte[] TOKEN_KEY = randomKey();

    private static byte[] randomKey() {
        byte[] key = new byte[32];
        new java.security.SecureRandom().nextBytes(key);
        return key;
    }

    private static String queryDigest(Map<String, String> query) {
        String canonical = new TreeMap<>(query).toString();
        try {
            javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
            mac.init(new javax.crypto.spec.SecretKeySpec(TOKEN_KEY, "HmacSHA256"));
            return HexFormat.of()
                    .formatHex(mac.doFinal(canonical.getBytes(StandardCharsets.UTF_8)), 0, 16);
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    private static IllegalArgumentException invalid() {
        return new IllegalArgumentException(
                "page_token is not valid: pass the next_page_token of the previous page unchanged");
    }
}
