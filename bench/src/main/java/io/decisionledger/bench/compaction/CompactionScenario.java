package io.decisionledger.bench.compaction;

import io.decisionledger.bench.MeasurementMain;
import io.decisionledger.bench.Parameters;
import io.decisionledger.bench.Scenario;
import io.decisionledger.bench.ingest.LocalFlink;
import io.decisionledger.bench.ingest.ParquetRowCounter;
import io.decisionledger.bench.lake.IngestedLake;
import io.decisionledger.bench.lake.LakeFolders;
import io.decisionledger.compaction.CompactionOptions;
import io.decisionledger.compaction.CompactionRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Compaction: the audit decisions of a lake as the streaming ingest leaves it ({@link
 * IngestedLake}: many small Snappy files per tenant × date), merged into one sorted ZSTD file per
 * partition by {@code CompactionJob} and by DuckDB. Each run gets its own copy of the small files
 * (hard links, made before the child starts). Throughput is over the small files: their rows and
 * their bytes on disk. Afterwards the partitions must hold exactly the input's rows, in compacted
 * files only. Warm ({@code --compaction-warm-ups N}): each measurement first compacts N copies of
 * the same input in its JVM, untimed.
 */
public final class CompactionScenario implements Scenario {

    public static final String NAME = "compaction";

    /**
     * Re-compaction: the same rows, gathered into one partition per tenant, already compacted into
     * about {@value #RECOMPACT_FILES} large sorted files ({@code compacted-prep-<n>.parquet},
     * written by {@code CompactionJob} with a small target) plus one small part file that arrived
     * later, merged into one file per partition. Here the per-byte cost shows; the plain scenario's
     * input is dominated by the per-file overhead of many tiny files.
     */
    public static final String RECOMPACTION = "recompaction";

    static final int RECOMPACT_FILES = 4;

    private final IngestedLake.Source source;
    private final boolean recompaction;
    private final int warmUps;
    private IngestedLake.Facts lake;
    private Path input;
    private long partitions;

    public CompactionScenario(IngestedLake.Source source) {
        this(source, false, 0);
    }

    /**
     * @param warmUps copies of the lake each measurement compacts untimed first ({@code
     *     --compaction-warm-ups}); 0: a cold measurement
     */
    public CompactionScenario(IngestedLake.Source source, boolean recompaction, int warmUps) {
        this.source = source;
        this.recompaction = recompaction;
        this.warmUps = warmUps;
    }

    /** Where warm-up {@code round} of a measurement finds its own copy of the lake. */
    static Path warmUpLake(Map<String, String> p, int round) {
        return Parameters.path(p, "lake").resolveSibling("warm-up-" + round + "-lake");
    }

    @Override
    public String name() {
        return recompaction ? RECOMPACTION : NAME;
    }

    @Override
    public String candidate() {
        return CompactionJobMeasurement.NAME;
    }

    @Override
    public String baseline() {
        return DuckDbCompactionMeasurement.NAME;
    }

    @Override
    public Map<String, Object> prepare(Path workDir) throws Exception {
        lake = source.ensure();
        input = lake.root();
        partitions = lake.partitions();
        if (!recompaction) {
            return lake.inputFacts();
        }
        input = workDir.resolve("compacted-lake");
        Path audit = input.resolve("audit/decisions");
        if (!Files.isDirectory(audit)) {
            compactInto(input, workDir.resolve("held-out"));
        }
        partitions = LakeFolders.partitions(audit).size();
        Map<String, Object> facts = new LinkedHashMap<>(lake.inputFacts());
        facts.put("partitions", partitions);
        long bytes = LakeFolders.bytes(audit);
        long compacted;
        long files;
        try (Stream<Path> walk = Files.walk(audit)) {
            List<String> names =
                    walk.filter(Files::isRegularFile)
                            .map(f -> f.getFileName().toString())
                            .filter(n -> n.endsWith(".parquet") && !n.startsWith("."))
                            .toList();
            files = names.size();
            compacted = names.stream().filter(n -> n.startsWith("compacted-")).count();
        }
        if (files - compacted != partitions) {
            throw new IllegalStateException(
                    "the re-compaction lake must hold one late part file per partition beside its"
                            + " compacted files, so that every partition is due: "
                            + partitions
                            + " partitions, "
                            + files
                            + " files of which "
                            + compacted
                            + " compacted (delete "
                            + input
                            + " to make it again)");
        }
        facts.put("bytes", bytes);
        facts.put("event_bytes_avg", (double) bytes / lake.auditRows());
        facts.put("input_files", files);
        facts.put("input_compacted_files", compacted);
        return facts;
    }

