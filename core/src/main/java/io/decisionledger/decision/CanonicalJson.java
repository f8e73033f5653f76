package io.decisionledger.decision;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a JSON value in the canonical text form used for {@code context_metadata_json} and {@code
 * extra_json}: object keys sorted by UTF-16 code units, no whitespace, numbers exactly as the
 * producer wrote them, strings with minimal escaping (schemas/CANONICAL.md, section "Canonical
 * JSON"). Two producers that send the same object with keys in another order store the same text,
 * so the content hash does not depend on key order.
 */
public final class CanonicalJson {

    private CanonicalJson() {}

    /**
     * Reads the value the parser is positioned on (its current token) and returns its canonical
     * text. On return the parser is positioned on the value's last token.
     */
    static String readValue(JsonParser parser) throws IOException, InvalidDecisionException {
        StringBuilder out = new StringBuilder(64);
        writeValue(parser, out);
        return out.toString();
    }

    /**
     * Keeps the members of a canonical JSON object whose key passes {@code keep} and whose value is
     * a scalar: numbers, booleans and nulls exactly, strings through {@code keptText} (e.g. a text
     * masker). Every other member's value, including objects and arrays under a kept key (they may
     * hold anything), becomes the string {@code replacement}. The result is canonical again (same
     * key order).
     *
     * @throws IllegalArgumentException if {@code canonicalObject} is not a JSON object
     */
    public static String filterObject(
            String canonicalObject,
            java.util.function.Predicate<String> keep,
            java.util.function.UnaryOperator<String> keptText,
            String replacement) {
        try (JsonParser p = FACTORY.createParser(canonicalObject)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("not a JSON object");
            }
            TreeMap<String, String> members = new TreeMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                p.nextToken();
                JsonToken value = p.currentToken();
                if (keep.test(name) && value.isScalarValue()) {
                    if (value == JsonToken.VALUE_STRING) {
                        StringBuilder text = new StringBuilder();
                        appendString(keptText.apply(p.getText()), text);
                        members.put(name, text.toString());
                    } else {
                        members.put(name, readValue(p));
                    }
                } else {
                    p.skipChildren();
                    StringBuilder masked = new StringBuilder();
                    appendString(replacement, masked);
                    members.put(name, masked.toString());
                }
            }
            StringBuilder out = new StringBuilder(canonicalObject.length());
            writeMembers(members, out);
            return out.toString();
        } catch (IOException | InvalidDecisionException e) {
            throw new IllegalArgumentException(
                    "not canonical JSON: " + e.getClass().getSimpleName());
        }
    }

    private static final com.fasterxml.jackson.core.JsonFactory FACTORY =
            new com.fasterxml.jackson.core.JsonFactory();

    /**
     * Renders a tree whose leaves are canonical value texts and whose inner nodes are maps (as the
     * parser collects unknown fields) as one canonical object.
     */
    @SuppressWarnings("unchecked")
    static String render(Map<String, Object> tree) {
        TreeMap<String, String> members = new TreeMap<>();
        for (Map.Entry<String, Object> e : tree.entrySet()) {
            Object v = e.getValue();
            members.put(
                    e.getKey(), v instanceof Map ? render((Map<String, Object>) v) : (String) v);
        }
        StringBuilder out = new StringBuilder(64);
        writeMembers(members, out);
        return out.toString();
    }

    /**
     * Returns {@code text} if it is well-formed UTF-16 (no unpaired surrogate, which a JSON {@code
     * \ud800} escape can produce): such a string has no UTF-8 form, so it could be neither stored
     * nor hashed faithfully.
     */
    static String wellFormed(String text, String field) throws InvalidDecisionException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c)
                        && i + 1 < text.length()
                        && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    throw new InvalidDecisionException(
                            ReasonCode.INVALID_UTF8,
                            field
                                    + " holds an unpaired surrogate escape at position "
                                    + i
                                    + "; it has no UTF-8 form");
                }
            }
        }
        return text;
    }

    private static void writeValue(JsonParser parser, StringBuilder out)
            throws IOException, InvalidDecisionException {
        JsonToken token = parser.currentToken();
        switch (token) {
            case START_OBJECT -> {
                TreeMap<String, String> members = new TreeMap<>();
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    String name = wellFormed(parser.currentName(), "a key");
                    parser.nextToken();
                    members.put(name, readValue(parser));
                }
                writeMembers(members, out);
            }
            case START_ARRAY -> {
                out.append('[');
                boolean first = true;
                while (parser.nextToken() != JsonToken.END_ARRAY) {
                    if (!first) {
                        out.append(',');
                    }
                    first = false;
                    writeValue(parser, out);
                }
                out.append(']');
            }
            case VALUE_STRING -> appendString(wellFormed(parser.getText(), "a string"), out);
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> out.append(parser.getText());
            case VALUE_TRUE -> out.append("true");
            case VALUE_FALSE -> out.append("false");
            case VALUE_NULL -> out.append("null");
            default -> throw new IOException("unexpected JSON token " + token);
        }
    }

    private static void writeMembers(TreeMap<String, String> members, StringBuilder out) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, String> member : members.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            appendString(member.getKey(), out);
            out.append(':').append(member.getValue());
        }
        out.append('}');
    }

    /** JSON string with the escapes of RFC 8785 section 3.2.2.2; everything else literal. */
    static void appendString(String value, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append("\\u00");
                        out.append(Character.forDigit(c >> 4, 16));
                        out.append(Character.forDigit(c & 0xF, 16));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
