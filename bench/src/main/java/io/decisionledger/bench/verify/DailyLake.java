package io.decisionledger.bench.verify;

import io.decisionledger.bench.lake.BenchDecisions;
import io.decisionledger.bench.lake.IngestedLake;
import io.decisionledger.bench.lake.LakeFolders;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.PartitionPath;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.verify.VerifyJob;
import io.decisionledger.verify.VerifyReport;
import io.decisionledger.verify.VerifyRunner;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The incremental-verify benchmark's lake: {@code days} days of decisions of a few tenants, each
 * tenant one hash chain, written as the streaming ingest leaves them (several small Snappy files
 * per tenant and day, layout-3 content hashes, chained in event-time order, one published head per
 * tenant and day), plus the verify state of a clean run over the first {@code days - 1} days. So
 * the last day is "what arrived since": the incremental run of day {@code days} reads it alone, the
 * full run reads everything. Records are short (one-line prompt and response, no documents), to
 * make a month of them in a minute. Cached under the lake cache by its shape.
 */
public final class DailyLake {

    static final LocalDate FIRST_DAY = LocalDate.parse("2025-01-01");

    /** {@code recordsPerDay} decisions a day over {@code tenants}, {@code filesPerDay} each. */
    public record Shape(int days, int tenants, int recordsPerDay, int filesPerDay, long seed) {}

    /**
     * A ready lake.
     *
     * @param state the verify-state folder after day {@code days - 1} (copy it before a run: an
     *     incremental run writes the next state beside it)
     * @param lastDayRecords records of the last day
     */
    public record Facts(Path root, Path state, long records, long lastDayRecords, long bytes) {}

    private DailyLake() {}

    public static Facts ensure(Path cacheDir, Shape shape) throws Exception {
        return ensure(cacheDir, shape, true);
    }

    /**
     * As {@link #ensure(Path, Shape)}; without {@code withState} no verify state is made (the
     * verify scenario's lake: no verify run while preparing) and {@link Facts#state()} is absent.
     */
    public static Facts ensure(Path cacheDir, Shape shape, boolean withState) throws Exception {
        Path root =
                cacheDir.resolve(
                        String.format(
                                "daily-d%d-t%d-r%d-f%d-s%d-%s",
                                shape.days(),
                                shape.tenants(),
                                shape.recordsPerDay(),
                                shape.filesPerDay(),
                                shape.seed(),
                                IngestedLake.key(
                                        withState ? "daily-lake-v1" : "daily-lake-nostate-v1")));
        Map<String, Object> f = LakeFolders.readFacts(root);
        if (f == null) {
            make(cacheDir, root, shape, withState);
            f = LakeFolders.readFacts(root);
        }
        return new Facts(
                root.resolve("lake"),
                root.resolve("state"),
                ((Number) f.get("records")).longValue(),
                ((Number) f.get("last_day_records")).longValue(),
                ((Number) f.get("bytes")).longValue());
    }

    private static void make(Path cacheDir, Path root, Shape shape, boolean withState)
            throws Exception {
        // made in place (the state names the lake's root); the facts file, written last, marks it
        // complete
        Path scratch = root;
        LakeFolders.deleteRecursively(scratch);
        Path lake = scratch.resolve("lake");
        long start = System.nanoTime();
        List<DecisionRecord> tails = new ArrayList<>();
        for (int t = 0; t < shape.tenants(); t++) {
            tails.add(null);
        }
        long records = 0;
        long lastDay = 0;
        for (int day = 0; day < shape.days(); day++) {
            if (withState && day == shape.days() - 1) {
                // the state of a clean run over the first days - 1 days, as last night's run left
                // it
                VerifyReport r =
                        new VerifyRunner(
                                        VerifyJob.Options.parse(
                                                new String[] {
                                                    "--lake",
                                                    lake.toUri().toString(),
                                                    "--report",
                                                    scratch.resolve("state-report.json").toString(),
                                                    "--state",
                                                    scratch.resolve("state").toUri().toString()
                                                }))
                                .run(
                                        StreamExecutionEnvironment.getExecutionEnvironment(),
                                        System.out);
                if (!r.clean() || r.records() != records) {
                    throw new IllegalStateException(
                            "the generated lake does not verify clean: " + r.summary());
                }
            }
            for (int t = 0; t < shape.tenants(); t++) {
                long n = writeDay(lake, shape, day, t, tails);
                records += n;
                if (day == shape.days() - 1) {
                    lastDay += n;
                }
            }
        }
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("records", records);
        f.put("last_day_records", lastDay);
        f.put("bytes", LakeFolders.bytes(lake.resolve("audit/decisions")));
        f.put("seconds", (System.nanoTime() - start) / 1e9);
        f.put("shape", shape.toString());
        LakeFolders.writeFacts(scratch, f);
    }

