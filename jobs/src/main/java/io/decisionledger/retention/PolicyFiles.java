package io.decisionledger.retention;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Set;
import org.apache.flink.core.fs.Path;

/**
 * Reading the retention policy and legal hold files: from any Flink file system URI (a bare path is
 * a local file), as strict JSON, with errors that name the file and the JSON path but never a value
 * (hold files name data subjects).
 */
final class PolicyFiles {

    private static final ObjectMapper JSON = new ObjectMapper();

    private PolicyFiles() {}

    static byte[] read(String location) {
        try {
            Path path = new Path(location);
            try (InputStream in = path.getFileSystem().open(path)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read " + location + ": " + e.getClass().getSimpleName(), e);
        }
    }

    static JsonNode parse(byte[] bytes, String source) {
        try {
            JsonNode root = JSON.readTree(bytes);
            if (root == null || !root.isObject()) {
                throw new IllegalArgumentException(source + ": must be a JSON object");
            }
            return root;
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    source
                            + ": not valid JSON (line "
                            + lineOf(e)
                            + "); the file is not echoed because it may hold personal data");
        }
    }

    private static String lineOf(IOException e) {
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j
                && j.getLocation() != null) {
            return String.valueOf(j.getLocation().getLineNr());
        }
        return "?";
    }

    static void onlyKeys(JsonNode node, Set<String> allowed, String source, String where) {
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            String key = it.next();
            if (!allowed.contains(key)) {
                throw new IllegalArgumentException(
                        source + ": unknown key '" + key + "' at " + where + "; known: " + allowed);
            }
        }
    }

    /** A non-empty string at {@code node.key}, or null when absent/null and not required. */
    static String text(JsonNode node, String key, boolean required, String source, String where) {
        JsonNode v = node.get(key);
        if (v == null || v.isNull()) {
            if (required) {
                throw new IllegalArgumentException(
                        source + ": " + where + "." + key + " is required");
            }
            return null;
        }
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException(
                    source + ": " + where + "." + key + " must be a non-empty string");
        }
        return v.asText();
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static UncheckedIOException unchecked(IOException e) {
        return new UncheckedIOException(e);
    }
}
