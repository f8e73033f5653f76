package io.decisionledger.bench;

import java.nio.file.Path;
import java.util.Map;

/**
 * Reads the {@code key=value} parameters a {@link Scenario} hands a child JVM: every measurement
 * fails at once, naming the key, when one it needs is missing.
 */
public final class Parameters {

    private Parameters() {}

    public static String required(Map<String, String> p, String key) {
        String v = p.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("missing parameter " + key);
        }
        return v;
    }

    public static int integer(Map<String, String> p, String key) {
        return Integer.parseInt(required(p, key));
    }

    public static Path path(Map<String, String> p, String key) {
        return Path.of(required(p, key)).toAbsolutePath().normalize();
    }
}
