package io.decisionledger.decision;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.apache.avro.Schema;

/**
 * The {@code erased_columns_json} column of an erased decision: a canonical JSON object (keys
 * sorted, no whitespace) mapping each erased content column to the lower-case hex commitment c_i
 * kept for it, and the marker an erased column holds instead of its value (schemas/CANONICAL.md
 * section 8). Read by the verifier, written by erasure; never holds a personal value.
 */
public final class ErasedColumns {

    /** What a required (non-nullable) personal string column holds once erased. */
    public static final String MARKER = "[ERASED]";

    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final JsonFactory JSON = new JsonFactory();

    private ErasedColumns() {}

    /**
     * Parses {@code json}: a non-empty object of content column names to 64 lower-case hex
     * characters, in canonical form.
     *
     * @throws IllegalArgumentException naming the rule broken (never a value)
     */
    public static SortedMap<String, String> parse(String json) {
        return parse(json, CanonicalContent.COLUMNS, "content column");
    }

    /**
     * Parses {@code json} as the erased columns of a row whose erasable columns are among {@code
     * known} (the access log's columns, say): a non-empty object of those names to 64 lower-case
     * hex characters, in canonical form.
     *
     * @param kind what {@code known} are, for the message ("access-log column")
     * @throws IllegalArgumentException naming the rule broken (never a value)
     */
    public static SortedMap<String, String> parse(
            String json, java.util.List<String> known, String kind) {
        SortedMap<String, String> columns = new TreeMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw invalid("is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String column = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    throw invalid("holds a commitment that is not a string");
                }
                String hex = p.getText();
                if (!known.contains(column)) {
                    throw invalid("names a column that is not a " + kind);
                }
                if (!HEX64.matcher(hex).matches()) {
                    throw invalid(
                            "holds a commitment for "
                                    + column
                                    + " that is not 64 lower-case hex characters");
                }
                if (columns.put(column, hex) != null) {
                    throw invalid("names " + column + " twice");
                }
            }
            if (p.nextToken() != null) {
                throw invalid("has content after the object");
            }
        } catch (IOException e) {
            throw invalid("is not well-formed JSON");
        }
        if (columns.isEmpty()) {
            throw invalid("is empty (null when nothing is erased)");
        }
        if (!render(columns).equals(json)) {
            throw invalid("is not in canonical form (keys sorted, no whitespace)");
        }
        return columns;
    }

    /** The canonical JSON text of {@code columns} (names and hex need no escaping). */
    public static String render(Map<String, String> columns) {
        StringBuilder out = new StringBuilder("{");
        new TreeMap<>(columns)
                .forEach(
                        (column, hex) -> {
                            if (out.length() > 1) {
                                out.append(',');
                            }
                            out.append('"').append(column).append("\":\"").append(hex).append('"');
                        });
        return out.append('}').toString();
    }

    /** The value an erased {@code column} holds: the marker for required columns, else null. */
    public static Object markerFor(String column) {
        Schema.Field f = DecisionRecord.getClassSchema().getField(column);
        return f.schema().getType() == Schema.Type.UNION ? null : MARKER;
    }

    /** True when {@code column} of {@code r} holds its erasure marker. */
    public static boolean holdsMarker(DecisionRecord r, String column) {
        Schema.Field f = r.getSchema().getField(column);
        Object v = r.get(f.pos());
        Object marker = markerFor(column);
        return marker == null ? v == null : v != null && marker.equals(v.toString());
    }

    /** Replaces the value of {@code column} of {@code r} by its erasure marker. */
    public static void putMarker(DecisionRecord r, String column) {
        r.put(r.getSchema().getField(column).pos(), markerFor(column));
    }

    private static IllegalArgumentException invalid(String rule) {
        return new IllegalArgumentException("erased_columns_json " + rule);
    }
}
