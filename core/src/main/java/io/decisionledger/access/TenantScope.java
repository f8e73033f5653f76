package io.decisionledger.access;

import io.decisionledger.decision.DecisionParser;
import java.util.Collections;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tenants a caller's role is granted for: a set of tenant ids, or every tenant, granted
 * explicitly as {@code *}. Token files, JWT claims, the SSO proxy's tenants header and the
 * development identity all name it the same way ({@link #parse}); nothing grants a tenant by
 * default, so a grant that is missing refuses every tenant rather than allowing them all. The audit
 * library checks it before it touches a file of the tenant ({@code AuditQueries}, {@code
 * ReplayRunner}).
 */
public final class TenantScope {

    /** Every tenant, as {@code *} grants it. */
    public static final TenantScope ALL = new TenantScope(true, Set.of());

    private final boolean all;
    private final Set<String> tenants;

    private TenantScope(boolean all, Set<String> tenants) {
        this.all = all;
        this.tenants = tenants;
    }

    /** Exactly these tenants (none is allowed: a scope that grants nothing). */
    public static TenantScope of(Set<String> tenants) {
        Set<String> sorted = new TreeSet<>();
        for (String t : tenants) {
            sorted.add(checked(t));
        }
        return new TenantScope(false, Collections.unmodifiableSet(sorted));
    }

    /**
     * Parses a grant: {@code *} for every tenant, or tenant ids separated by commas and/or spaces
     * ({@code bank_1,bank_2}). Blank is refused: a grant must name what it grants.
     */
    public static TenantScope parse(String grant) {
        if (grant == null || grant.isBlank()) {
            throw new IllegalArgumentException(
                    "no tenant is granted: name the tenants (bank_1,bank_2) or * for all");
        }
        String g = grant.strip();
        if (g.equals("*")) {
            return ALL;
        }
        Set<String> tenants = new TreeSet<>();
        for (String t : g.split("[,\\s]+")) {
            if (t.equals("*")) {
                throw new IllegalArgumentException(
                        "'*' grants every tenant and stands alone; it cannot be listed with tenants");
            }
            if (!t.isEmpty()) {
                tenants.add(checked(t));
            }
        }
        return of(tenants);
    }

    private static String checked(String tenant) {
        if (tenant == null || !DecisionParser.isValidTenantId(tenant)) {
            throw new IllegalArgumentException(
                    "a granted tenant is not a valid tenant id (letters, digits, '_', '-', single"
                            + " '.')");
        }
        return tenant;
    }

    /** Whether {@code tenant} is granted; a null tenant (all tenants) only with {@code *}. */
    public boolean permits(String tenant) {
        return all || (tenant != null && tenants.contains(tenant));
    }

    public boolean isAll() {
        return all;
    }

    /** The granted tenants; empty for {@link #ALL} (check {@link #isAll()} first). */
    public Set<String> tenants() {
        return tenants;
    }

    /** What both grant: an SSO proxy vouches for a user only within its own token's tenants. */
    public TenantScope intersect(TenantScope other) {
        if (all) {
            return other;
        }
        if (other.all) {
            return this;
        }
        Set<String> both = new TreeSet<>(tenants);
        both.retainAll(other.tenants);
        return new TenantScope(false, Collections.unmodifiableSet(both));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TenantScope s && s.all == all && s.tenants.equals(tenants);
    }

    @Override
    public int hashCode() {
        return all ? 1 : tenants.hashCode();
    }

    /** {@code *} or the tenants joined by commas (as {@link #parse} reads them). */
    @Override
    public String toString() {
        return all ? "*" : String.join(",", tenants);
    }
}
