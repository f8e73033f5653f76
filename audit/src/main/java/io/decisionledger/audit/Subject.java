package io.decisionledger.audit;

/**
 * Whom a temporal query is about: a user or a business case, either by its real id (full records in
 * {@code audit/}, compliance officers only) or by its keyed pseudonym (masked copies in {@code
 * ops/}, for operators). The value is personal data: it goes into the access log, never into
 * application logs or error messages.
 *
 * @param kind which id
 * @param value the id or pseudonym
 */
public record Subject(Kind kind, String value) {

    static final int MAX_LENGTH = 1024;

    /** The id kinds, each with the Parquet column it is matched against. */
    public enum Kind {
        USER("user_id", true),
        CASE("case_id", true),
        USER_PSEUDONYM("user_pseudonym", false),
        CASE_PSEUDONYM("case_pseudonym", false);

        private final String column;
        private final boolean identifying;

        Kind(String column, boolean identifying) {
            this.column = column;
            this.identifying = identifying;
        }

        /** The column of audit/ (real ids) or ops/ (pseudonyms) it is matched against. */
        public String column() {
            return column;
        }

        /** True for real ids: the query reads full records. */
        public boolean identifying() {
            return identifying;
        }

        /** The query parameter / CLI option name: user, case, user_pseudonym, case_pseudonym. */
        public String parameter() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public Subject {
        if (kind == null) {
            throw new IllegalArgumentException("a subject needs a kind");
        }
        if (value == null || value.isBlank() || value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException(
                    "the " + kind.parameter() + " must be 1-" + MAX_LENGTH + " characters");
        }
    }

    public static Subject user(String userId) {
        return new Subject(Kind.USER, userId);
    }

    public static Subject caseId(String caseId) {
        return new Subject(Kind.CASE, caseId);
    }

    public static Subject userPseudonym(String pseudonym) {
        return new Subject(Kind.USER_PSEUDONYM, pseudonym);
    }

    public static Subject casePseudonym(String pseudonym) {
        return new Subject(Kind.CASE_PSEUDONYM, pseudonym);
    }

    /** Never the value: a subject may end up in a stack trace. */
    @Override
    public String toString() {
        return kind.parameter() + "=<redacted>";
    }
}
