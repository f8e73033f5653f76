package io.decisionledger.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.decisionledger.chain.ChainEntry;
import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.ChainSharding;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.Command;
import io.decisionledger.options.JobOptions;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import io.decisionledger.retention.RetentionAnchors;
import io.decisionledger.schema.ChainHead;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.api.common.operators.Order;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple3;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;

/**
 * Verifies the audit lake against its hash chains and published heads, trusting nothing but the
 * files: every record's content hash and chain hash must recompute, every chain must run from seq 1
 * without gap or repeat with every prev_hash linking, and end exactly at its latest published head;
 * no event id may be stored twice. A Flink batch job: records are read and re-hashed in parallel
 * across files, then sorted by chain and seq with Flink's external sort (spilling to disk, so a
 * lake larger than memory verifies), and each chain is walked by one subtask, chains in parallel.
 *
 * <p>Exit code 0 when clean, 1 when any violation is found, 2 for bad options. The JSON report
 * lists each violation (kind, tenant, chain shard, seq range, file); stdout gets one summary line.
 */
public final class VerifyJob {

    /** At most this many violations are listed in the report; all are counted. */
    static final int MAX_LISTED = 10_000;

    /**
     * Options: {@code --lake URI [--tenant T] [--report FILE]}; {@link #jobParameters()} is what
     * Flink's web UI shows.
     */
    public record Options(LakeLayout lake, String tenant, java.nio.file.Path report)
            implements JobOptions {

        /** The command line of {@code VerifyJob}. */
        public static final Command<Options> COMMAND =
                Command.of(
                                "verify",
                                "VerifyJob: checks the audit lake's hash chains and published"
                                        + " heads.\n\nUsage: flink run -c"
                                        + " io.decisionledger.verify.VerifyJob"
                                        + " decision-ledger-jobs.jar [options]\n\n",
                                table(),
                                Options::read)
                        .withFooter("\nExit code: 0 clean, 1 violations found, 2 bad options.\n");

        private static OptionTable table() {
            OptionTable t = new OptionTable();
            LakeOptions.declare(
                    t,
                    "Lake root (file:///..., s3://bucket/prefix); point it at a lake whose"
                            + " chain/heads/ is the protected copy.");
            t.add("tenant", "", "Verify one tenant only. Default: every tenant.");
            t.add("report", "verify-report.json", "Where the JSON report goes.");
            return t;
        }

        private static Options read(OptionTable.Parsed given) {
            return new Options(
                    LakeOptions.lake(given),
                    given.optional("tenant"),
                    java.nio.file.Path.of(given.value("report")));
        }

        /** The options {@code args} give; a bad command line is an InvalidOptionException. */
        public static Options parse(String[] args) {
            return COMMAND.parse(args);
        }

        static String help() {
            return COMMAND.help();
        }

        @Override
        public Map<String, String> options() {
            Map<String, String> o = new LinkedHashMap<>(LakeOptions.options(lake));
            if (tenant != null) {
                o.put("tenant", tenant);
            }
            o.put("report", report.toString());
            return o;
        }
    }

    /** What a verification found. */
    public record Report(
            String lake,
            String tenant,
            long files,
            long records,
            long chains,
            long heads,
            long deletedByRetention,
            Map<String, Long> violationsByKind,
            List<Violation> violations,
            double seconds) {

        public boolean clean() {
            return violationsByKind.isEmpty();
        }

        public long violationCount() {
            return violationsByKind.values().stream().mapToLong(Long::longValue).sum();
        }

        public String summary() {
            return clean()
                    ? String.format(
                            "CLEAN: %,d records in %,d chains (%,d files) verified against %,d published heads%s in %.1f s",
                            records,
                            chains,
                            files,
                            heads,
                            deletedByRetention == 0
                                    ? ""
                                    : String.format(
                                            ", %,d deleted positions bridged by retention summaries",
                                            deletedByRetention),
                            seconds)
                    : String.format(
                            "VIOLATIONS: %,d found %s in %,d records, %,d chains (%,d files); see the report",
                            violationCount(), violationsByKind, records, chains, files);
        }
    }

    private VerifyJob() {}

