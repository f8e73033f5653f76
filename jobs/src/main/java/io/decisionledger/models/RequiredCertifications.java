package io.decisionledger.models;

import io.decisionledger.schema.ModelCertification;
import io.decisionledger.schema.ModelVersionCard;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Which certifications a tenant requires of the model card behind each of its decisions, e.g.
 * {@code bank_456=EU_AI_ACT+SOC2,insurer_789=EU_AI_ACT}; {@code *=SOC2} applies to every tenant
 * (added to the tenant's own list). A card holds a certification when it lists one with that name
 * whose {@code passed} is not {@code false}. Decisions whose card misses one are stored but flagged
 * {@code MISSING_CERTIFICATION}.
 */
public final class RequiredCertifications implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String EVERY_TENANT = "*";

    private final Map<String, Set<String>> perTenant;

    private RequiredCertifications(Map<String, Set<String>> perTenant) {
        this.perTenant = perTenant;
    }

    public static RequiredCertifications none() {
        return new RequiredCertifications(Collections.emptyMap());
    }

    /**
     * @throws IllegalArgumentException when the spec is not {@code tenant=CERT[+CERT],...}
     */
    public static RequiredCertifications parse(String spec) {
        Map<String, Set<String>> out = new TreeMap<>();
        if (spec != null && !spec.isBlank()) {
            for (String entry : spec.split(",")) {
                String[] kv = entry.strip().split("=", -1);
                if (kv.length != 2 || kv[0].isBlank() || kv[1].isBlank()) {
                    throw new IllegalArgumentException(
                            "required certifications must look like"
                                    + " bank_456=EU_AI_ACT+SOC2,insurer_789=EU_AI_ACT");
                }
                Set<String> certs = out.computeIfAbsent(kv[0].strip(), t -> new TreeSet<>());
                for (String c : kv[1].split("\\+")) {
                    if (c.isBlank()) {
                        throw new IllegalArgumentException(
                                "required certifications: empty certification name");
                    }
                    certs.add(c.strip());
                }
            }
        }
        return new RequiredCertifications(Collections.unmodifiableMap(out));
    }

    /** The certifications {@code tenant} requires, sorted. */
    public Set<String> of(String tenant) {
        Set<String> all = new TreeSet<>(perTenant.getOrDefault(EVERY_TENANT, Set.of()));
        all.addAll(perTenant.getOrDefault(tenant, Set.of()));
        return all;
    }

    /** The certifications {@code tenant} requires that {@code card} does not hold, sorted. */
    public List<String> missing(String tenant, ModelVersionCard card) {
        Set<String> required = of(tenant);
        if (required.isEmpty()) {
            return List.of();
        }
        Set<String> held = new TreeSet<>();
        if (card.getCertifications() != null) {
            for (ModelCertification c : card.getCertifications()) {
                if (!Boolean.FALSE.equals(c.getPassed())) {
                    held.add(c.getName());
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (String r : required) {
            if (!held.contains(r)) {
                missing.add(r);
            }
        }
        return missing;
    }

    public boolean isEmpty() {
        return perTenant.isEmpty();
    }

    @Override
    public String toString() {
        List<String> entries = new ArrayList<>();
        perTenant.forEach((t, c) -> entries.add(t + "=" + String.join("+", c)));
        return String.join(",", entries);
    }
}
