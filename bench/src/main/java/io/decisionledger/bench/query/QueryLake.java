package io.decisionledger.bench.query;

import io.decisionledger.bench.lake.BenchDecisions;
import io.decisionledger.bench.lake.IngestedLake;
import io.decisionledger.bench.lake.LakeFolders;
import io.decisionledger.compaction.CompactionOptions;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.lake.PartitionPath;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.schema.DecisionRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;

/**
 * The point-query benchmark's lake: millions of decisions written straight to Parquet (no Kafka, no
 * ingest: ten million records through the streaming job would take hours here), laid out as a
 * compacted audit lake. {@code audit/decisions/tenant_id=T/event_date=D/}, one file per partition
 * sorted by user id and event time, written with the jobs' own {@code DecisionRecord} schema and
 * {@link ParquetFormats#compactedWriter} with compaction's defaults (ZSTD, 128 MiB row groups,
 * bloom filters on {@link Dataset#AUDIT}'s columns), as {@code CompactionJob} leaves a partition.
 *
 * <p>Records are small: one-line prompt, response and reasoning, no documents or history (about 100
 * bytes of text instead of 2 KB), to keep ten million within minutes and a gigabyte. A point query
 * reads footers, bloom filters and the user id and time columns, then one row group; longer free
 * text would mostly make that one row group larger. Each tenant has {@code records / tenants / 10}
 * users, so a user has about ten decisions spread over the days. Cached under the lake cache by its
 * parameters; reruns reuse it.
 */
public final class QueryLake {

    static final LocalDate FIRST_DAY = LocalDate.parse("2025-01-01");
    private static final String[] VERSIONS = {
        "gpt-4o-2024-05-13", "gpt-4o-2024-08-06", "claude-3-5-sonnet-20241022"
    };

    /** The lake's shape: {@code records} decisions over {@code tenants} × {@code days}. */
    public record Shape(long records, int tenants, int days, long seed) {

        public Shape {
            if (records < (long) tenants * days || tenants < 1 || days < 1) {
                throw new IllegalArgumentException(
                        "a query lake needs at least one record per tenant and day");
            }
        }

        public int usersPerTenant() {
            return (int) Math.max(10, records / tenants / 10);
        }

        static String tenant(int t) {
            return String.format("tenant-%02d", t);
        }

        static String user(int u) {
            return String.format("user-%08d", u);
        }

        static Instant dayStart(int day) {
            return FIRST_DAY.plusDays(day).atStartOfDay(ZoneOffset.UTC).toInstant();
        }
    }

    /** A ready lake: where it is and how large. */
    public record Facts(Path root, long records, long files, long bytes, double seconds) {}

    private QueryLake() {}

    public static Facts ensure(Path cacheDir, Shape shape) throws Exception {
        Path root =
                cacheDir.resolve(
                        String.format(
                                "query-%d-t%d-d%d-s%d-%s",
                                shape.records(),
                                shape.tenants(),
                                shape.days(),
                                shape.seed(),
                                IngestedLake.key("query-lake-v3")));
        Map<String, Object> made = LakeFolders.readFacts(root);
        if (made != null) {
            Map<String, Object> f = made;
            return new Facts(
                    root,
                    ((Number) f.get("records")).longValue(),
                    ((Number) f.get("files")).longValue(),
                    ((Number) f.get("bytes")).longValue(),
                    0);
        }
        Path scratch = cacheDir.resolve(root.getFileName() + ".making");
        LakeFolders.deleteRecursively(scratch);
        long start = System.nanoTime();
        int partitions = shape.tenants() * shape.days();
        ExecutorService pool =
                Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
        try {
            List<Future<Long>> written = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                int index = i;
                written.add(pool.submit(() -> writePartition(scratch, shape, index, partitions)));
            }
            long records = 0;
            for (Future<Long> f : written) {
                records += f.get();
            }
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("records", records);
            f.put("files", partitions);
            f.put("bytes", LakeFolders.bytes(scratch));
            f.put("seconds", (System.nanoTime() - start) / 1e9);
            f.put("shape", shape.toString());
            LakeFolders.writeFacts(scratch, f);
            LakeFolders.deleteRecursively(root);
            Files.move(scratch, root, StandardCopyOption.ATOMIC_MOVE);
            return new Facts(
                    root,
                    records,
                    partitions,
                    ((Number) f.get("bytes")).longValue(),
                    (System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    @SuppressWarnings("unchecked")
    private static long writePartition(Path lake, Shape shape, int index, int partitions)
            throws Exception {
        int tenant = index / shape.days();
        int day = index % shape.days();
        long n = shape.records() / partitions + (index < shape.records() % partitions ? 1 : 0);
        SplittableRandom rnd = new SplittableRandom(shape.seed() * 1_000_003L + index);
        String tenantId = Shape.tenant(tenant);
        Instant dayStart = Shape.dayStart(day);
        List<DecisionRecord> records = new ArrayList<>((int) n);
        for (int i = 0; i < n; i++) {
            records.add(record(rnd, shape, tenantId, dayStart, day, i));
        }
        records.sort((Comparator<DecisionRecord>) (Comparator<?>) Dataset.AUDIT.order());
        Path dir =
                lake.resolve("audit/decisions")
                        .resolve(PartitionPath.tenantDate(tenantId, dayStart));
        Files.createDirectories(dir);
        ParquetSettings settings =
                new ParquetSettings(
                        "ZSTD",
                        CompactionOptions.DEFAULT_ROW_GROUP_BYTES,
                        ParquetSettings.DEFAULT_PAGE_BYTES);
        try (ParquetWriter<DecisionRecord> writer =
                ParquetFormats.compactedWriter(
                        DecisionRecord.class,
                        new LocalOutputFile(dir.resolve("compacted-benchgen-0.parquet")),
                        settings,
                        Dataset.AUDIT.bloomColumns(),
                        n)) {
            for (DecisionRecord r : records) {
                writer.write(r);
            }
        }
        return n;
    }

    private static DecisionRecord record(
            SplittableRandom rnd, Shape shape, String tenantId, Instant dayStart, int day, int i) {
        String user = Shape.user(rnd.nextInt(shape.usersPerTenant()));
        Instant eventTime = dayStart.plusNanos(rnd.nextLong(86_400_000_000L) * 1_000);
        String eventId = String.format("%s-%03d-%07d", tenantId, day, i);
        String version = VERSIONS[i % VERSIONS.length];
        return BenchDecisions.decision(rnd, tenantId, user, eventId, eventTime, day, i)
                .setModel(version.startsWith("gpt") ? "gpt-4o" : "claude")
                .setModelVersion(version)
                .setContentSha256(
                        String.format(
                                "%016x%016x%016x%016x",
                                rnd.nextLong(), rnd.nextLong(), rnd.nextLong(), rnd.nextLong()))
                .build();
    }
}
