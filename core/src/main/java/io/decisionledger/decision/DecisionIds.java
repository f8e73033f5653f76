package io.decisionledger.decision;

/**
 * The rules ingest applies to the tenant, user and case ids of a decision, for the files that name
 * them outside a decision (legal holds): an id that ingest would refuse can match no stored record,
 * so such a file is refused instead of protecting nothing. Each check returns what is wrong, or
 * null; the message names the rule, never the value (user and case ids are personal data).
 */
public final class DecisionIds {

    /** The longest user id ingest accepts (userId). */
    public static final int MAX_USER_ID_LENGTH = DecisionParser.MAX_ID_LENGTH * 4;

    /** The longest case id a hold may name. */
    public static final int MAX_CASE_ID_LENGTH = DecisionParser.MAX_ID_LENGTH * 4;

    private DecisionIds() {}

    /** What is wrong with {@code tenantId} as ingest sees it, or null (tenant ids are not PII). */
    public static String tenantIdProblem(String tenantId) {
        if (tenantId == null) {
            return "tenantId must not be empty";
        }
        try {
            DecisionParser.validateTenantId(tenantId);
            return null;
        } catch (InvalidDecisionException e) {
            return e.getMessage();
        }
    }

    /** What is wrong with a user id, or null; never the value. */
    public static String userIdProblem(String userId) {
        return textProblem(userId, "user id", MAX_USER_ID_LENGTH);
    }

    /** What is wrong with a case id, or null; never the value. */
    public static String caseIdProblem(String caseId) {
        return textProblem(caseId, "case id", MAX_CASE_ID_LENGTH);
    }

    private static String textProblem(String value, String what, int maxLength) {
        if (value == null || value.isBlank()) {
            return what + " must not be empty";
        }
        if (value.length() > maxLength) {
            return what
                    + " is "
                    + value.length()
                    + " characters, over the "
                    + maxLength
                    + " allowed";
        }
        for (int i = 0; i < value.length(); i++) {
            if (Character.isISOControl(value.charAt(i))) {
                return what + " must not contain control characters (one at position " + i + ")";
            }
        }
        return null;
    }
}
