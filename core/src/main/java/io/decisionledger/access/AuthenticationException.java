package io.decisionledger.access;

/**
 * A credential was presented but not accepted: an unknown API token, or a JWT whose signature,
 * algorithm, issuer, audience, expiry or grants do not check out. The message says which check
 * failed (never the token itself); the HTTP API answers 401 with it, the CLI exits with "refused".
 */
public final class AuthenticationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AuthenticationException(String message) {
        super(message);
    }
}
