package io.decisionledger.bench.query;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The point queries both measurements answer, and how their latencies are summarised. A query is
 * "the decision about user U of tenant T as of instant A", with A in the last two thirds of the
 * lake's days (so most users have an earlier decision). The first pass over the queries runs in a
 * fresh JVM (cold-ish: nothing loaded or JIT-compiled, though the files may be in the OS page
 * cache); the passes after it repeat the same queries warm.
 */
public final class PointQueries {

    /** One lookup. */
    public record Query(String tenant, String user, Instant at) {

        LocalDate date() {
            return LocalDate.ofInstant(at, ZoneOffset.UTC);
        }

        String line() {
            return tenant + "\t" + user + "\t" + at;
        }

        static Query parse(String line) {
            String[] f = line.split("\t");
            return new Query(f[0], f[1], Instant.parse(f[2]));
        }
    }

    private PointQueries() {}

    public static List<Query> pick(QueryLake.Shape shape, int count) {
        SplittableRandom rnd = new SplittableRandom(shape.seed() + 7);
        List<Query> queries = new ArrayList<>();
        int firstDay = shape.days() / 3;
        for (int i = 0; i < count; i++) {
            int day = firstDay + rnd.nextInt(shape.days() - firstDay);
            queries.add(
                    new Query(
                            QueryLake.Shape.tenant(rnd.nextInt(shape.tenants())),
                            QueryLake.Shape.user(rnd.nextInt(shape.usersPerTenant())),
                            QueryLake.Shape.dayStart(day)
                                    .plusSeconds(rnd.nextLong(86_400))
                                    .plusNanos(rnd.nextInt(1_000_000) * 1_000L)));
        }
        return queries;
    }

    public static void write(List<Query> queries, Path file) throws IOException {
        Files.write(file, queries.stream().map(Query::line).toList());
    }

    public static List<Query> read(Path file) throws IOException {
        return Files.readAllLines(file).stream()
                .filter(l -> !l.isBlank())
                .map(Query::parse)
                .toList();
    }

    /** Answers one query: the event id found, or null. */
    @FunctionalInterface
    public interface Lookup {
        String decisionAt(Query q) throws Exception;
    }

    /**
     * Runs {@code passes} passes over the queries and returns the latency summary; the first pass's
     * answers go to {@code answers} (event id or {@code -}, one line per query).
     */
    public static Map<String, Object> run(
            List<Query> queries, int passes, Lookup lookup, Path answers) throws Exception {
        double[] cold = new double[queries.size()];
        double[] warm = new double[queries.size() * (passes - 1)];
        List<String> found = new ArrayList<>();
        for (int pass = 0; pass < passes; pass++) {
            for (int i = 0; i < queries.size(); i++) {
                long start = System.nanoTime();
                String id = lookup.decisionAt(queries.get(i));
                double ms = (System.nanoTime() - start) / 1e6;
                if (pass == 0) {
                    cold[i] = ms;
                    found.add(id == null ? "-" : id);
                } else {
                    warm[(pass - 1) * queries.size() + i] = ms;
                }
            }
        }
        Files.write(answers, found);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("queries", queries.size());
        m.put("passes", passes);
        m.put("answered", found.stream().filter(f -> !f.equals("-")).count());
        m.put("first_query_ms", cold[0]);
        // each query of the first pass, in order: where a cold p95 comes from
        m.put(
                "cold_ms",
                Arrays.stream(cold).map(ms -> Math.round(ms * 10) / 10.0).boxed().toList());
        m.put("p50_cold_ms", percentile(cold, 50));
        m.put("p95_cold_ms", percentile(cold, 95));
        m.put("p50_warm_ms", warm.length == 0 ? null : percentile(warm, 50));
        m.put("p95_warm_ms", warm.length == 0 ? null : percentile(warm, 95));
        m.put("max_warm_ms", warm.length == 0 ? null : percentile(warm, 100));
        return m;
    }

    /** Nearest-rank percentile. */
    static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
