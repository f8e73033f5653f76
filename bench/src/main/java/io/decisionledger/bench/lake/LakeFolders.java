package io.decisionledger.bench.lake;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Gives each measured run its own view of a prepared lake without copying gigabytes: a dataset that
 * a job only reads is a symbolic link to the prepared one; a dataset that a job rewrites
 * (compaction deletes its sources and adds merged files, never changing a file in place) is a tree
 * of hard links, so the prepared files survive the run. Outside the timed path.
 */
public final class LakeFolders {

    /** The file a generated lake's facts are kept in, written last: it marks the lake complete. */
    public static final String FACTS = "_bench-lake.json";

    private static final ObjectMapper JSON = new ObjectMapper();

    private LakeFolders() {}

    /** The facts of the generated lake under {@code root}; null when it is not (fully) made. */
    public static Map<String, Object> readFacts(Path root) {
        Path file = root.resolve(FACTS);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            return JSON.readValue(file.toFile(), new TypeReference<Map<String, Object>>() {});
        } catch (IOException e) {
            throw new UncheckedIOException("could not read " + file, e);
        }
    }

    /** Writes the facts of the lake under {@code root}, marking it complete. */
    public static void writeFacts(Path root, Map<String, Object> facts) {
        try {
            JSON.writeValue(root.resolve(FACTS).toFile(), facts);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the facts of " + root, e);
        }
    }

    /** {@code runLake/relative} becomes a link to {@code preparedLake/relative}. */
    public static void linkReadOnly(Path preparedLake, Path runLake, String relative) {
        Path target = preparedLake.resolve(relative).toAbsolutePath();
        Path link = runLake.resolve(relative);
        try {
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, target);
        } catch (IOException e) {
            throw new UncheckedIOException("could not link " + link + " to " + target, e);
        }
    }

    /** A copy of {@code preparedLake/relative} in {@code runLake}, made of hard links. */
    public static void hardLinkCopy(Path preparedLake, Path runLake, String relative) {
        walkInto(preparedLake.resolve(relative), runLake.resolve(relative), true);
    }

    /** The visible {@code tenant_id=T/event_date=D} folders of an audit dataset, sorted. */
    public static List<Path> partitions(Path auditDecisions) {
        try (Stream<Path> tenants = Files.list(auditDecisions)) {
            return tenants.filter(t -> t.getFileName().toString().startsWith("tenant_id="))
                    .flatMap(LakeFolders::dates)
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + auditDecisions, e);
        }
    }

    private static Stream<Path> dates(Path tenant) {
        try (Stream<Path> dates = Files.list(tenant)) {
            return dates
                    .filter(d -> d.getFileName().toString().startsWith("event_date="))
                    .toList()
                    .stream();
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + tenant, e);
        }
    }

    /** Copies the folder {@code from} to {@code to} (replaced if there), file by file. */
    public static void copy(Path from, Path to) {
        deleteRecursively(to);
        walkInto(from, to, false);
    }

    /** Recreates {@code from}'s folders under {@code to}, its files as hard links or copies. */
    private static void walkInto(Path from, Path to, boolean hardLinks) {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (hardLinks) {
                    Files.createLink(target, p);
                } else {
                    Files.copy(p, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not copy " + from + " to " + to, e);
        }
    }

    public static void deleteRecursively(Path dir) {
        if (!Files.exists(dir, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        // Files.walk does not follow links: a linked dataset loses its link, never its files.
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + dir, e);
        }
    }

    /** Bytes of the files under {@code dir}, following no links. */
    public static long bytes(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .mapToLong(
                            f -> {
                                try {
                                    return Files.size(f);
                                } catch (IOException e) {
                                    throw new UncheckedIOException(e);
                                }
                            })
                    .sum();
        } catch (IOException e) {
            throw new UncheckedIOException("could not measure " + dir, e);
        }
    }
}
