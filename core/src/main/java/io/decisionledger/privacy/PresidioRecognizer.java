package io.decisionledger.privacy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The contract of a Presidio analyzer's {@code POST /analyze}: the request ({@code {"text": …,
 * "language": "en", "entities": ["PERSON", "LOCATION"]}}), the answer (a list of {@code
 * {entity_type, start, end, score}}), and the masking of what it found. Presidio counts offsets in
 * Unicode code points (Python string indices), Java in UTF-16 units: they are converted, and an
 * answer whose offsets do not fit the text is refused (the caller then fails closed), never applied
 * half.
 */
public final class PresidioRecognizer {

    /** What the recogniser is asked for, and the placeholder of each. */
    public static final Map<String, String> ENTITIES =
            Map.of("PERSON", "[NAME]", "LOCATION", "[LOCATION]");

    private static final ObjectMapper JSON = new ObjectMapper();

    private PresidioRecognizer() {}

    /** A finding: [start, end) in UTF-16 units of the text, and its placeholder. */
    public record Finding(int start, int end, String placeholder) {}

    /** The request body for {@code text}. */
    public static byte[] request(String text) {
        ObjectNode body = JSON.createObjectNode();
        body.put("text", text);
        body.put("language", "en");
        body.putArray("entities").add("PERSON").add("LOCATION");
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException("cannot write a recogniser request", e);
        }
    }

    /**
     * The PERSON and LOCATION findings of an answer to {@link #request}; other entity types are
     * left to the masker's own detectors.
     *
     * @throws IllegalArgumentException if the answer is not the analyzer's list, or an offset lies
     *     outside the text (the message names no text)
     */
    public static List<Finding> findings(byte[] answer, String text) {
        JsonNode root;
        try {
            root = JSON.readTree(answer);
        } catch (IOException e) {
            throw new IllegalArgumentException("the recogniser's answer is not JSON");
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("the recogniser's answer is not a list of findings");
        }
        int codePoints = text.codePointCount(0, text.length());
        List<Finding> findings = new ArrayList<>();
        for (JsonNode f : root) {
            String placeholder = ENTITIES.get(f.path("entity_type").asText(""));
            if (placeholder == null) {
                continue;
            }
            JsonNode start = f.get("start");
            JsonNode end = f.get("end");
            if (start == null
                    || end == null
                    || !start.canConvertToInt()
                    || !end.canConvertToInt()
                    || start.asInt() < 0
                    || end.asInt() > codePoints
                    || start.asInt() >= end.asInt()) {
                throw new IllegalArgumentException(
                        "the recogniser's answer has a finding outside the text");
            }
            findings.add(
                    new Finding(
                            text.offsetByCodePoints(0, start.asInt()),
                            text.offsetByCodePoints(0, end.asInt()),
                            placeholder));
        }
        return findings;
    }

    /** {@code text} with every finding replaced by its placeholder; overlapping findings merge. */
    public static String mask(String text, List<Finding> findings) {
        if (findings.isEmpty()) {
            return text;
        }
        List<Finding> sorted = new ArrayList<>(findings);
        sorted.sort(Comparator.comparingInt(Finding::start));
        StringBuilder out = new StringBuilder(text.length());
        int pos = 0;
        for (Finding f : sorted) {
            if (f.end() <= pos) {
                continue; // inside one already replaced
            }
            if (f.start() >= pos) {
                out.append(text, pos, f.start()).append(f.placeholder());
            }
            pos = f.end();
        }
        return out.append(text, pos, text.length()).toString();
    }
}
