package io.decisionledger.privacy;

/**
 * The kinds of personal data the masker detects in free text. Each is replaced by its placeholder,
 * e.g. {@code [EMAIL]}, so operators still see that something was there and what it was, without
 * seeing it. Listed in order of precedence when two detections overlap.
 */
public enum PiiKind {
    EMAIL,
    IBAN,
    CARD,
    SSN,
    IP,
    DOB,
    PHONE;

    public String placeholder() {
        return "[" + name() + "]";
    }
}
