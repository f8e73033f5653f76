package io.decisionledger.retention;

import com.fasterxml.jackson.databind.JsonNode;
import io.decisionledger.decision.StrictJson;
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
 * a local file), as strict JSON ({@link StrictJson}: a repeated key is refused, never read as its
 * last occurrence), with errors that name the file and the JSON path but never a value (hold files
 * name data subjects). String values are trimmed.
 */
final class PolicyFiles {

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

    /**
     * The file's top-level object, read strictly (a repeated key is refused): {@link StrictJson}.
     */
    static JsonNode parse(byte[] bytes, String source) {
        return StrictJson.readObject(bytes, source);
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

    /**
     * A non-empty string at {@code node.key}, trimmed (a stray space in a hand-edited file must not
     * make an id match nothing), or null when absent/null and not required.
     */
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
        return v.asText().strip();
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
