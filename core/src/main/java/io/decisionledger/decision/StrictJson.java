package io.decisionledger.decision;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.regex.Pattern;

/**
 * The one reader of the JSON files operators hand the jobs (retention policy, legal holds, masking
 * policy): strict, so a file that could be read two ways is refused rather than read one of them. A
 * repeated key ({@code {"holds": [...], "holds": []}}), content after the top-level object and
 * unknown properties are errors, as they are for decision events (ingest refuses a duplicate key as
 * {@code DUPLICATE_JSON_KEY}). Errors name the source and the line, never the file's content: a
 * hold file names data subjects.
 */
public final class StrictJson {

    private static final ObjectMapper MAPPER =
            JsonMapper.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .build();

    /** A key is named in an error only when it looks like a schema key, not free text. */
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    private StrictJson() {}

    /**
     * The top-level object of {@code json}.
     *
     * @param source names the file in errors (a path or URI)
     * @throws IllegalArgumentException when it is not exactly one JSON object without repeated keys
     */
    public static JsonNode readObject(byte[] json, String source) {
        JsonNode root;
        try {
            root = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": " + describe(e));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(source + ": must be a JSON object");
        }
        return root;
    }

    /** The mapper itself, for a caller that binds to a class (it fails on unknown properties). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    private static String describe(IOException e) {
        String line = "?";
        if (e instanceof JsonProcessingException j && j.getLocation() != null) {
            line = String.valueOf(j.getLocation().getLineNr());
        }
        String message = e instanceof JsonProcessingException j ? j.getOriginalMessage() : null;
        if (message != null && message.startsWith("Duplicate field '")) {
            int end = message.indexOf('\'', "Duplicate field '".length());
            String key = end < 0 ? "" : message.substring("Duplicate field '".length(), end);
            return "a key is repeated"
                    + (PLAIN_KEY.matcher(key).matches() ? " ('" + key + "')" : "")
                    + " at line "
                    + line
                    + "; a repeated key is ambiguous, so the file is refused";
        }
        return "not valid JSON (line "
                + line
                + "); the file is not echoed because it may hold personal data";
    }
}