    public static void main(String[] args) throws Exception {
        Options options = Options.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // the options in Flink's web UI
        env.getConfig().setGlobalJobParameters(Configuration.fromMap(options.jobParameters()));
        Report report = run(env, options, System.out);
        writeReport(report, options.report());
        System.out.println(report.summary());
        System.exit(report.clean() ? 0 : 1);
    }

    /**
     * Runs the verification on {@code env} and returns the report; progress goes to {@code log}.
     */
    public static Report run(StreamExecutionEnvironment env, Options options, PrintStream log)
            throws Exception {
        long started = System.nanoTime();
        LakeLayout lake = options.lake();
        Path audit =
                options.tenant() == null
                        ? lake.auditDecisions()
                        : new Path(lake.auditDecisions(), "tenant_id=" + options.tenant());
        List<FileStatus> files = LakeFiles.parquetFiles(audit);
        Map<String, ChainHead> heads = latestHeads(lake, options.tenant());
        RetentionAnchors anchors = RetentionAnchors.load(lake, options.tenant());
        long bytes = files.stream().mapToLong(FileStatus::getLen).sum();
        log.printf(
                "Verifying %,d files (%.1f MB) under %s against %,d published chain heads%s%n",
                files.size(),
                bytes / 1e6,
                audit,
                heads.size(),
                anchors.isEmpty()
                        ? ""
                        : String.format(" and %,d retention anchors", anchors.runs()));

        List<Violation> found = new ArrayList<>();
        Set<String> chainsSeen = new HashSet<>();
        long records = 0;
        long bridged = 0;
        if (!files.isEmpty()) {
            env.setRuntimeMode(RuntimeExecutionMode.BATCH);
            List<String> paths = files.stream().map(f -> f.getPath().toString()).toList();
            DataStream<ChainEntry> entries =
                    env.fromData(paths, Types.STRING)
                            .name("audit-files")
                            .rebalance()
                            .flatMap(new ReadChainEntries())
                            .returns(TypeInformation.of(ChainEntry.class))
                            .name("read-and-rehash");
            DataStream<Violation> chainViolations =
                    entries.keyBy(ChainEntry::chainKey)
                            .fullWindowPartition()
                            .sortPartition(e -> e.seq, Order.ASCENDING)
                            .name("sort-by-chain-and-seq")
                            .transform(
                                    "check-chains",
                                    TypeInformation.of(Violation.class),
                                    new ChainChecker(heads, anchors));
            DataStream<Violation> duplicates =
                    entries.map(e -> Tuple3.of(e.tenantId + "/" + e.eventId, 1L, e.file))
                            .returns(Types.TUPLE(Types.STRING, Types.LONG, Types.STRING))
                            .name("event-ids")
                            .keyBy(t -> t.f0)
                            .reduce((a, b) -> Tuple3.of(a.f0, a.f1 + b.f1, a.f2))
                            .name("count-event-ids")
                            .filter(t -> t.f1 > 1)
                            .map(VerifyJob::duplicate)
                            .returns(TypeInformation.of(Violation.class))
                            .name("duplicate-event-ids");
            try (CloseableIterator<Violation> results =
                    chainViolations.union(duplicates).collectAsync()) {
                JobClient job = env.executeAsync("decision-ledger verify");
                Thread progress = progressReporter(job, files.size(), log);
                try {
                    while (results.hasNext()) {
                        Violation v = results.next();
                        if (ChainChecker.CHAIN_SEEN.equals(v.kind)) {
                            chainsSeen.add(ChainSharding.chainKey(v.tenantId, v.chainShard));
                            bridged += v.seqFrom;
                        } else {
                            found.add(v);
                        }
                    }
                } finally {
                    progress.interrupt();
                }
                records =
                        (Long)
                                job.getJobExecutionResult()
                                        .get()
                                        .getAccumulatorResult(ReadChainEntries.RECORDS_ACCUMULATOR);
            }
        }
        for (Map.Entry<String, ChainHead> head : heads.entrySet()) {
            if (!chainsSeen.contains(head.getKey())) {
                ChainHead h = head.getValue();
                // every record of the chain may have been deleted by retention
                RetentionAnchors.Bridge b =
                        anchors.bridge(head.getKey(), 0, ChainHasher.GENESIS, h.getChainSeq() + 1);
                if (b.brokenAt() == null
                        && b.nextSeq() == h.getChainSeq() + 1
                        && b.hash().equals(h.getHash())) {
                    bridged += b.bridged();
                    continue;
                }
                found.add(
                        Violation.of(
                                ViolationKind.TRUNCATED,
                                h.getTenantId(),
                                h.getChainShard(),
                                1,
                                h.getChainSeq(),
                                null,
                                "a head was published at seq "
                                        + h.getChainSeq()
                                        + " but no record of this chain is left"));
            }
        }
        Map<String, Long> byKind = new TreeMap<>();
        found.forEach(v -> byKind.merge(v.kind, 1L, Long::sum));
        found.sort(
                java.util.Comparator.comparing(
                                (Violation v) -> v.tenantId == null ? "" : v.tenantId)
                        .thenComparingInt(v -> v.chainShard)
                        .thenComparingLong(v -> v.seqFrom)
                        .thenComparing(v -> v.kind));
        List<Violation> listed = found.size() > MAX_LISTED ? found.subList(0, MAX_LISTED) : found;
        double seconds = (System.nanoTime() - started) / 1e9;
        return new Report(
                lake.root(),
                options.tenant(),
                files.size(),
                records,
                chainsSeen.size(),
                heads.size(),
                bridged,
                byKind,
                List.copyOf(listed),
                seconds);
    }