    /** One tenant's day: its records chained on from yesterday's tail, its head published. */
    private static long writeDay(
            Path lake, Shape shape, int day, int tenant, List<DecisionRecord> tails)
            throws Exception {
        SplittableRandom rnd =
                new SplittableRandom(shape.seed() * 1_000_003L + day * 1_009L + tenant);
        String tenantId = String.format("tenant-%02d", tenant);
        Instant dayStart = FIRST_DAY.plusDays(day).atStartOfDay(ZoneOffset.UTC).toInstant();
        int n = Math.max(1, shape.recordsPerDay() / shape.tenants());
        long[] offsets = new long[n];
        for (int i = 0; i < n; i++) {
            offsets[i] = rnd.nextLong(86_400_000_000L);
        }
        java.util.Arrays.sort(offsets);
        BenchDecisions.Chain chain = BenchDecisions.Chain.after(tails.get(tenant));
        DecisionRecord prev = null;
        List<List<DecisionRecord>> files = new ArrayList<>();
        for (int f = 0; f < shape.filesPerDay(); f++) {
            files.add(new ArrayList<>());
        }
        for (int i = 0; i < n; i++) {
            String user = String.format("user-%06d", rnd.nextInt(100_000));
            DecisionRecord r =
                    BenchDecisions.decision(
                                    rnd,
                                    tenantId,
                                    user,
                                    String.format("%s-%03d-%07d", tenantId, day, i),
                                    dayStart.plusNanos(offsets[i] * 1_000),
                                    day,
                                    i)
                            .build();
            byte[] salt = new byte[CanonicalContent.SALT_BYTES];
            for (int b = 0; b < salt.length; b++) {
                salt[b] = (byte) rnd.nextInt(256);
            }
            chain.link(r, salt);
            // consecutive runs of the chain per file, as checkpoints cut the stream
            files.get((int) ((long) i * shape.filesPerDay() / n)).add(r);
            prev = r;
        }
        tails.set(tenant, prev);
        Path dir =
                lake.resolve("audit/decisions")
                        .resolve(PartitionPath.tenantDate(tenantId, dayStart));
        for (int f = 0; f < files.size(); f++) {
            if (!files.get(f).isEmpty()) {
                LakeFiles.writeParquet(
                        new org.apache.flink.core.fs.Path(
                                dir.resolve("part-" + day + "-" + f + ".parquet").toUri()),
                        files.get(f));
            }
        }
        ChainHead head =
                ChainHead.newBuilder()
                        .setTenantId(tenantId)
                        .setChainShard(0)
                        .setChainSeq(prev.getChainSeq())
                        .setHash(prev.getHash())
                        .setEventId(prev.getEventId())
                        .setPublishedAt(dayStart.plusSeconds(86_399))
                        .build();
        LakeFiles.writeParquet(
                new org.apache.flink.core.fs.Path(
                        lake.resolve("chain/heads/tenant_id=" + tenantId)
                                .resolve("head_date=" + FIRST_DAY.plusDays(day))
                                .resolve("heads-" + day + ".parquet")
                                .toUri()),
                List.of(head));
        return n;
    }
}
