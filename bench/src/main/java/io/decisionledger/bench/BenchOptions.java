package io.decisionledger.bench;

import io.decisionledger.bench.events.EventMix;
import io.decisionledger.bench.ingest.IngestJobMeasurement;
import io.decisionledger.bench.query.QueryLake;
import io.decisionledger.options.Command;
import io.decisionledger.options.OptionTable;
import java.nio.file.Path;
import java.time.Duration;
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
 * run: every scenario on 50 000 events of about 2 KB (and a 1 M-record point-query lake), at
 * parallelism 1 and 2, meant to finish within 15 minutes on two cores. Unknown options are an
 * error, so a typo cannot silently measure something else.
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
        boolean inProcess,
        int jmhWarmupIterations,
        int jmhIterations,
        Duration jmhIterationTime,
        Path workDir,
        Path resultsDir,
        Path stackDir,
        Path lakeCache,
        QueryLake.Shape queryLake,
        int queries,
        int queryPasses,
        String classpath,
        int dailyRecords,
        long ingestEvents,
        boolean ingestProfile,
        long verifyRecords,
        int verifyWarmUps,
        int compactionWarmUps) {

    /** The ingest scenario's input: the run's event mix with {@link #ingestEvents} records. */
    public EventMix ingestMix() {
        return new EventMix(
                mix.seed(),
                ingestEvents,
                mix.tenants(),
                mix.zipfExponent(),
                mix.malformedFraction(),
                mix.duplicateFraction(),
                mix.outOfOrderFraction(),
                mix.start(),
                mix.span());
    }

    /** The incremental-verify scenario's lake: 31 days, 5 tenants, 4 files per tenant and day. */
    public io.decisionledger.bench.verify.DailyLake.Shape dailyLake() {
        return new io.decisionledger.bench.verify.DailyLake.Shape(
                31, 5, dailyRecords, 4, mix.seed());
    }

    /**
     * The verify scenario's generated lake ({@code --verify-records} > 0): incremental-verify's
     * shape, with as many decisions a day as make about {@code verifyRecords} in 31 days.
     */
    public io.decisionledger.bench.verify.DailyLake.Shape verifyLake() {
        return new io.decisionledger.bench.verify.DailyLake.Shape(
                31, 5, (int) Math.max(5, (verifyRecords + 30) / 31), 4, mix.seed());
    }

    /** The benchmark suites a run can select with {@code --only}. */
    public static final Set<String> SUITES =
            Set.of(
                    "ingest",
                    "metrics",
                    "metrics-rebuild",
                    "compaction",
                    "recompaction",
                    "verify",
                    "incremental-verify",
                    "query",
                    "jmh");

    /** The options with their defaults, in the order --help prints them. */
    private static final OptionTable OPTIONS = new OptionTable(false);

    static {
        OPTIONS.add(
                "events",
                "50000",
                "Records preloaded into Kafka (valid, malformed, re-sent): the input of ingest,"
                        + " metrics and the lake that metrics-rebuild, compaction and verify read.");
        OPTIONS.add("parallelism", "1,2", "Comma-separated parallelisms to measure the jobs at.");
        OPTIONS.add(
                "repetitions",
                "1",
                "How often each job runs per parallelism; the order of job and baseline alternates.");
        OPTIONS.add(
                "only",
                "ingest,metrics,metrics-rebuild,compaction,recompaction,verify,incremental-verify,query,jmh",
                "Comma-separated suites to run: ingest, metrics (live, from Kafka), metrics-rebuild"
                        + " (batch, from the lake), compaction, recompaction (the same rows as"
                        + " large compacted files plus a late part file per partition), verify, incremental-verify (day 31"
                        + " of a 30-day lake from the verify state against the full run), query"
                        + " (point queries), jmh.");
        OPTIONS.add(
                "daily-records",
                "10000",
                "incremental-verify: decisions per day of its 31-day lake (5 tenants, 4 files per"
                        + " tenant and day).");
        OPTIONS.add(
                "ingest-events",
                "1000000",
                "Records preloaded for the ingest scenario (IngestJob against the Flink SQL"
                        + " baseline); --events sizes the other scenarios. 1 M by default: 50 000"
                        + " mostly measures JVM start-up and JIT warm-up (issue 20).");
        OPTIONS.add(
                "ingest-profile",
                "true",
                "true: record the ingest scenario's children with Java Flight Recorder and report"
                        + " each job's per-event CPU budget (CpuBudget; docs/performance.md).");
        OPTIONS.add(
                "verify-records",
                "0",
                "verify: 0 verifies the lake IngestJob wrote from --events; N > 0 a generated lake"
                        + " of about N decisions instead (incremental-verify's: 31 days, 5 tenants,"
                        + " 4 Snappy files per tenant and day, short records, layout-3 hashes, one"
                        + " chain per tenant), for millions of records without hours of ingest.");
        OPTIONS.add(
                "verify-warm-ups",
                "0",
                "verify, incremental-verify: N > 0 runs each verification (and the DuckDB scan) N"
                        + " times untimed in its JVM before"
                        + " the measured run and counts the measured run's CPU only, as on a"
                        + " long-lived Flink cluster whose TaskManagers have loaded and compiled the"
                        + " job's code in earlier runs; 0 counts the whole fresh JVM.");
        OPTIONS.add(
                "compaction-warm-ups",
                "0",
                "compaction, recompaction: N > 0 first compacts N copies of the same lake untimed"
                        + " in each measurement's JVM (CompactionJob on one session cluster, DuckDB"
                        + " in the same JVM) and counts the measured run's CPU only, as a nightly"
                        + " compaction finds a long-lived Flink cluster; 0 counts the whole fresh"
                        + " JVM (class loading, JIT, the cluster's start).");
        OPTIONS.add(
                "ingest-variants",
                "",
                "Comma-separated IngestJob variants also run in every ingest trial, each reported"
                        + " against the full job: no-chain (--hash-chain false), no-ops"
                        + " (--ops-copy false), two-shuffle (--single-shuffle false, the graph of"
                        + " earlier versions), metrics-branch (--metrics true),"
                        + " metrics-branch-hourly (--metrics true --metrics-granularities 1h,1d),"
                        + " metrics-branch-flink-windows (--metrics true --metrics-held-windows"
                        + " false, the branch's window operators of earlier versions). They price"
                        + " the hash chain, the masked copy, the single shuffle and the live"
                        + " metrics branch with and without its 1-minute windows and held"
                        + " windows.");
        OPTIONS.add("seed", "42", "Seed of the event generator: the same seed, the same bytes.");
        OPTIONS.add("tenants", String.valueOf(EventMix.DEFAULT_TENANTS), "Number of tenants.");
        OPTIONS.add(
                "zipf",
                String.valueOf(EventMix.DEFAULT_ZIPF_EXPONENT),
                "Zipf exponent of the traffic per tenant.");
        OPTIONS.add(
                "malformed",
                String.valueOf(EventMix.DEFAULT_MALFORMED_FRACTION),
                "Fraction of malformed records.");
        OPTIONS.add(
                "duplicates",
                String.valueOf(EventMix.DEFAULT_DUPLICATE_FRACTION),
                "Fraction of exact re-sends of a recent event.");
        OPTIONS.add(
                "out-of-order",
                String.valueOf(EventMix.DEFAULT_OUT_OF_ORDER_FRACTION),
                "Fraction of events with a late timestamp.");
        OPTIONS.add("partitions", "2", "Partitions of the Kafka topic.");
        OPTIONS.add(
                "checkpoint-interval",
                "PT10S",
                "Checkpoint interval of both jobs (ISO-8601). Files commit at checkpoints, and a"
                        + " bounded job ends at the first checkpoint after its input.");
        OPTIONS.add(
                "child-heap",
                "6g",
                "-Xmx of each measured child JVM, job and baseline alike. 6g because MetricsJob's"
                        + " rebuild keeps a Parquet writer open per granularity, tenant, date and"
                        + " subtask (about 2 MB each): at parallelism 2 it fails with 3g.");
        OPTIONS.add("child-timeout", "PT30M", "A child JVM running longer than this is killed.");
        OPTIONS.add(
                "profile",
                "false",
                "true: record each child with Java Flight Recorder and list its hot methods.");
        OPTIONS.add(
                "in-process",
                "false",
                "Smoke tests only: run every measurement in the harness JVM instead of a fresh one."
                        + " Same code, much faster, but shared heap, JIT and CPU counters: the"
                        + " numbers compare nothing.");
        OPTIONS.add("jmh-warmup", "3", "JMH warm-up iterations.");
        OPTIONS.add("jmh-iterations", "5", "JMH measurement iterations.");
        OPTIONS.add("jmh-time", "PT2S", "Duration of one JMH iteration.");
        OPTIONS.add("work", "bench/target/bench-work", "Scratch folder (Kafka data, lakes, logs).");
        OPTIONS.add(
                "results",
                "bench/target/bench-results",
                "Where results (JSON lines, Markdown) go.");
        OPTIONS.add("stack-dir", "deploy/local", "The deploy/local folder (Kafka broker jars).");
        OPTIONS.add(
                "lake-cache",
                "bench/target/bench-lakes",
                "Where prepared lakes are kept between runs, keyed by their parameters: the lake"
                        + " IngestJob writes for metrics-rebuild, compaction and verify, and the"
                        + " point-query lake.");
        OPTIONS.add(
                "query-records",
                "1000000",
                "Decisions in the point-query lake (written directly as compacted Parquet). The"
                        + " published 10 M run: --query-records 10000000.");
        OPTIONS.add("query-tenants", "10", "Tenants of the point-query lake.");
        OPTIONS.add("query-days", "90", "Days (event_date partitions per tenant) of that lake.");
        OPTIONS.add("queries", "20", "Point queries per pass (distinct users and instants).");
        OPTIONS.add(
                "query-passes",
                "3",
                "Passes over the point queries in each JVM: the first is cold-ish, the rest warm.");
        OPTIONS.add(
                "classpath",
                "",
                "Classpath of the child JVMs; empty: this JVM's own (java.class.path).");
    }

    /** The command line of {@code bench/run.sh}; declared after the table it reads. */
    public static final Command<BenchOptions> COMMAND =
            Command.of(
                    "bench",
                    "decision-ledger benchmarks: each job against a baseline measured in the same"
                            + " run, each in a fresh JVM.\n\nUsage: bench/run.sh [options]\n\n",
                    OPTIONS,
                    BenchOptions::read);

    /** The options {@code args} give; a bad command line is an InvalidOptionException. */
    public static BenchOptions parse(String... args) {
        return COMMAND.parse(args);
    }

    private static BenchOptions read(OptionTable.Parsed given) {
        long events = given.longValue("events", 1);
        EventMix mix =
                new EventMix(
                        given.longValue("seed", Long.MIN_VALUE),
                        events,
                        (int) given.longValue("tenants", 1),
                        given.doubleValue("zipf"),
                        given.doubleValue("malformed"),
                        given.doubleValue("duplicates"),
                        given.doubleValue("out-of-order"),
                        EventMix.DEFAULT_START,
                        EventMix.DEFAULT_SPAN);
        String classpath = given.value("classpath");
        return new BenchOptions(
                events,
                parallelisms(given.value("parallelism")),
                (int) given.longValue("repetitions", 1),
                suites(given.value("only")),
                ingestVariants(given.value("ingest-variants")),
                mix,
                (int) given.longValue("partitions", 1),
                given.duration("checkpoint-interval"),
                given.value("child-heap"),
                given.duration("child-timeout"),
                Boolean.parseBoolean(given.value("profile")),
                Boolean.parseBoolean(given.value("in-process")),
                (int) given.longValue("jmh-warmup", 0),
                (int) given.longValue("jmh-iterations", 1),
                given.duration("jmh-time"),
                Path.of(given.value("work")).toAbsolutePath().normalize(),
                Path.of(given.value("results")).toAbsolutePath().normalize(),
                Path.of(given.value("stack-dir")).toAbsolutePath().normalize(),
                Path.of(given.value("lake-cache")).toAbsolutePath().normalize(),
                new QueryLake.Shape(
                        given.longValue("query-records", 1),
                        (int) given.longValue("query-tenants", 1),
                        (int) given.longValue("query-days", 1),
                        given.longValue("seed", Long.MIN_VALUE)),
                (int) given.longValue("queries", 1),
                (int) given.longValue("query-passes", 1),
                classpath.isBlank() ? System.getProperty("java.class.path") : classpath,
                (int) given.longValue("daily-records", 5),
                given.longValue("ingest-events", 1),
                Boolean.parseBoolean(given.value("ingest-profile")),
                given.longValue("verify-records", 0),
                (int) given.longValue("verify-warm-ups", 0),
                (int) given.longValue("compaction-warm-ups", 0));
    }

    public static String help() {
        return COMMAND.help();
    }

    /** The options as {@code name → value} for the results, so every line says what it ran. */
    public Map<String, Object> describe() {
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("events", events);
        d.put("ingest_events", ingestEvents);
        d.put("ingest_profile", ingestProfile);
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
        d.put("in_process", inProcess);
        d.put("query_records", queryLake.records());
        d.put("daily_records", dailyRecords);
        d.put("verify_records", verifyRecords);
        d.put("verify_warm_ups", verifyWarmUps);
        d.put("compaction_warm_ups", compactionWarmUps);
        return d;
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
                    && !measurement.equals(IngestJobMeasurement.NO_OPS)
                    && !measurement.equals(IngestJobMeasurement.TWO_SHUFFLE)
                    && !IngestJobMeasurement.isMetricsBranch(measurement)) {
                throw new IllegalArgumentException(
                        "--ingest-variants takes no-chain, no-ops, two-shuffle, metrics-branch,"
                                + " metrics-branch-hourly and metrics-branch-flink-windows, not '"
                                + v
                                + "'");
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