    private static Violation duplicate(Tuple3<String, Long, String> t) {
        String tenant = t.f0.substring(0, t.f0.indexOf('/'));
        String eventId = t.f0.substring(t.f0.indexOf('/') + 1);
        return Violation.of(
                ViolationKind.DUPLICATE_EVENT_ID,
                tenant,
                0,
                -1,
                -1,
                t.f2,
                "event " + eventId + " is stored " + t.f1 + " times");
    }

    /** The latest published head of every chain (highest seq), from {@code chain/heads/}. */
    static Map<String, ChainHead> latestHeads(LakeLayout lake, String tenant) throws IOException {
        Path dir =
                tenant == null
                        ? lake.chainHeads()
                        : new Path(lake.chainHeads(), "tenant_id=" + tenant);
        Map<String, ChainHead> latest = new HashMap<>();
        for (FileStatus f : LakeFiles.parquetFiles(dir)) {
            LakeFiles.forEachRecord(
                    f,
                    ChainHead.class,
                    h ->
                            latest.merge(
                                    ChainSharding.chainKey(h.getTenantId(), h.getChainShard()),
                                    h,
                                    (a, b) -> a.getChainSeq() >= b.getChainSeq() ? a : b));
        }
        return latest;
    }

    private static Thread progressReporter(JobClient job, int totalFiles, PrintStream log) {
        Thread t =
                new Thread(
                        () -> {
                            try {
                                while (!Thread.currentThread().isInterrupted()) {
                                    Thread.sleep(5_000);
                                    Map<String, Object> acc = job.getAccumulators().get();
                                    log.printf(
                                            "  ... %s of %,d files read, %s records re-hashed%n",
                                            acc.getOrDefault(ReadChainEntries.FILES_ACCUMULATOR, 0),
                                            totalFiles,
                                            acc.getOrDefault(
                                                    ReadChainEntries.RECORDS_ACCUMULATOR, 0));
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } catch (Exception e) {
                                // Progress is a courtesy: a failed poll must not fail verification.
                                log.println(
                                        "  (progress unavailable: "
                                                + e.getClass().getSimpleName()
                                                + ")");
                            }
                        },
                        "verify-progress");
        t.setDaemon(true);
        t.start();
        return t;
    }

    public static void writeReport(Report report, java.nio.file.Path file) throws IOException {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("result", report.clean() ? "CLEAN" : "VIOLATIONS");
        json.put("lake", report.lake());
        json.put("tenant", report.tenant());
        json.put("files", report.files());
        json.put("records", report.records());
        json.put("chains", report.chains());
        json.put("heads", report.heads());
        json.put("deletedByRetention", report.deletedByRetention());
        json.put("violationCount", report.violationCount());
        json.put("violationsByKind", report.violationsByKind());
        json.put("violationsListed", report.violations().size());
        json.put("violations", report.violations());
        json.put("seconds", Math.round(report.seconds() * 10) / 10.0);
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(file.toFile(), json);
    }
}
