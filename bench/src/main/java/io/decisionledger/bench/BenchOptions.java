package io.decisionledger.bench;

import io.decisionledger.bench.events.EventMix;
import io.decisionledger.bench.ingest.IngestJobMeasurement;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The benchmark run's options, parsed once from {@code --name value} arguments into typed values
 * with documented defaults; {@code --help} prints {@link #help()}. The defaults are the published
 * run: one million events of about 2 KB, parallelism 1 and 2, which finishes within 15 minutes on
 * two cores. Unknown options are an error, so a typo cannot silently measure something else.
 */
public record BenchOptions(
        long events,
        List<Integer> parallelisms,
        int repetitions,
        Set<String> suites,
        List<String> ingestVariants,
        EventMix mix,
        int partitions,
        Duration checkpointInterval,
        String childHeap,
        Duration childTimeout,
        boolean profile,
        int jmhWarmupIterations,
        int jmhIterations,
        Duration jmhIterationTime,
        Path workDir,
        Path resultsDir,
        Path stackDir,
        String classpath) {

    /** The benchmark suites a run can select with {@code --only}. */
    public static final Set<String> SUITES = Set.of("ingest", "jmh");

    private static final Map<String, String[]> OPTIONS = new LinkedHashMap<>();

    static {
        option("events", "1000000", "Records preloaded into Kafka (valid, malformed, re-sent).");
        option("parallelism", "1,2", "Comma-separated parallelisms to measure the jobs at.");
        option(
                "repetitions",
                "1",
                "How often each job runs per parallelism; the order of job and baseline alternates.");
        option("only", "ingest,jmh", "Comma-separated suites to run: ingest, jmh.");
        option(
                "ingest-variants",
                "",
                "Comma-separated IngestJob variants also run in every ingest trial, each reported"
                        + " against the full job: no-chain (--hash-chain false), no-ops"
                        + " (--ops-copy false). They price the hash chain and the masked copy.");
        option("seed", "42", "Seed of the event generator: the same seed, the same bytes.");
        option("tenants", String.valueOf(EventMix.DEFAULT_TENANTS), "Number of tenants.");
        option(
                "zipf",
                String.valueOf(EventMix.DEFAULT_ZIPF_EXPONENT),
                "Zipf exponent of the traffic per tenant.");
        option(
                "malformed",
                String.valueOf(EventMix.DEFAULT_MALFORMED_FRACTION),
                "Fraction of malformed records.");
        option(
                "duplicates",
                String.valueOf(EventMix.DEFAULT_DUPLICATE_FRACTION),
                "Fraction of exact re-sends of a recent event.");
        option(
                "out-of-order",
                String.valueOf(EventMix.DEFAULT_OUT_OF_ORDER_FRACTION),
                "Fraction of events with a late timestamp.");
        option("partitions", "2", "Partitions of the Kafka topic.");
        option(
                "checkpoint-interval",
                "PT10S",
                "Checkpoint interval of both jobs (ISO-8601). Files commit at checkpoints, and a"
                        + " bounded job ends at the first checkpoint after its input.");
        option("child-heap", "3g", "-Xmx of each measured child JVM.");
        option("child-timeout", "PT30M", "A child JVM running longer than this is killed.");
        option(
                "profile",
                "false",
                "true: record each child with Java Flight Recorder and list its hot methods.");
        option("jmh-warmup", "3", "JMH warm-up iterations.");
        option("jmh-iterations", "5", "JMH measurement iterations.");
        option("jmh-time", "PT2S", "Duration of one JMH iteration.");
        option("work", "bench/target/bench-work", "Scratch folder (Kafka data, lakes, logs).");
        option("results", "bench/target/bench-results", "Where results (JSON lines, Markdown) go.");
        option("stack-dir", "deploy/local", "The deploy/local folder (Kafka broker jars).");
        option(
                "classpath",
                "",
                "Classpath of the child JVMs; empty: this JVM's own (java.class.path).");
    }

    private static void option(String name, String defaultValue, String description) {
        OPTIONS.put(name, new String[] {defaultValue, description});
    }

    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    public static BenchOptions parse(String... args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException(
                        "unexpected argument '" + a + "'; options look like --name value");
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true";
            }
            if (!OPTIONS.containsKey(name)) {
                throw new IllegalArgumentException(
                        "unknown option --" + name + "; known options: " + new TreeSet<>(names()));
            }
            given.put(name, value);
        }
        long events = longValue(given, "events", 1);
        EventMix mix =
                new EventMix(
                        longValue(given, "seed", Long.MIN_VALUE),
                        events,
                        (int) longValue(given, "tenants", 1),
                        doubleValue(given, "zipf"),
                        doubleValue(given, "malformed"),
                        doubleValue(given, "duplicates"),
                        doubleValue(given, "out-of-order"),
                        EventMix.DEFAULT_START,
                        EventMix.DEFAULT_SPAN);
        String classpath = value(given, "classpath");
        return new BenchOptions(
                events,
                parallelisms(value(given, "parallelism")),
                (int) longValue(given, "repetitions", 1),
                suites(value(given, "only")),
                ingestVariants(value(given, "ingest-variants")),
                mix,
                (int) longValue(given, "partitions", 1),
                duration(given, "checkpoint-interval"),
                value(given, "child-heap"),
                duration(given, "child-timeout"),
                Boolean.parseBoolean(value(given, "profile")),
                (int) longValue(given, "jmh-warmup", 0),
                (int) longValue(given, "jmh-iterations", 1),
                duration(given, "jmh-time"),
                Path.of(value(given, "work")).toAbsolutePath().normalize(),
                Path.of(value(given, "results")).toAbsolutePath().normalize(),
                Path.of(value(given, "stack-dir")).toAbsolutePath().normalize(),
                classpath.isBlank() ? System.getProperty("java.class.path") : classpath);
    }

    public static String help() {
        StringBuilder out = new StringBuilder();
        out.append(
                "decision-ledger benchmarks: each job against a baseline measured in the same run,"
                        + " each in a fresh JVM.\n\n");
        out.append("Usage: bench/run.sh [options]\n\n");
        for (Map.Entry<String, String[]> o : OPTIONS.entrySet()) {
            out.append(String.format("  --%-22s %s%n", o.getKey(), o.getValue()[1]));
            out.append(String.format("  %-24s default: %s%n", "", o.getValue()[0]));
        }
        return out.toString();
    }

    /** The options as {@code name → value} for the results, so every line says what it ran. */
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("events", events);
        d.put("ingest_variants", String.join(",", ingestVariants));
        d.put("seed", mix.seed());
        d.put("tenants", mix.tenants());
        d.put("zipf_exponent", mix.zipfExponent());
        d.put("malformed_fraction", mix.malformedFraction());
        d.put("duplicate_fraction", mix.duplicateFraction());
        d.put("out_of_order_fraction", mix.outOfOrderFraction());
        d.put("kafka_partitions", partitions);
        d.put("checkpoint_interval", checkpointInterval.toString());
        d.put("child_heap", childHeap);
        return d;
    }

    private static Set<String> names() {
        return OPTIONS.keySet();
    }

    private static String value(Map<String, String> given, String name) {
        return given.getOrDefault(name, OPTIONS.get(name)[0]).strip();
    }

    private static long longValue(Map<String, String> given, String name, long min) {
        try {
            long v = Long.parseLong(value(given, name).replace("_", ""));
            if (v < min) {
                throw new IllegalArgumentException("--" + name + " must be at least " + min);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer");
        }
    }

    private static double doubleValue(Map<String, String> given, String name) {
        try {
            return Double.parseDouble(value(given, name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number");
        }
    }

    private static Duration duration(Map<String, String> given, String name) {
        try {
            Duration d = Duration.parse(value(given, name));
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("--" + name + " must be positive");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(
                    "--" + name + " must be an ISO-8601 duration such as PT10S");
        }
    }

    private static List<Integer> parallelisms(String text) {
        List<Integer> values = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                int p = Integer.parseInt(part.strip());
                if (p < 1) {
                    throw new IllegalArgumentException("--parallelism values must be positive");
                }
                values.add(p);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--parallelism must look like 1,2");
            }
        }
        return List.copyOf(values);
    }

    private static List<String> ingestVariants(String text) {
        List<String> chosen = new ArrayList<>();
        for (String part : text.split(",")) {
            String v = part.strip().toLowerCase(Locale.ROOT);
            if (v.isEmpty()) {
                continue;
            }
            String measurement = IngestJobMeasurement.NAME + "-" + v;
            if (!measurement.equals(IngestJobMeasurement.NO_CHAIN)
                    && !measurement.equals(IngestJobMeasurement.NO_OPS)) {
                throw new IllegalArgumentException(
                        "--ingest-variants takes no-chain and no-ops, not '" + v + "'");
            }
            if (!chosen.contains(measurement)) {
                chosen.add(measurement);
            }
        }
        return List.copyOf(chosen);
    }

    private static Set<String> suites(String text) {
        Set<String> chosen = new TreeSet<>();
        for (String part : text.split(",")) {
            String s = part.strip().toLowerCase(Locale.ROOT);
            if (!SUITES.contains(s)) {
                throw new IllegalArgumentException(
                        "--only takes " + new TreeSet<>(SUITES) + ", not '" + s + "'");
            }
            chosen.add(s);
        }
        return Set.copyOf(chosen);
    }
}
