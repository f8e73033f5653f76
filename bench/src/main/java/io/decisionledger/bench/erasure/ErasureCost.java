package io.decisionledger.bench.erasure;

import io.decisionledger.bench.lake.BenchDecisions;
import io.decisionledger.bench.lake.LakeFolders;
import io.decisionledger.compaction.CompactionOptions;
import io.decisionledger.compaction.CompactionReport;
import io.decisionledger.compaction.CompactionRunner;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.erasure.ErasureOptions;
import io.decisionledger.erasure.ErasureRunner;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.PartitionPath;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.schema.DecisionRecord;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * What erasing one data subject costs on a lake of a million records, next to a compaction of the
 * same partitions: a lake of layout-3 records with valid content and chain hashes (one chain per
 * tenant), written as the streaming ingest leaves it (several small Snappy files per tenant and
 * day), with one subject's decisions on every day of one tenant; the erasure job (local Flink,
 * parallelism 2) executes the plan; a copy of the lake taken before is compacted for the same
 * tenant's partitions ({@code CompactionJob --tenant T --datasets audit --retention false}). Prints
 * files searched and rewritten and the wall times. Audit only (ops would double both sides).
 *
 * <pre>java -cp … io.decisionledger.bench.erasure.ErasureCost [records] [work dir]</pre>
 */
public final class ErasureCost {

    private static final int TENANTS = 10;
    private static final int DAYS = 30;
    private static final int FILES_PER_PARTITION = 8;
    private static final LocalDate FIRST_DAY = LocalDate.parse("2025-01-01");
    private static final String SUBJECT = "user-subject-0001";

    private ErasureCost() {}

    public static void main(String[] args) throws Exception {
        long records = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
        Path work = args.length > 1 ? Path.of(args[1]) : Files.createTempDirectory("erasure-cost");
        Path lake = work.resolve("lake");
        Path copy = work.resolve("lake-for-compaction");
        LakeFolders.deleteRecursively(lake);
        LakeFolders.deleteRecursively(copy);
        long t0 = System.nanoTime();
        List<String> subjectIds = generate(lake, records);
        System.out.printf(
                "lake: %,d records, %d tenants x %d days x %d files, %.1f MB, made in %.1f s%n",
                records + subjectIds.size(),
                TENANTS,
                DAYS,
                FILES_PER_PARTITION,
                LakeFolders.bytes(lake) / 1e6,
                (System.nanoTime() - t0) / 1e9);
        copyTree(lake, copy);
        String tenant = tenant(0);
        Path plan =
                lake.resolve(
                        "rights/plans/tenant_id=" + tenant + "/request_id=DSR-BENCH/plan-1.json");
        Files.createDirectories(plan.getParent());
        Files.write(
                plan,
                new ErasurePlan(
                                "DSR-BENCH",
                                1,
                                tenant,
                                ErasurePlan.SubjectType.USER,
                                SUBJECT,
                                subjectIds,
                                Instant.now().toString(),
                                "bench")
                        .toJson());

        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        long e0 = System.nanoTime();
        ErasureRunner.Report erased =
                new ErasureRunner(
                                ErasureOptions.parse(
                                        "--lake",
                                        lake.toUri().toString(),
                                        "--plan",
                                        plan.toString(),
                                        "--operator",
                                        "bench"))
                        .run(env, quiet);
        double erasureSeconds = (System.nanoTime() - e0) / 1e9;
        System.out.println(erased.summary());

        StreamExecutionEnvironment env2 = StreamExecutionEnvironment.getExecutionEnvironment();
        env2.setParallelism(2);
        long c0 = System.nanoTime();
        CompactionReport compacted =
                new CompactionRunner(
                                CompactionOptions.parse(
                                        new String[] {
                                            "--lake",
                                            copy.toUri().toString(),
                                            "--tenant",
                                            tenant,
                                            "--datasets",
                                            "audit",
                                            "--retention",
                                            "false",
                                            "--min-age",
                                            "P1D"
                                        }))
                        .run(env2, quiet);
        double compactionSeconds = (System.nanoTime() - c0) / 1e9;
        System.out.println(compacted.summary());
        System.out.printf(
                "RESULT erasure: %,d records erased, %,d of %,d files rewritten (%d partitions"
                        + " searched), %.1f s wall | compaction of the same partitions: %.1f s wall"
                        + " | ratio erasure/compaction %.2f%n",
                erased.receipt().recordsErased(),
                erased.receipt().files().size(),
                erased.filesSearched(),
                erased.partitionsSearched(),
                erasureSeconds,
                compactionSeconds,
                erasureSeconds / compactionSeconds);
    }

