package io.decisionledger.decision;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * Which tenants each producer may write, so that a producer with write access to the decisions
 * topic cannot put records into another tenant's chain. Ingest reads it from {@code
 * --tenant-bindings FILE}; a record whose tenant is not bound to where it came from is quarantined
 * as {@link ReasonCode#TENANT_NOT_ALLOWED} by {@link DecisionReader}.
 *
 * <p>Where a record came from is what a Kafka consumer can see: its topic, and optionally a record
 * header naming the producer. The producer's authenticated Kafka principal is not visible to
 * consumers, so a header binding is only as strong as the topic ACLs that decide who may write
 * which header values (give each producer its own topic when that is not enough). The file is
 * strict JSON (duplicate keys and unknown members refused):
 *
 * <pre>{@code
 * {
 *   "topics":    { "decisions-bank": ["bank_456"], "decisions-shared": ["*"] },
 *   "producers": { "scoring-service": ["bank_456", "insurer_789"] },
 *   "producer_header": "producer-id"
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@code topics}: a record's topic must be listed, and its tenant in that topic's list.
 *   <li>{@code producers}: a record must carry the header {@code producer_header} (default {@code
 *       producer-id}), its value must be listed, and the tenant in that producer's list.
 *   <li>Both given: both must allow. At least one must be given. {@code "*"} allows every tenant.
 *   <li>Model cards apply to every tenant: one with a tenant is checked like a decision, one
 *       without needs {@code "*"}.
 * </ul>
 */
public final class TenantBindings implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String DEFAULT_PRODUCER_HEADER = "producer-id";
    public static final String ANY_TENANT = "*";

    private final String source;
    private final Map<String, Set<String>> topics;
    private final Map<String, Set<String>> producers;
    private final String producerHeader;

    private TenantBindings(
            String source,
            Map<String, Set<String>> topics,
            Map<String, Set<String>> producers,
            String producerHeader) {
        this.source = source;
        this.topics = topics;
        this.producers = producers;
        this.producerHeader = producerHeader;
    }

    /** Reads a bindings file; a file that is not exactly as documented is an error, not a guess. */
    public static TenantBindings load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "--tenant-bindings: cannot read " + file + ": " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses bindings JSON; {@code source} names it in errors and in {@link #source()}. */
    public static TenantBindings parse(String json, String source) {
        JsonNode root =
                StrictJson.readObject(
                        json.getBytes(StandardCharsets.UTF_8), "--tenant-bindings " + source);
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!Set.of("topics", "producers", "producer_header").contains(name)) {
                throw new IllegalArgumentException(
                        "--tenant-bindings "
                                + source
                                + ": unknown member '"
                                + name
                                + "' (allowed: topics, producers, producer_header)");
            }
        }
        Map<String, Set<String>> topics = table(root, "topics", source);
        Map<String, Set<String>> producers = table(root, "producers", source);
        if (topics == null && producers == null) {
            throw new IllegalArgumentException(
                    "--tenant-bindings "
                            + source
                            + ": binds nothing; give \"topics\" and/or \"producers\"");
        }
        String header = DEFAULT_PRODUCER_HEADER;
        if (root.has("producer_header")) {
            JsonNode h = root.get("producer_header");
            if (!h.isTextual() || h.asText().isBlank()) {
                throw new IllegalArgumentException(
                        "--tenant-bindings "
                                + source
                                + ": producer_header must be a non-empty string");
            }
            header = h.asText();
        }
        return new TenantBindings(source, topics, producers, header);
    }

    private static Map<String, Set<String>> table(JsonNode root, String name, String source) {
        if (!root.has(name)) {
            return null;
        }
        JsonNode node = root.get(name);
        if (!node.isObject() || node.isEmpty()) {
            throw new IllegalArgumentException(
                    "--tenant-bindings "
                            + source
                            + ": "
                            + name
                            + " must be a non-empty object of name -> [tenant, ...]");
        }
        Map<String, Set<String>> out = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String where = name + "." + e.getKey();
            if (e.getKey().isBlank()) {
                throw new IllegalArgumentException(
                        "--tenant-bindings " + source + ": " + name + " has an empty name");
            }
            if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                throw new IllegalArgumentException(
                        "--tenant-bindings "
                                + source
                                + ": "
                                + where
                                + " must be a non-empty array of tenant ids");
            }
            Set<String> tenants = new LinkedHashSet<>();
            for (JsonNode t : e.getValue()) {
                if (!t.isTextual()
                        || !(ANY_TENANT.equals(t.asText())
                                || DecisionParser.isValidTenantId(t.asText()))) {
                    throw new IllegalArgumentException(
                            "--tenant-bindings "
                                    + source
                                    + ": "
                                    + where
                                    + " holds something that is not a valid tenant id or \"*\"");
                }
                if (!tenants.add(t.asText())) {
                    throw new IllegalArgumentException(
                            "--tenant-bindings " + source + ": " + where + " lists a tenant twice");
                }
            }
            out.put(e.getKey(), Set.copyOf(tenants));
        }
        return Map.copyOf(out);
    }

    /** The record header that names the producer. */
    public String producerHeader() {
        return producerHeader;
    }

    /** Whether producer bindings are given (then the header is read from every record). */
    public boolean bindsProducers() {
        return producers != null;
    }

    /** Where the bindings came from (the file), as given. */
    public String source() {
        return source;
    }

    /**
     * Why a record for {@code tenantId} from {@code topic} (sent by {@code producerId}, may be
     * null) is not allowed, or null when it is. The reason names the rule, the topic and the
     * producer id (configuration, not personal data), never record content.
     *
     * @param tenantId the record's tenant; null for a model card without one (needs "*")
     */
    public String refusal(String topic, String producerId, String tenantId) {
        if (topics != null) {
            Set<String> allowed = topics.get(topic);
            if (allowed == null) {
                return "topic " + topic + " is not in the tenant bindings";
            }
            if (!allows(allowed, tenantId)) {
                return "tenant not bound to topic " + topic;
            }
        }
        if (producers != null) {
            if (producerId == null) {
                return "no " + producerHeader + " header; the tenant bindings require one";
            }
            Set<String> allowed = producers.get(producerId);
            if (allowed == null) {
                return "producer in the "
                        + producerHeader
                        + " header is not in the tenant bindings";
            }
            if (!allows(allowed, tenantId)) {
                return "tenant not bound to producer " + producerId;
            }
        }
        return null;
    }

    private static boolean allows(Set<String> allowed, String tenantId) {
        return allowed.contains(ANY_TENANT) || (tenantId != null && allowed.contains(tenantId));
    }

    @Override
    public String toString() {
        return source;
    }
}
