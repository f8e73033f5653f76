package io.decisionledger.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The JSON form of lake records, as audit results and evidence bundles show them: one member per
 * column, named as in Parquet (snake_case), in schema order; timestamps as ISO-8601 UTC with their
 * full microsecond precision; numbers, booleans, lists and nulls as such. The mapping is exact in
 * both directions for the lake's schemas, so a bundle's {@code record.json} can be read back into a
 * {@code DecisionRecord} whose content hash and chain hash recompute.
 */
public final class RecordJson {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The mapper used for every JSON file and response of the audit package. */
    static final ObjectMapper MAPPER = new ObjectMapper();

    private RecordJson() {}

    /** The record as a JSON object, driven by its own schema. */
    public static ObjectNode toJson(IndexedRecord record) {
        ObjectNode out = NODES.objectNode();
        for (Schema.Field f : record.getSchema().getFields()) {
            out.set(f.name(), value(f.schema(), record.get(f.pos())));
        }
        return out;
    }

    private static JsonNode value(Schema schema, Object v) {
        if (v == null) {
            return NODES.nullNode();
        }
        Schema s = nonNull(schema);
        if (v instanceof Instant t) {
            return NODES.textNode(t.toString());
        }
        if (v instanceof Long l && isTimestamp(s)) {
            return NODES.textNode(toInstant(s, l).toString());
        }
        return switch (s.getType()) {
            case STRING, ENUM -> NODES.textNode(v.toString());
            case LONG -> NODES.numberNode(((Number) v).longValue());
            case INT -> NODES.numberNode(((Number) v).intValue());
            case DOUBLE -> NODES.numberNode(((Number) v).doubleValue());
            case FLOAT -> NODES.numberNode(((Number) v).floatValue());
            case BOOLEAN -> NODES.booleanNode((Boolean) v);
            case BYTES -> NODES.textNode(base64((ByteBuffer) v));
            case ARRAY -> {
                ArrayNode a = NODES.arrayNode();
                for (Object e : (Iterable<?>) v) {
                    a.add(value(s.getElementType(), e));
                }
                yield a;
            }
            case RECORD -> toJson((IndexedRecord) v);
            case MAP -> {
                ObjectNode m = NODES.objectNode();
                java.util.TreeMap<String, Object> sorted = new java.util.TreeMap<>();
                ((java.util.Map<?, ?>) v).forEach((k, e) -> sorted.put(k.toString(), e));
                sorted.forEach((k, e) -> m.set(k, value(s.getValueType(), e)));
                yield m;
            }
            default -> NODES.textNode(v.toString());
        };
    }

    /**
     * Reads a JSON object written by {@link #toJson} back into a new record of the class's schema.
     *
     * @throws IllegalArgumentException when a member is missing or has the wrong type (names the
     *     column, never the value)
     */
    public static <T extends SpecificRecordBase> T fromJson(JsonNode json, T empty) {
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException("expected a JSON object");
        }
        for (Schema.Field f : empty.getSchema().getFields()) {
            JsonNode node = json.get(f.name());
            if (node == null && addedLater(f)) {
                // a column appended later (nullable, default null): absent from older bundles
                empty.put(f.pos(), null);
                continue;
            }
            if (node == null) {
                throw new IllegalArgumentException("column " + f.name() + " is missing");
            }
            empty.put(f.pos(), read(f.name(), f.schema(), node));
        }
        return empty;
    }

    /**
     * True for the columns DecisionRecord v4 appended (record layout and erasure): a record.json
     * written before them is read as a layout-2 record that was never erased.
     */
    private static boolean addedLater(Schema.Field f) {
        return LATER_COLUMNS.contains(f.name()) && f.schema().getType() == Schema.Type.UNION;
    }

    private static final java.util.Set<String> LATER_COLUMNS =
            java.util.Set.of(
                    "record_layout",
                    "field_salt",
                    "erased_columns_json",
                    "erasure_request_id",
                    "erased_at");

    private static Object read(String column, Schema schema, JsonNode node) {
        if (node.isNull()) {
            if (schema.getType() == Schema.Type.UNION || schema.getType() == Schema.Type.NULL) {
                return null;
            }
            throw new IllegalArgumentException("column " + column + " may not be null");
        }
        Schema s = nonNull(schema);
        if (isTimestamp(s)) {
            if (!node.isTextual()) {
                throw wrongType(column);
            }
            return Instant.parse(node.asText());
        }
        return switch (s.getType()) {
            case STRING -> {
                if (!node.isTextual()) {
                    throw wrongType(column);
                }
                yield node.asText();
            }
            case LONG -> {
                if (!node.isIntegralNumber()) {
                    throw wrongType(column);
                }
                yield node.asLong();
            }
            case INT -> {
                if (!node.isIntegralNumber() || !node.canConvertToInt()) {
                    throw wrongType(column);
                }
                yield node.asInt();
            }
            case DOUBLE -> {
                if (!node.isNumber()) {
                    throw wrongType(column);
                }
                yield node.asDouble();
            }
            case BOOLEAN -> {
                if (!node.isBoolean()) {
                    throw wrongType(column);
                }
                yield node.asBoolean();
            }
            case ARRAY -> {
                if (!node.isArray()) {
                    throw wrongType(column);
                }
                List<Object> list = new ArrayList<>(node.size());
                for (JsonNode e : node) {
                    list.add(read(column, s.getElementType(), e));
                }
                yield list;
            }
            default ->
                    throw new IllegalArgumentException(
                            "column " + column + " has a type records here do not use");
        };
    }

    private static IllegalArgumentException wrongType(String column) {
        return new IllegalArgumentException("column " + column + " has the wrong JSON type");
    }

    private static Schema nonNull(Schema schema) {
        if (schema.getType() != Schema.Type.UNION) {
            return schema;
        }
        for (Schema branch : schema.getTypes()) {
            if (branch.getType() != Schema.Type.NULL) {
                return branch;
            }
        }
        return schema;
    }

    private static boolean isTimestamp(Schema s) {
        LogicalType t = s.getLogicalType();
        return t instanceof LogicalTypes.TimestampMicros
                || t instanceof LogicalTypes.TimestampMillis;
    }

    private static Instant toInstant(Schema s, long value) {
        if (s.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
            return Instant.ofEpochMilli(value);
        }
        return Instant.ofEpochSecond(
                Math.floorDiv(value, 1_000_000L), Math.floorMod(value, 1_000_000L) * 1_000L);
    }

    private static String base64(ByteBuffer b) {
        ByteBuffer copy = b.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return Base64.getEncoder().encodeToString(bytes);
    }
}
