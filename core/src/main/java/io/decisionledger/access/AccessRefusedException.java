package io.decisionledger.access;

/**
 * A caller asked for something its role does not allow (an operator asking for full records, the
 * access log or an evidence bundle). The message says what the role may do instead; it never
 * contains the data asked for or the subject asked about. The HTTP API answers 403 with it.
 */
public final class AccessRefusedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AccessRefusedException(String message) {
        super(message);
    }
}
