package io.decisionledger.access;

import java.util.Locale;

/**
 * What a caller of the audit library may read. Compliance officers read full records from {@code
 * audit/} (each read is recorded in the access log, with a stated purpose); operators read the
 * masked copies in {@code ops/} only, by event id or pseudonym. An SSO proxy is not a reader: it
 * only vouches, on the HTTP API, for the user, role and tenants it names in trusted headers.
 */
public enum AuditRole {
    COMPLIANCE_OFFICER("compliance_officer"),
    OPERATOR("operator"),
    SSO_PROXY("sso_proxy");

    private final String id;

    AuditRole(String id) {
        this.id = id;
    }

    /** The role's name in token files, JWT claims, headers and the access log. */
    public String id() {
        return id;
    }

    /** May read full (unmasked) records, the access log, and build evidence bundles. */
    public boolean readsFullRecords() {
        return this == COMPLIANCE_OFFICER;
    }

    /** Parses a role name ({@code compliance_officer}, {@code operator}, {@code sso_proxy}). */
    public static AuditRole parse(String name) {
        if (name != null) {
            String n = name.strip().toLowerCase(Locale.ROOT);
            for (AuditRole r : values()) {
                if (r.id.equals(n)) {
                    return r;
                }
            }
        }
        throw new IllegalArgumentException(
                "unknown role; use compliance_officer or operator (sso_proxy for a proxy token)");
    }
}
