package io.decisionledger.retention;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.time.LocalDate;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.Collections;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How long each tenant's decisions are kept: a default period and per-tenant periods, from a JSON
 * file ({@code --retention-policy}):
 *
 * <pre>{@code
 * {"version": "2026-11-27.1", "default": "P7Y", "tenants": {"credit_union_12": "P25M"}}
 * }</pre>
 *
 * A partition dated D is past retention on day T when D is before T minus the period (a P7Y
 * partition of 2019-03-01 goes on 2026-03-02). Periods below six months are refused: the EU AI Act
 * (Art. 19, 26) requires deployers to keep logs at least that long, and a typo such as {@code P7D}
 * for {@code P7Y} would otherwise delete years of records.
 */
public final class RetentionPolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final Period DEFAULT_PERIOD = Period.ofYears(7);
    public static final Period MINIMUM_PERIOD = Period.ofMonths(6);

    private final String version;
    private final Period defaultPeriod;
    private final Map<String, Period> perTenant;

    private RetentionPolicy(String version, Period defaultPeriod, Map<String, Period> perTenant) {
        this.version = version;
        this.defaultPeriod = defaultPeriod;
        this.perTenant = perTenant;
    }

    /** Seven years for every tenant, as the reference design proposes. */
    public static RetentionPolicy defaults() {
        return new RetentionPolicy("default-P7Y", DEFAULT_PERIOD, Collections.emptyMap());
    }

    /** Reads and validates a policy file from a Flink file system URI or a local path. */
    public static RetentionPolicy load(String location) {
        return parse(PolicyFiles.read(location), location);
    }

    static RetentionPolicy parse(byte[] json, String source) {
        JsonNode root = PolicyFiles.parse(json, source);
        PolicyFiles.onlyKeys(root, Set.of("version", "default", "tenants"), source, "$");
        String version = PolicyFiles.text(root, "version", true, source, "$");
        Period defaultPeriod =
                period(PolicyFiles.text(root, "default", true, source, "$"), source, "$.default");
        Map<String, Period> tenants = new TreeMap<>();
        JsonNode t = root.get("tenants");
        if (t != null && !t.isNull()) {
            if (!t.isObject()) {
                throw new IllegalArgumentException(source + ": $.tenants must be an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String where = "$.tenants." + e.getKey();
                if (!e.getValue().isTextual()) {
                    throw new IllegalArgumentException(
                            source + ": " + where + " must be an ISO-8601 period such as P7Y");
                }
                tenants.put(e.getKey(), period(e.getValue().asText(), source, where));
            }
        }
        return new RetentionPolicy(version, defaultPeriod, Collections.unmodifiableMap(tenants));
    }

    private static Period period(String text, String source, String where) {
        Period p;
        try {
            p = Period.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    source + ": " + where + " must be an ISO-8601 period such as P7Y or P25M");
        }
        if (p.isNegative() || longer(MINIMUM_PERIOD, p)) {
            throw new IllegalArgumentException(
                    source
                            + ": "
                            + where
                            + " is "
                            + text
                            + ", below the minimum of "
                            + MINIMUM_PERIOD
                            + " (EU AI Act Art. 19/26 keep logs at least six months)");
        }
        return p;
    }

    /** Whether {@code a} reaches further back than {@code b} (compared from a fixed date). */
    static boolean longer(Period a, Period b) {
        LocalDate ref = LocalDate.of(2000, 3, 1);
        return ref.minus(a).isBefore(ref.minus(b));
    }

    public String version() {
        return version;
    }

    public Period periodOf(String tenantId) {
        return tenantId == null ? defaultPeriod : perTenant.getOrDefault(tenantId, defaultPeriod);
    }

    /** Tenants with their own period (others get the default). */
    public Map<String, Period> tenantPeriods() {
        return perTenant;
    }

    public Period defaultPeriod() {
        return defaultPeriod;
    }

    /**
     * Whether a partition dated {@code date} of {@code tenantId} is past retention on {@code asOf}.
     */
    public boolean expired(String tenantId, LocalDate date, LocalDate asOf) {
        return date.isBefore(asOf.minus(periodOf(tenantId)));
    }

    /** The shortest period any tenant has: partitions newer than this are never expired. */
    public Period shortest() {
        Period shortest = defaultPeriod;
        for (Period p : perTenant.values()) {
            if (longer(shortest, p)) {
                shortest = p;
            }
        }
        return shortest;
    }

    @Override
    public String toString() {
        return "retention policy "
                + version
                + " (default "
                + defaultPeriod
                + ", "
                + perTenant
                + ")";
    }
}