    private static String tenant(int t) {
        return String.format("tenant-%02d", t);
    }

    /** Writes the lake; returns the subject's event ids (one per day of tenant 0). */
    private static List<String> generate(Path lake, long records) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<?>> done = new ArrayList<>();
        long perTenant = records / TENANTS;
        for (int t = 0; t < TENANTS; t++) {
            int tenant = t;
            done.add(pool.submit(() -> writeTenant(lake, tenant, perTenant)));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();
        List<String> ids = new ArrayList<>();
        for (int d = 0; d < DAYS; d++) {
            ids.add(String.format("%s-subject-%03d", tenant(0), d));
        }
        return ids;
    }

    private static Void writeTenant(Path lake, int t, long n) throws Exception {
        String tenant = tenant(t);
        SplittableRandom rnd = new SplittableRandom(4711L * (t + 1));
        SecureRandom saltRandom = new SecureRandom();
        BenchDecisions.Chain chain = BenchDecisions.Chain.after(null);
        long perDay = n / DAYS;
        int users = (int) Math.max(10, n / 10);
        byte[] salt = new byte[CanonicalContent.SALT_BYTES];
        for (int d = 0; d < DAYS; d++) {
            Instant dayStart = FIRST_DAY.plusDays(d).atStartOfDay(ZoneOffset.UTC).toInstant();
            List<DecisionRecord> day = new ArrayList<>();
            for (long i = 0; i < perDay + (t == 0 ? 1 : 0); i++) {
                boolean subject = t == 0 && i == perDay / 2;
                String user = subject ? SUBJECT : String.format("user-%08d", rnd.nextInt(users));
                String eventId =
                        subject
                                ? String.format("%s-subject-%03d", tenant, d)
                                : String.format("%s-%03d-%07d", tenant, d, i);
                DecisionRecord r = record(rnd, tenant, user, eventId, dayStart, d, i);
                saltRandom.nextBytes(salt);
                chain.link(r, salt);
                day.add(r);
            }
            int per = (day.size() + FILES_PER_PARTITION - 1) / FILES_PER_PARTITION;
            String partition = PartitionPath.tenantDate(tenant, dayStart);
            for (int f = 0; f < FILES_PER_PARTITION; f++) {
                List<DecisionRecord> part =
                        day.subList(
                                Math.min(day.size(), f * per), Math.min(day.size(), (f + 1) * per));
                if (part.isEmpty()) {
                    continue;
                }
                LakeFiles.writeParquet(
                        new org.apache.flink.core.fs.Path(
                                lake.resolve(
                                                "audit/decisions/"
                                                        + partition
                                                        + "/part-"
                                                        + f
                                                        + ".parquet")
                                        .toUri()),
                        part);
            }
        }
        return null;
    }

    /** A decision with the subject's contact data in the prompt, as erasure must remove it. */
    private static DecisionRecord record(
            SplittableRandom rnd,
            String tenantId,
            String user,
            String eventId,
            Instant dayStart,
            int day,
            long i) {
        Instant eventTime = dayStart.plusNanos(rnd.nextLong(86_400_000_000L) * 1_000);
        DecisionRecord.Builder r =
                BenchDecisions.decision(rnd, tenantId, user, eventId, eventTime, day, i);
        return r.setPrompt(
                        "Assess application "
                                + r.getCaseId()
                                + " of "
                                + user
                                + " (Jane Doe, jane.doe@example.com, +44 20 7946 0123) for"
                                + " 12,500 EUR over 48 months; income 52,000 EUR, two previous"
                                + " loans repaid, employed 6 years.")
                .setContentSha256("0".repeat(64))
                .build();
    }

    private static void copyTree(Path from, Path to) throws Exception {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        }
    }
}