    /**
     * The lake of large compacted files: the ingested lake's audit rows, one partition per tenant
     * (its first date's), each but its first part file compacted into about {@value
     * #RECOMPACT_FILES} files, then that part file put back (a late arrival, which makes the
     * partition due again).
     */
    private void compactInto(Path target, Path heldOut) throws Exception {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        LakeFolders.deleteRecursively(tmp);
        LakeFolders.deleteRecursively(heldOut);
        LakeFolders.hardLinkCopy(lake.root(), tmp, "audit/decisions");
        Path audit = tmp.resolve("audit/decisions");
        // Large partitions: each tenant's part files moved into its first date's partition (the
        // bench lake's tenant × date partitions are a few hundred KB each).
        long largest = 0;
        for (Path tenant : tenants(audit)) {
            List<Path> dates = dates(tenant);
            Path into = dates.get(0);
            for (Path date : dates.subList(1, dates.size())) {
                try (Stream<Path> files = Files.list(date)) {
                    for (Path f : files.toList()) {
                        Files.move(f, into.resolve(date.getFileName() + "-" + f.getFileName()));
                    }
                }
                Files.delete(date);
            }
            largest = Math.max(largest, LakeFolders.bytes(into));
        }
        // each partition's first part file is held out of the compaction and put back after it
        List<Path[]> moved = new ArrayList<>();
        for (Path tenant : tenants(audit)) {
            Path into = dates(tenant).get(0);
            Path late;
            try (Stream<Path> files = Files.list(into)) {
                late =
                        files.filter(f -> f.getFileName().toString().endsWith(".parquet"))
                                .filter(f -> !f.getFileName().toString().startsWith("."))
                                .sorted()
                                .findFirst()
                                .orElseThrow(
                                        () -> new IllegalStateException("no part file in " + into));
            }
            Path held = heldOut.resolve(audit.relativize(late));
            Files.createDirectories(held.getParent());
            Files.move(late, held);
            moved.add(new Path[] {held, late});
        }
        // merged files are about 6x smaller than the small Snappy files
        long perFile = Math.max(64 * 1024, largest / 6 / RECOMPACT_FILES);
        CompactionOptions options =
                CompactionOptions.parse(
                        new String[] {
                            "--lake",
                            tmp.toUri().toString(),
                            "--datasets",
                            "audit",
                            "--min-age",
                            "P1D",
                            "--run-id",
                            "prep",
                            "--no-legal-holds",
                            "--target-file-bytes",
                            String.valueOf(perFile)
                        });
        new CompactionRunner(options).run(LocalFlink.batchEnvironment(2), System.out);
        for (Path[] m : moved) {
            Files.createDirectories(m[1].getParent());
            Files.move(m[0], m[1]);
        }
        Files.move(tmp, target);
    }

    private static List<Path> tenants(Path audit) throws IOException {
        try (Stream<Path> d = Files.list(audit)) {
            return d.filter(Files::isDirectory).sorted().toList();
        }
    }

    private static List<Path> dates(Path tenant) throws IOException {
        try (Stream<Path> d = Files.list(tenant)) {
            return d.filter(Files::isDirectory).sorted().toList();
        }
    }

    @Override
    public Map<String, String> parameters(String measurement, int parallelism, Path runDir) {
        LakeFolders.hardLinkCopy(input, runDir.resolve("lake"), "audit/decisions");
        Map<String, String> p = new LinkedHashMap<>();
        p.put("parallelism", String.valueOf(parallelism));
        p.put("lake", runDir.resolve("lake").toString());
        if (warmUps > 0) {
            p.put(MeasurementMain.WARM_UPS, String.valueOf(warmUps));
            for (int round = 1; round <= warmUps; round++) {
                LakeFolders.hardLinkCopy(input, warmUpLake(p, round), "audit/decisions");
            }
        }
        return p;
    }

    @Override
    public Map<String, Object> inspect(String measurement, Path runDir) {
        Path audit = runDir.resolve("lake/audit");
        ParquetRowCounter.Committed out = ParquetRowCounter.count(audit);
        long leftOver;
        try (Stream<Path> walk = Files.walk(audit)) {
            leftOver =
                    walk.filter(Files::isRegularFile)
                            .map(f -> f.getFileName().toString())
                            .filter(n -> !n.startsWith(".") && !n.startsWith("compacted-"))
                            .count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("rows_out", out.rows());
        facts.put("files_out", out.files());
        facts.put("parquet_mb_out", out.bytes() / 1e6);
        facts.put("uncompacted_files_left", leftOver);
        facts.put(
                "output_ok",
                out.rows() == lake.auditRows() && leftOver == 0 && out.files() >= partitions);
        LakeFolders.deleteRecursively(runDir.resolve("lake"));
        for (int round = 1; round <= warmUps; round++) {
            LakeFolders.deleteRecursively(runDir.resolve("warm-up-" + round + "-lake"));
        }
        return facts;
    }

    @Override
    public void close() {}
}
