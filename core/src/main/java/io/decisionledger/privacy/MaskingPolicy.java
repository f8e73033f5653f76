package io.decisionledger.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import io.decisionledger.decision.StrictJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The versioned masking policy: which detectors run on which free-text field, which context
 * metadata keys operators may see, extra patterns (e.g. a bank's account number format), and
 * per-tenant overrides. Loaded from a JSON file ({@code --masking-policy}; the default ships in the
 * jar as {@code privacy/masking-policy.json}) and validated when the job starts, so a typo fails
 * the submission rather than leaking data. Every ops row records the version it was masked with.
 */
public final class MaskingPolicy implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The free-text fields detectors run on. */
    public static final List<String> TEXT_FIELDS =
            List.of(
                    "prompt",
                    "system_prompt",
                    "context_user_history",
                    "response_content",
                    "decision_reasoning");

    public static final String DEFAULT_RESOURCE = "/privacy/masking-policy.json";

    /**
     * The rules for one tenant, after overrides.
     *
     * @param phoneRegions the ISO 3166 regions whose national formats (no +country prefix) are read
     *     as phone numbers: a tenant's markets, e.g. [GB, DE, FR]; never empty
     * @param personalMetadata context metadata keys whose values are the person's own (name,
     *     address, an id), with what they hold: masked wherever they occur in free text
     */
    public record Rules(
            String version,
            List<String> phoneRegions,
            Map<String, Set<PiiKind>> detectorsPerField,
            Set<String> metadataAllowList,
            Map<String, String> extraPatterns,
            Map<String, PersonalValues.Kind> personalMetadata)
            implements Serializable {

        /** The first of {@link #phoneRegions}. */
        public String phoneRegion() {
            return phoneRegions.get(0);
        }

        public Set<PiiKind> detectors(String field) {
            return detectorsPerField.getOrDefault(field, Collections.emptySet());
        }

        /** Extra patterns compiled; compile once per task, patterns are not serialisable state. */
        public Map<String, Pattern> compiledExtraPatterns() {
            Map<String, Pattern> compiled = new LinkedHashMap<>();
            extraPatterns.forEach((name, regex) -> compiled.put(name, Pattern.compile(regex)));
            return compiled;
        }
    }

    private final Rules defaults;
    private final Map<String, Rules> perTenant;

    private MaskingPolicy(Rules defaults, Map<String, Rules> perTenant) {
        this.defaults = defaults;
        this.perTenant = perTenant;
    }

    public Rules forTenant(String tenantId) {
        return perTenant.getOrDefault(tenantId, defaults);
    }

    public String version() {
        return defaults.version();
    }

    public static MaskingPolicy builtIn() {
        try (InputStream in = MaskingPolicy.class.getResourceAsStream(DEFAULT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the jar has no " + DEFAULT_RESOURCE);
            }
            return parse(
                    StrictJson.readObject(in.readAllBytes(), DEFAULT_RESOURCE), DEFAULT_RESOURCE);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the built-in masking policy", e);
        }
    }

    public static MaskingPolicy load(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read the masking policy " + file + ": " + e.getClass().getSimpleName());
        }
        // strict: a repeated key (two "fields", say) would otherwise silently drop detectors
        return parse(StrictJson.readObject(bytes, file.toString()), file.toString());
    }

    static MaskingPolicy parse(JsonNode root, String source) {
        requireType(root, JsonNode::isObject, source, "the policy", "an object");
        requireKnownKeys(
                root,
                source,
                Set.of(
                        "version",
                        "phoneRegion",
                        "phoneRegions",
                        "fields",
                        "metadataAllowList",
                        "personalMetadata",
                        "extraPatterns",
                        "tenants",
                        "description"));
        Rules defaults = rules(root, null, source);
        Map<String, Rules> tenants = new LinkedHashMap<>();
        JsonNode overrides = root.path("tenants");
        if (root.has("tenants")) {
            requireType(overrides, JsonNode::isObject, source, "tenants", "an object");
        }
        overrides
                .fieldNames()
                .forEachRemaining(
                        tenant -> {
                            JsonNode o = overrides.get(tenant);
                            requireType(
                                    o,
                                    JsonNode::isObject,
                                    source,
                                    "tenants." + tenant,
                                    "an object");
                            requireKnownKeys(
                                    o,
                                    source + " tenants." + tenant,
                                    Set.of(
                                            "version",
                                            "phoneRegion",
                                            "phoneRegions",
                                            "fields",
                                            "metadataAllowList",
                                            "personalMetadata",
                                            "extraPatterns"));
                            tenants.put(tenant, rules(o, defaults, source + " tenants." + tenant));
                        });
        return new MaskingPolicy(defaults, Collections.unmodifiableMap(tenants));
    }

    private static Rules rules(JsonNode node, Rules base, String source) {
        String version =
                base == null
                        ? text(node, "version", null, source)
                        : base.version() + "+" + text(node, "version", "tenant", source);
        List<String> regions = phoneRegions(node, base, source);
        Map<String, PersonalValues.Kind> personal = personalMetadata(node, base, source);
        Map<String, String> extras =
                new LinkedHashMap<>(base == null ? Map.of() : base.extraPatterns());
        JsonNode patterns = node.path("extraPatterns");
        if (node.has("extraPatterns")) {
            requireType(
                    patterns,
                    JsonNode::isObject,
                    source,
                    "extraPatterns",
                    "an object of name -> regex");
        }
        patterns.fieldNames()
                .forEachRemaining(
                        name -> {
                            JsonNode value = patterns.get(name);
                            requireType(
                                    value,
                                    JsonNode::isTextual,
                                    source,
                                    "extraPatterns." + name,
                                    "a regex string");
                            String regex = value.asText();
                            if (regex.isEmpty()) {
                                throw new IllegalArgumentException(
                                        source + ": extra pattern '" + name + "' is empty");
                            }
                            try {
                                Pattern.compile(regex);
                            } catch (PatternSyntaxException e) {
                                throw new IllegalArgumentException(
                                        source
                                                + ": extra pattern '"
                                                + name
                                                + "' is not a valid regex");
                            }
                            if (!name.matches("[A-Za-z][A-Za-z0-9_]*")) {
                                throw new IllegalArgumentException(
                                        source
                                                + ": extra pattern names are letters, digits and '_'");
                            }
                            extras.put(name, regex);
                        });
        Map<String, Set<PiiKind>> fields = new LinkedHashMap<>();
        if (node.has("fields")) {
            JsonNode f = node.get("fields");
            requireType(
                    f, JsonNode::isObject, source, "fields", "an object of field -> [detectors]");
            f.fieldNames()
                    .forEachRemaining(
                            field -> {
                                if (!TEXT_FIELDS.contains(field)) {
                                    throw new IllegalArgumentException(
                                            source
                                                    + ": unknown field '"
                                                    + field
                                                    + "'; fields are "
                                                    + TEXT_FIELDS);
                                }
                                Set<PiiKind> kinds = EnumSet.noneOf(PiiKind.class);
                                requireType(
                                        f.get(field),
                                        JsonNode::isArray,
                                        source,
                                        "fields." + field,
                                        "a list of detectors (use [] for none)");
                                for (JsonNode k : f.get(field)) {
                                    requireType(
                                            k,
                                            JsonNode::isTextual,
                                            source,
                                            "fields." + field + " entries",
                                            "detector names");
                                    String name = k.asText().toUpperCase(Locale.ROOT);
                                    if (name.equals("ALL")) {
                                        kinds.addAll(EnumSet.allOf(PiiKind.class));
                                    } else {
                                        try {
                                            kinds.add(PiiKind.valueOf(name));
                                        } catch (IllegalArgumentException e) {
                                            throw new IllegalArgumentException(
                                                    source
                                                            + ": unknown detector '"
                                                            + k.asText()
                                                            + "'; detectors are "
                                                            + List.of(PiiKind.values())
                                                            + " or ALL");
                                        }
                                    }
                                }
                                fields.put(field, Collections.unmodifiableSet(kinds));
                            });
        }
        for (String field : TEXT_FIELDS) {
            fields.putIfAbsent(
                    field,
                    base == null
                            ? Collections.unmodifiableSet(EnumSet.allOf(PiiKind.class))
                            : base.detectors(field));
        }
        Set<String> allow;
        if (node.has("metadataAllowList")) {
            allow = new TreeSet<>();
            requireType(
                    node.get("metadataAllowList"),
                    JsonNode::isArray,
                    source,
                    "metadataAllowList",
                    "a list of metadata keys");
            for (JsonNode k : node.get("metadataAllowList")) {
                requireType(
                        k, JsonNode::isTextual, source, "metadataAllowList entries", "key names");
                allow.add(k.asText());
            }
        } else {
            allow = base == null ? new TreeSet<>() : new TreeSet<>(base.metadataAllowList());
        }
        for (String key : personal.keySet()) {
            if (allow.contains(key)) {
                throw new IllegalArgumentException(
                        source
                                + ": metadata key '"
                                + key
                                + "' is both in personalMetadata and in metadataAllowList; a"
                                + " personal value cannot be shown to operators");
            }
        }
        return new Rules(
                version,
                regions,
                Collections.unmodifiableMap(fields),
                Collections.unmodifiableSet(allow),
                Collections.unmodifiableMap(extras),
                Collections.unmodifiableMap(personal));
    }

    /**
     * "phoneRegions": ["GB", "DE"] (a tenant's markets), or the older single "phoneRegion": "GB";
     * not both. A tenant override replaces the list; the default is ["US"].
     */
    private static List<String> phoneRegions(JsonNode node, Rules base, String source) {
        if (node.has("phoneRegion") && node.has("phoneRegions")) {
            throw new IllegalArgumentException(
                    source + ": give either phoneRegion or phoneRegions, not both");
        }
        List<String> regions = new ArrayList<>();
        if (node.has("phoneRegions")) {
            JsonNode list = node.get("phoneRegions");
            requireType(
                    list,
                    JsonNode::isArray,
                    source,
                    "phoneRegions",
                    "a list of ISO 3166 regions, e.g. [\"GB\", \"DE\"]");
            for (JsonNode r : list) {
                requireType(r, JsonNode::isTextual, source, "phoneRegions entries", "strings");
                if (!regions.contains(r.asText())) {
                    regions.add(r.asText());
                }
            }
            if (regions.isEmpty()) {
                throw new IllegalArgumentException(
                        source + ": phoneRegions is empty; name at least one region");
            }
        } else if (node.has("phoneRegion")) {
            regions.add(text(node, "phoneRegion", null, source));
        } else {
            regions.addAll(base == null ? List.of("US") : base.phoneRegions());
        }
        for (String region : regions) {
            if (!PhoneNumberUtil.getInstance().getSupportedRegions().contains(region)) {
                throw new IllegalArgumentException(
                        source
                                + ": "
                                + (node.has("phoneRegions") ? "phoneRegions entry" : "phoneRegion")
                                + " '"
                                + region
                                + "' is not an ISO 3166 region libphonenumber knows (e.g. US, GB,"
                                + " DE)");
            }
        }
        return List.copyOf(regions);
    }

    /**
     * "personalMetadata": {"applicant_name": "NAME", "applicant_address": "ADDRESS",
     * "customer_ref": "ID"}. A tenant override adds keys to the default's (a key declared personal
     * stays personal).
     */
    private static Map<String, PersonalValues.Kind> personalMetadata(
            JsonNode node, Rules base, String source) {
        Map<String, PersonalValues.Kind> personal =
                new LinkedHashMap<>(base == null ? Map.of() : base.personalMetadata());
        if (!node.has("personalMetadata")) {
            return personal;
        }
        JsonNode declared = node.get("personalMetadata");
        requireType(
                declared,
                JsonNode::isObject,
                source,
                "personalMetadata",
                "an object of metadata key -> NAME, ADDRESS or ID");
        declared.fieldNames()
                .forEachRemaining(
                        key -> {
                            JsonNode kind = declared.get(key);
                            requireType(
                                    kind,
                                    JsonNode::isTextual,
                                    source,
                                    "personalMetadata." + key,
                                    "NAME, ADDRESS or ID");
                            try {
                                personal.put(
                                        key,
                                        PersonalValues.Kind.valueOf(
                                                kind.asText().toUpperCase(Locale.ROOT)));
                            } catch (IllegalArgumentException e) {
                                throw new IllegalArgumentException(
                                        source
                                                + ": personalMetadata."
                                                + key
                                                + " is '"
                                                + kind.asText()
                                                + "'; kinds are "
                                                + List.of(PersonalValues.Kind.values()));
                            }
                        });
        return personal;
    }

    private static String text(JsonNode node, String key, String fallback, String source) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                throw new IllegalArgumentException(source + ": '" + key + "' is required");
            }
            return fallback;
        }
        requireType(v, JsonNode::isTextual, source, key, "a string");
        if (v.asText().isBlank()) {
            throw new IllegalArgumentException(source + ": '" + key + "' is empty");
        }
        return v.asText();
    }

    private static void requireType(
            JsonNode node,
            java.util.function.Predicate<JsonNode> ok,
            String source,
            String what,
            String expected) {
        if (!ok.test(node)) {
            throw new IllegalArgumentException(
                    source + ": " + what + " must be " + expected + ", not " + node.getNodeType());
        }
    }

    private static void requireKnownKeys(JsonNode node, String source, Set<String> known) {
        List<String> unknown = new ArrayList<>();
        node.fieldNames()
                .forEachRemaining(
                        k -> {
                            if (!known.contains(k)) {
                                unknown.add(k);
                            }
                        });
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(
                    source + ": unknown keys " + unknown + "; known: " + new TreeSet<>(known));
        }
    }
}
