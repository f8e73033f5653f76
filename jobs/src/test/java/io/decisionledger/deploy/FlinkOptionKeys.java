package io.decisionledger.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.FallbackKey;
import org.apache.flink.state.rocksdb.RocksDBOptions;

/**
 * The configuration keys Flink 2.2 defines, read from its own {@code ConfigOption} constants, so
 * that a key in {@code deploy/} that Flink does not know (a typo, or one Flink 2.x removed) fails a
 * test instead of being ignored at run time, which is what Flink does with unknown keys.
 *
 * <p>Keys under a few prefixes are passed through to components whose options are not on this
 * classpath or are not {@code ConfigOption}s at all: {@code s3.*} (handed to Hadoop's S3A as {@code
 * fs.s3a.*}), {@code metrics.reporter.<name>.*} (per reporter), {@code kubernetes.*} and {@code
 * job.autoscaler.*} (flink-kubernetes and the operator).
 */
final class FlinkOptionKeys {

    static final List<String> PASS_THROUGH_PREFIXES =
            List.of("s3.", "metrics.reporter.", "kubernetes.", "job.autoscaler.");

    /** Key → the key to use instead, or null for a current key. */
    private static final Map<String, String> KEYS = load();

    private FlinkOptionKeys() {}

    /**
     * @return one line per key that Flink does not know or has deprecated; empty when all are fine
     */
    static List<String> problems(Collection<String> keys) {
        List<String> problems = new ArrayList<>();
        for (String key : keys) {
            if (PASS_THROUGH_PREFIXES.stream().anyMatch(key::startsWith)) {
                continue;
            }
            if (!KEYS.containsKey(key)) {
                problems.add("unknown Flink option '" + key + "'");
            } else if (KEYS.get(key) != null) {
                problems.add("deprecated Flink option '" + key + "', use '" + KEYS.get(key) + "'");
            }
        }
        return problems;
    }

    private static Map<String, String> load() {
        Map<String, String> keys = new HashMap<>();
        // flink-core (org.apache.flink.configuration) holds nearly every option; RocksDB's live
        // in its state backend's jar.
        collectPackage(CoreOptions.class, keys);
        collectPackage(RocksDBOptions.class, keys);
        if (keys.size() < 500) {
            throw new IllegalStateException("only " + keys.size() + " Flink options found");
        }
        return keys;
    }

    /** Every ConfigOption constant of every class in {@code anchor}'s package and jar. */
    private static void collectPackage(Class<?> anchor, Map<String, String> keys) {
        String packagePath = anchor.getPackageName().replace('.', '/') + "/";
        try (JarFile jar = new JarFile(jarOf(anchor).toFile())) {
            Enumeration<JarEntry> entries = jar.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                if (name.startsWith(packagePath)
                        && name.endsWith(".class")
                        && name.indexOf('/', packagePath.length()) < 0) {
                    String className = name.substring(0, name.length() - 6).replace('/', '.');
                    collectOptions(Class.forName(className, false, anchor.getClassLoader()), keys);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void collectOptions(Class<?> options, Map<String, String> keys) {
        for (Field f : options.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers())
                    && Modifier.isPublic(f.getModifiers())
                    && ConfigOption.class.isAssignableFrom(f.getType())) {
                ConfigOption<?> option;
                try {
                    option = (ConfigOption<?>) f.get(null);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
                keys.put(option.key(), null);
                for (FallbackKey fallback : option.fallbackKeys()) {
                    if (fallback.isDeprecated()) {
                        keys.putIfAbsent(fallback.getKey(), option.key());
                    }
                }
            }
        }
    }

    private static Path jarOf(Class<?> c) {
        try {
            return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
