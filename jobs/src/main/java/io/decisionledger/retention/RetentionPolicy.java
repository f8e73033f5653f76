package io.decisionledger.retention;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Serializable;
import java.time.LocalDate;
import java.time.Period;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
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
 *
 * <p>A period may instead be an object that also states the legal obligations it serves, each with
 * the regulation (and article) and how long that obligation alone requires the records:
 *
 * <pre>{@code
 * {"version": "2026-12-05.1", "default": "P7Y",
 *  "tenants": {"bank_456": {"period": "P7Y", "obligations": [
 *      {"regulation": "Reg B (12 CFR 1002.12(b))", "period": "P25M"},
 *      {"regulation": "EU AI Act Art. 19/26(6)", "period": "P6M"}]}}}
 * }</pre>
 *
 * The retention period is how long the bank keeps records when nobody asks; the obligations are
 * what an erasure request cannot override (GDPR Art. 17(3)(b)): a record under an obligation is
 * restricted and erased the day its last obligation ends, not at the end of the general period. A
 * tenant given as a plain period inherits the default's obligations; an obligation longer than its
 * tenant's period is refused (retention would delete what the law requires kept). Old files (plain
 * periods only) read as before, with no obligations.
 */
public final class RetentionPolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final Period DEFAULT_PERIOD = Period.ofYears(7);
    public static final Period MINIMUM_PERIOD = Period.ofMonths(6);

    /**
     * A legal obligation to keep records, which a retention period serves.
     *
     * @param regulation the regulation and article, e.g. {@code Reg B (12 CFR 1002.12(b))}
     * @param period how long the obligation requires a record kept, from its event date
     */
    public record Obligation(String regulation, Period period) implements Serializable {
        private static final long serialVersionUID = 1L;

        /**
         * The first day a record dated {@code eventDate} is free of this obligation (the day
         * retention of the same period would delete its partition).
         */
        public LocalDate endsFor(LocalDate eventDate) {
            return eventDate.plus(period).plusDays(1);
        }
    }

    private final String version;
    private final Period defaultPeriod;
    private final Map<String, Period> perTenant;
    private final List<Obligation> defaultObligations;
    private final Map<String, List<Obligation>> perTenantObligations;

    private RetentionPolicy(
            String version,
            Period defaultPeriod,
            Map<String, Period> perTenant,
            List<Obligation> defaultObligations,
            Map<String, List<Obligation>> perTenantObligations) {
        this.version = version;
        this.defaultPeriod = defaultPeriod;
        this.perTenant = perTenant;
        this.defaultObligations = defaultObligations;
        this.perTenantObligations = perTenantObligations;
    }

    /** Seven years for every tenant, as the reference design proposes; no obligations stated. */
    public static RetentionPolicy defaults() {
        return new RetentionPolicy(
                "default-P7Y",
                DEFAULT_PERIOD,
                Collections.emptyMap(),
                List.of(),
                Collections.emptyMap());
    }

    /** Reads and validates a policy file from a Flink file system URI or a local path. */
    public static RetentionPolicy load(String location) {
        return parse(PolicyFiles.read(location), location);
    }

    static RetentionPolicy parse(byte[] json, String source) {
        JsonNode root = PolicyFiles.parse(json, source);
        PolicyFiles.onlyKeys(root, Set.of("version", "default", "tenants"), source, "$");
        String version = PolicyFiles.text(root, "version", true, source, "$");
        JsonNode d = root.get("default");
        if (d == null || d.isNull()) {
            throw new IllegalArgumentException(source + ": $.default is required");
        }
        Period defaultPeriod = entryPeriod(d, source, "$.default");
        List<Obligation> defaultObligations =
                obligations(d, defaultPeriod, List.of(), source, "$.default");
        Map<String, Period> tenants = new TreeMap<>();
        Map<String, List<Obligation>> tenantObligations = new TreeMap<>();
        JsonNode t = root.get("tenants");
        if (t != null && !t.isNull()) {
            if (!t.isObject()) {
                throw new IllegalArgumentException(source + ": $.tenants must be an object");
            }
            for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String where = "$.tenants." + e.getKey();
                Period p = entryPeriod(e.getValue(), source, where);
                tenants.put(e.getKey(), p);
                tenantObligations.put(
                        e.getKey(),
                        obligations(e.getValue(), p, defaultObligations, source, where));
            }
        }
        return new RetentionPolicy(
                version,
                defaultPeriod,
                Collections.unmodifiableMap(tenants),
                defaultObligations,
                Collections.unmodifiableMap(tenantObligations));
    }

    /** A period: a string ({@code "P7Y"}) or an object's {@code period}. */
    private static Period entryPeriod(JsonNode node, String source, String where) {
        if (node.isTextual()) {
            return period(node.asText(), source, where);
        }
        if (node.isObject()) {
            PolicyFiles.onlyKeys(node, Set.of("period", "obligations"), source, where);
            return period(PolicyFiles.text(node, "period", true, source, where), source, where);
        }
        throw new IllegalArgumentException(
                source
                        + ": "
                        + where
                        + " must be an ISO-8601 period such as P7Y, or an object with"
                        + " \"period\" and \"obligations\"");
    }

    /**
     * An entry's obligations: its own list when it is an object with {@code obligations}, else
     * {@code inherited}; each no longer than the entry's period.
     */
    private static List<Obligation> obligations(
            JsonNode node,
            Period entryPeriod,
            List<Obligation> inherited,
            String source,
            String where) {
        List<Obligation> out = new ArrayList<>();
        JsonNode list = node.isObject() ? node.get("obligations") : null;
        if (list == null || list.isNull()) {
            out.addAll(inherited);
        } else {
            if (!list.isArray()) {
                throw new IllegalArgumentException(
                        source + ": " + where + ".obligations must be a list");
            }
            for (int i = 0; i < list.size(); i++) {
                String at = where + ".obligations[" + i + "]";
                JsonNode o = list.get(i);
                if (!o.isObject()) {
                    throw new IllegalArgumentException(
                            source
                                    + ": "
                                    + at
                                    + " must be an object with \"regulation\" and \"period\"");
                }
                PolicyFiles.onlyKeys(o, Set.of("regulation", "period"), source, at);
                String regulation = PolicyFiles.text(o, "regulation", true, source, at);
                String text = PolicyFiles.text(o, "period", true, source, at);
                Period p;
                try {
                    p = Period.parse(text);
                } catch (DateTimeParseException e) {
                    throw new IllegalArgumentException(
                            source + ": " + at + ".period must be an ISO-8601 period such as P25M");
                }
                if (p.isNegative() || p.isZero()) {
                    throw new IllegalArgumentException(
                            source + ": " + at + ".period must be positive");
                }
                out.add(new Obligation(regulation, p));
            }
        }
        for (int i = 0; i < out.size(); i++) {
            if (longer(out.get(i).period(), entryPeriod)) {
                throw new IllegalArgumentException(
                        source
                                + ": "
                                + where
                                + ": obligation '"
                                + out.get(i).regulation()
                                + "' ("
                                + out.get(i).period()
                                + ") is longer than the retention period "
                                + entryPeriod
                                + "; retention would delete records the obligation requires kept");
            }
        }
        return List.copyOf(out);
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

    /**
     * The legal obligations that require {@code tenantId}'s records kept (the tenant's own, else
     * the default's); empty when the policy states none.
     */
    public List<Obligation> obligationsOf(String tenantId) {
        return tenantId == null
                ? defaultObligations
                : perTenantObligations.getOrDefault(tenantId, defaultObligations);
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
                + (defaultObligations.isEmpty() && perTenantObligations.isEmpty()
                        ? ""
                        : ", obligations stated")
                + ")";
    }
}
