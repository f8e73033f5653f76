package io.decisionledger.verify;

import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.TrustedKeys;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.monitoring.ProgressLog;
import io.decisionledger.monitoring.RunMetrics;
import io.decisionledger.monitoring.RunMetricsPublisher;
import io.decisionledger.retention.RetentionAnchors;
import io.decisionledger.rewrite.CommittedFiles;
import io.decisionledger.schema.ChainHead;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.EitherTypeInfo;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.types.Either;
import org.apache.flink.util.CloseableIterator;

/**
 * The client side of a verification: lists the audit and quarantine files, reads the published
 * heads (decision and quarantine chains) and the retention anchors, runs the {@link
 * VerifyPipeline}, collects its violations and chain statistics (printing progress every few
 * seconds), adds the heads whose chain has no record left, and makes the {@link VerifyReport}. For
 * {@code main} it also writes the JSON report, prints the summary and gives the exit code: 0 clean,
 * 1 violations found.
 */
public final class VerifyRunner {

    /** At most this many violations are listed in the report; all are counted. */
    static final int MAX_LISTED = 10_000;

    private final VerifyJob.Options options;

    public VerifyRunner(VerifyJob.Options options) {
        this.options = options;
    }

    /** Runs, writes the JSON report, prints the summary; returns the exit code. */
    public int runAndReport(StreamExecutionEnvironment env, PrintStream out) throws Exception {
        return runAndReport(env, out, RunMetricsPublisher.Target.none());
    }

    /** As above, and publishes the run's metrics to {@code monitoring} ({@link #runMetrics}). */
    public int runAndReport(
            StreamExecutionEnvironment env, PrintStream out, RunMetricsPublisher.Target monitoring)
            throws Exception {
        RunMetricsPublisher publisher = new RunMetricsPublisher(monitoring);
        long started = System.nanoTime();
        VerifyReport report;
        try {
            report = run(env, out);
        } catch (Exception e) {
            publisher.publish(
                    RunMetrics.of(
                            RUN,
                            1,
                            (System.nanoTime() - started) / 1e9,
                            System.currentTimeMillis()),
                    out);
            throw e;
        }
        report.writeTo(options.report());
        out.println(report.summary());
        int code = report.clean() ? 0 : 1;
        publisher.publish(runMetrics(report, code, System.currentTimeMillis()), out);
        return code;
    }

    /** The {@code run} label of its metrics. */
    public static final String RUN = "verify";

    /**
     * What a finished verification reports to monitoring: the common run gauges, what it checked,
     * and its violations by kind (every kind, 0 when absent, so a series exists before the first
     * violation does).
     */
    public static RunMetrics runMetrics(VerifyReport report, int exitCode, long endedAtMillis) {
        RunMetrics m = RunMetrics.of(RUN, exitCode, report.seconds(), endedAtMillis);
        m.gauge(RunMetrics.BYTES_READ, "Bytes of lake files the run read.", report.bytesRead())
                .gauge(
                        RunMetrics.RECORDS,
                        "Records the run read.",
                        report.records() + report.quarantine().records())
                .gauge(
                        "decision_ledger_verify_files",
                        "Lake files the verification read.",
                        report.files() + report.quarantine().files())
                .gauge("decision_ledger_verify_chains", "Hash chains verified.", report.chains())
                .gauge(
                        "decision_ledger_verify_heads",
                        "Published chain heads the chains were checked against.",
                        report.heads())
                .gauge(
                        "decision_ledger_verify_violations",
                        "Violations found (all kinds; the report file lists them).",
                        report.violationCount());
        for (ViolationKind kind : ViolationKind.values()) {
            m.gauge(
                    "decision_ledger_verify_violations_by_kind",
                    "Violations found, by kind.",
                    Map.of("kind", kind.name()),
                    report.violationsByKind().getOrDefault(kind.name(), 0L));
        }
        return m;
    }

    /**
     * Runs the verification on {@code env} and returns the report; progress goes to {@code log}.
     */
    public VerifyReport run(StreamExecutionEnvironment env, PrintStream log) throws Exception {
        long started = System.nanoTime();
        LakeLayout lake = options.lake();
        Path audit =
                options.tenant() == null
                        ? lake.auditDecisions()
                        : new Path(lake.auditDecisions(), "tenant_id=" + options.tenant());
        // a partition mid-swap (compaction, erasure) lists its merged files and their sources:
        // its swap manifest says which to read, so no row is read twice
        CommittedFiles.Listing auditListing =
                CommittedFiles.parquetFiles(new Path(lake.root()), audit);
        List<FileStatus> files = auditListing.files();
        TrustedKeys keys =
                options.trustedKeys() == null ? null : TrustedKeys.load(options.trustedKeys());
        List<Violation> found = new ArrayList<>();
        VerifyJob.Options.StateOptions stateOptions = options.state();
        Path stateDir = stateOptions.used() ? stateOptions.folder(lake) : null;
        VerifyStates.Loaded loaded =
                stateDir == null
                        ? new VerifyStates.Loaded(null, 0, null, List.of())
                        : VerifyStates.load(stateDir, lake.root(), keys);
        if (stateOptions.incremental()) {
            found.addAll(loaded.problems());
        } else {
            // --refresh-state relies on nothing in the old state: it only names its hash
            loaded.problems()
                    .forEach(
                            p ->
                                    log.printf(
                                            "  (the newest verify state fails its checks: %s %s;"
                                                    + " this full run starts the next one)%n",
                                            p.kind, p.detail));
        }
        VerifyState state = stateOptions.incremental() ? loaded.state() : null;
        SignedAttestations.Heads signedHeads =
                options.tenant() == null
                        ? SignedAttestations.heads(
                                lake.chainHeads(), keys, wanted(state, Violation.AUDIT))
                        : SignedAttestations.heads(lake, options.tenant(), keys);
        Map<String, ChainHead> heads = signedHeads.latest();
        found.addAll(signedHeads.violations());
        RetentionAnchors anchors = SignedAttestations.anchors(lake, options.tenant(), keys, found);
        found.addAll(SignedAttestations.summaries(lake, options.tenant(), keys));
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
        if (keys != null) {
            log.printf(
                    "Checking signatures of heads, summaries and anchors against %d trusted keys"
                            + " %s from %s%n",
                    keys.keyIds().size(), keys.keyIds(), options.trustedKeys());
        }
        // The quarantine is not partitioned by tenant: it is checked in a whole-lake run only.
        CommittedFiles.Listing quarantineListing =
                options.tenant() == null
                        ? CommittedFiles.parquetFiles(new Path(lake.root()), lake.quarantine())
                        : new CommittedFiles.Listing(List.of(), List.of(), 0);
        List<FileStatus> quarantineFiles = quarantineListing.files();
        int setAside = auditListing.setAside().size() + quarantineListing.setAside().size();
        if (setAside > 0) {
            log.printf(
                    "  %,d file(s) set aside: a compaction or erasure swap is under way (its"
                            + " manifest names them as replaced or not yet in place)%n",
                    setAside);
        }
        Map<String, ChainHead> quarantineHeads = Map.of();
        Map<String, ChainHead> atStateSeq = new java.util.HashMap<>(signedHeads.atWanted());
        if (options.tenant() == null) {
            SignedAttestations.Heads signedQuarantineHeads =
                    SignedAttestations.heads(
                            lake.quarantineHeads(), keys, wanted(state, Violation.QUARANTINE));
            quarantineHeads = signedQuarantineHeads.latest();
            found.addAll(signedQuarantineHeads.violations());
            signedQuarantineHeads
                    .atWanted()
                    .forEach((k, h) -> atStateSeq.put(Violation.QUARANTINE + ":" + k, h));
        }
        RetentionAnchors quarantineAnchors =
                options.tenant() == null
                        ? SignedAttestations.quarantineAnchors(lake, keys, found)
                        : RetentionAnchors.none();
        if (options.tenant() == null) {
            log.printf(
                    "  and %,d quarantine files against %,d published quarantine chain heads%n",
                    quarantineFiles.size(), quarantineHeads.size());
        }
        state = checkedAgainstHeads(state, stateDir, loaded, atStateSeq, found, log);
        String rootPath = IncrementalPlan.rootPath(lake.root());
        IncrementalPlan.Plan plan =
                state == null
                        ? IncrementalPlan.Plan.full(files, quarantineFiles)
                        : IncrementalPlan.of(
                                state,
                                rootPath,
                                files,
                                quarantineFiles,
                                byDatasetKey(atStateSeq, state),
                                log);
        if (state != null) {
            log.printf(
                    "  incremental from verify state %d (%s): %,d covered files (%.1f MB) not read"
                            + " again; reading %,d audit and %,d quarantine files%n",
                    state.run(),
                    state.signed()
                            ? (keys == null
                                    ? "signed; signature not checked without --trusted-keys"
                                    : "signature checked")
                            : "UNSIGNED: tamper-evident by its hash chain only",
                    plan.skippedFiles(),
                    plan.skippedBytes() / 1e6,
                    plan.auditToRead().size(),
                    plan.quarantineToRead().size());
        } else if (stateOptions.incremental()) {
            log.println(
                    loaded.newestRun() == 0
                            ? "  no verify state yet under " + stateDir + ": verifying in full"
                            : "  the newest verify state is not usable: verifying in full");
        }
        files = plan.auditToRead();
        quarantineFiles = plan.quarantineToRead();

        List<FileStatus> opsFiles =
                options.derives("ops")
                        ? LakeFiles.parquetFiles(
                                options.tenant() == null
                                        ? lake.opsDecisions()
                                        : new Path(
                                                lake.opsDecisions(),
                                                "tenant_id=" + options.tenant()))
                        : List.of();
        if (options.derives("ops")) {
            log.printf(
                    "  derived mode: re-masking the audit records to compare with %,d ops files%n",
                    opsFiles.size());
        }

        List<FileStatus> metricsFiles =
                options.derives("metrics")
                        ? LakeFiles.parquetFiles(lake.decisionMetrics()).stream()
                                .filter(
                                        f ->
                                                options.tenant() == null
                                                        || f.getPath()
                                                                .toString()
                                                                .contains(
                                                                        "/tenant_id="
                                                                                + options.tenant()
                                                                                + "/"))
                                .toList()
                        : List.of();
        if (options.derives("metrics")) {
            log.printf(
                    "  derived mode: recomputing the metrics windows of %,d metrics files%n",
                    metricsFiles.size());
        }

        Set<String> chainsSeen = new HashSet<>();
        Set<String> quarantineChainsSeen = new HashSet<>();
        long records = 0;
        long quarantineRecords = 0;
        long bridged = 0;
        long quarantineBridged = 0;
        Map<String, Long> byLayout = new TreeMap<>();
        Map<String, Long> erasedByRequest = new TreeMap<>();
        Map<String, Long> derivedRows = new TreeMap<>();
        if (!files.isEmpty()
                || !quarantineFiles.isEmpty()
                || !opsFiles.isEmpty()
                || !metricsFiles.isEmpty()) {
            List<String> paths = files.stream().map(f -> f.getPath().toString()).toList();
            VerifyPipeline.QuarantineInput quarantine =
                    quarantineFiles.isEmpty()
                            ? null
                            : new VerifyPipeline.QuarantineInput(
                                    VerifyPipeline.filesListed(
                                            quarantineFiles.stream()
                                                    .map(f -> f.getPath().toString())
                                                    .toList()),
                                    quarantineHeads,
                                    quarantineAnchors);
            VerifyPipeline.Outputs outputs =
                    paths.isEmpty() && quarantine == null
                            ? null
                            : new VerifyPipeline(
                                            paths.isEmpty()
                                                    ? null
                                                    : VerifyPipeline.filesListed(paths),
                                            heads,
                                            anchors,
                                            quarantine)
                                    .startingFrom(plan.auditStarts(), plan.quarantineStarts())
                                    .namingAuditFiles(paths)
                                    .build(env);
            if (options.derives("ops") && !(paths.isEmpty() && opsFiles.isEmpty())) {
                env.setRuntimeMode(org.apache.flink.api.common.RuntimeExecutionMode.BATCH);
                DataStream<Violation> ops =
                        DerivedPipeline.ops(
                                env,
                                paths.isEmpty() ? null : VerifyPipeline.filesListed(paths),
                                opsFiles.isEmpty()
                                        ? null
                                        : VerifyPipeline.filesListed(
                                                opsFiles.stream()
                                                        .map(f -> f.getPath().toString())
                                                        .toList()),
                                options.maskingPolicy(),
                                options.pseudonymKey(),
                                withdrawnFromOps(lake, options.tenant()));
                outputs = withDerived(outputs, ops);
            }
            if (options.derives("metrics") && !metricsFiles.isEmpty()) {
                env.setRuntimeMode(org.apache.flink.api.common.RuntimeExecutionMode.BATCH);
                outputs =
                        withDerived(
                                outputs,
                                DerivedPipeline.metrics(
                                        env,
                                        paths.isEmpty() ? null : VerifyPipeline.filesListed(paths),
                                        VerifyPipeline.filesListed(
                                                metricsFiles.stream()
                                                        .map(f -> f.getPath().toString())
                                                        .toList()),
                                        granularities(metricsFiles),
                                        retainedDays(lake)));
            }
            try (CloseableIterator<Either<Violation, ChainStats>> results =
                    toClient(outputs).collectAsync()) {
                JobClient job = env.executeAsync("decision-ledger verify");
                try (ProgressLog progress =
                        progressLog(
                                job,
                                files.size(),
                                files.stream().mapToLong(FileStatus::getLen).sum(),
                                log)) {
                    while (results.hasNext()) {
                        Either<Violation, ChainStats> next = results.next();
                        if (next.isLeft()) {
                            found.add(next.left());
                        } else if (Violation.QUARANTINE.equals(next.right().dataset())) {
                            quarantineChainsSeen.add(next.right().chainKey());
                            quarantineBridged += next.right().bridged();
                        } else {
                            chainsSeen.add(next.right().chainKey());
                            bridged += next.right().bridged();
                        }
                    }
                }
                Map<String, Object> accumulators =
                        job.getJobExecutionResult().get().getAllAccumulatorResults();
                records =
                        (Long) accumulators.getOrDefault(ReadChainEntries.RECORDS_ACCUMULATOR, 0L);
                quarantineRecords =
                        (Long)
                                accumulators.getOrDefault(
                                        ReadQuarantineEntries.RECORDS_ACCUMULATOR, 0L);
                collectCounts(accumulators, byLayout, erasedByRequest);
                if (options.derives("ops")) {
                    for (String name :
                            List.of(
                                    ReadOpsRows.REDERIVED_ACCUMULATOR,
                                    ReadOpsRows.STORED_ACCUMULATOR)) {
                        derivedRows.put(name, (Long) accumulators.getOrDefault(name, 0L));
                    }
                }
                if (options.derives("metrics")) {
                    for (String name :
                            List.of(
                                    ReadMetricsRows.REDERIVED_ACCUMULATOR,
                                    ReadMetricsRows.STORED_ACCUMULATOR)) {
                        derivedRows.put(name, (Long) accumulators.getOrDefault(name, 0L));
                    }
                }
            }
        }
        bridged +=
                headsWithoutRecords(
                        heads, chainsSeen, anchors, Violation.AUDIT, plan.auditStarts(), found);
        quarantineBridged +=
                headsWithoutRecords(
                        quarantineHeads,
                        quarantineChainsSeen,
                        quarantineAnchors,
                        Violation.QUARANTINE,
                        plan.quarantineStarts(),
                        found);
        VerifyReport.StateUse stateUse = null;
        if (stateOptions.used()) {
            long written = 0;
            boolean signed = false;
            if (found.isEmpty()) {
                VerifyState next =
                        nextState(
                                lake,
                                loaded,
                                state != null,
                                heads,
                                quarantineHeads,
                                plan,
                                files,
                                quarantineFiles,
                                rootPath,
                                started);
                if (stateOptions.signing().enabled()) {
                    next = next.signedWith(stateOptions.signing().key().open());
                }
                Path at = VerifyStates.write(stateDir, next);
                written = next.run();
                signed = next.signed();
                log.printf(
                        "  wrote verify state %d (%s) to %s: %,d chains, %,d covered files%n",
                        next.run(),
                        signed
                                ? "signed by " + next.signatureKeyId()
                                : "UNSIGNED: tamper-evident by its hash chain only; give"
                                        + " --signing-key",
                        at,
                        next.chains().size(),
                        next.files().size());
            } else {
                log.println("  no verify state written: the run found violations");
            }
            stateUse =
                    new VerifyReport.StateUse(
                            state == null ? "full" : "incremental",
                            state == null ? 0 : state.run(),
                            state != null && state.signed(),
                            plan.skippedFiles(),
                            plan.skippedBytes(),
                            plan.reverified(),
                            written,
                            signed);
        }
        Map<String, Long> byKind = new TreeMap<>();
        found.forEach(v -> byKind.merge(v.kind, 1L, Long::sum));
        found.sort(
                Comparator.comparing((Violation v) -> v.tenantId == null ? "" : v.tenantId)
                        .thenComparingInt(v -> v.chainShard)
                        .thenComparingLong(v -> v.seqFrom)
                        .thenComparing(v -> v.kind));
        List<Violation> listed = found.size() > MAX_LISTED ? found.subList(0, MAX_LISTED) : found;
        double seconds = (System.nanoTime() - started) / 1e9;
        return new VerifyReport(
                lake.root(),
                options.tenant(),
                files.size(),
                records,
                chainsSeen.size(),
                heads.size(),
                bridged,
                byLayout,
                erasedByRequest,
                byKind,
                List.copyOf(listed),
                seconds,
                new VerifyReport.QuarantineCounts(
                        options.tenant() == null,
                        quarantineFiles.size(),
                        quarantineRecords,
                        quarantineChainsSeen.size(),
                        quarantineHeads.size(),
                        quarantineBridged,
                        byDataset(found, Violation.QUARANTINE)),
                derivedRows,
                stateUse,
                bytesOf(files)
                        + bytesOf(quarantineFiles)
                        + bytesOf(opsFiles)
                        + bytesOf(metricsFiles));
    }

    private static long bytesOf(List<FileStatus> files) {
        return files.stream().mapToLong(FileStatus::getLen).sum();
    }

    /** Chain key → the seq {@code state} recorded, for the chains of {@code dataset}. */
    private static Map<String, Long> wanted(VerifyState state, String dataset) {
        Map<String, Long> wanted = new java.util.HashMap<>();
        if (state != null) {
            state.chains().stream()
                    .filter(c -> c.dataset().equals(dataset))
                    .forEach(c -> wanted.put(c.chainKey(), c.seq()));
        }
        return wanted;
    }

    /** {@code atStateSeq} (quarantine keys prefixed) as chain key → head, for one dataset each. */
    private static Map<String, ChainHead> byDatasetKey(
            Map<String, ChainHead> atStateSeq, VerifyState state) {
        Map<String, ChainHead> out = new java.util.HashMap<>();
        for (VerifyState.Chain c : state.chains()) {
            ChainHead h =
                    atStateSeq.get(
                            Violation.QUARANTINE.equals(c.dataset())
                                    ? Violation.QUARANTINE + ":" + c.chainKey()
                                    : c.chainKey());
            if (h != null) {
                out.put(c.chainKey(), h);
            }
        }
        return out;
    }

    /**
     * The state, unless a position it recorded contradicts the published head at that seq (the
     * state was forged, or the chain and its heads rewritten): then STATE_TAMPERED, and null (a
     * full run).
     */
    private static VerifyState checkedAgainstHeads(
            VerifyState state,
            Path stateDir,
            VerifyStates.Loaded loaded,
            Map<String, ChainHead> atStateSeq,
            List<Violation> found,
            PrintStream log) {
        if (state == null) {
            return null;
        }
        boolean ok = true;
        for (VerifyState.Chain c : state.chains()) {
            ChainHead h =
                    atStateSeq.get(
                            Violation.QUARANTINE.equals(c.dataset())
                                    ? Violation.QUARANTINE + ":" + c.chainKey()
                                    : c.chainKey());
            if (h != null && !h.getHash().equals(c.hash())) {
                found.add(
                        Violation.of(
                                        ViolationKind.STATE_TAMPERED,
                                        c.tenantId(),
                                        c.chainShard(),
                                        c.seq(),
                                        c.seq(),
                                        new Path(
                                                        stateDir,
                                                        VerifyStates.fileName(loaded.newestRun()))
                                                .toString(),
                                        "the "
                                                + c.dataset()
                                                + " chain position the verify state recorded"
                                                + " differs from the published head at that seq")
                                .in(VerifyStates.DATASET));
                ok = false;
            }
        }
        if (!ok) {
            log.println("  the verify state contradicts the published heads: verifying in full");
        }
        return ok ? state : null;
    }

    /**
     * The state a clean run leaves: every chain at its latest published head (the run showed each
     * ends there), the covered files still valid and every file read now. A file read but gone
     * before its footer was read (compacted meanwhile) leaves its whole scope out, so the next run
     * verifies that scope from seq 1.
     */
    private static VerifyState nextState(
            LakeLayout lake,
            VerifyStates.Loaded loaded,
            boolean incremental,
            Map<String, ChainHead> heads,
            Map<String, ChainHead> quarantineHeads,
            IncrementalPlan.Plan plan,
            List<FileStatus> auditRead,
            List<FileStatus> quarantineRead,
            String rootPath,
            long startedNanos)
            throws IOException {
        List<VerifyState.CoveredFile> files = new ArrayList<>(plan.kept());
        files.addAll(IncrementalPlan.covered(Violation.AUDIT, auditRead, rootPath));
        files.addAll(IncrementalPlan.covered(Violation.QUARANTINE, quarantineRead, rootPath));
        Set<String> dropped = new HashSet<>();
        for (VerifyState.CoveredFile f : files) {
            if (f.footerSha256() == null) {
                dropped.add(IncrementalPlan.scopeOf(f.dataset(), f.path()));
            }
        }
        List<VerifyState.Chain> chains = new ArrayList<>();
        heads.values()
                .forEach(
                        h ->
                                chains.add(
                                        new VerifyState.Chain(
                                                Violation.AUDIT,
                                                h.getTenantId(),
                                                h.getChainShard(),
                                                h.getChainSeq(),
                                                h.getHash())));
        quarantineHeads
                .values()
                .forEach(
                        h ->
                                chains.add(
                                        new VerifyState.Chain(
                                                Violation.QUARANTINE,
                                                h.getTenantId(),
                                                h.getChainShard(),
                                                h.getChainSeq(),
                                                h.getHash())));
        return VerifyState.unsigned(
                lake.root(),
                loaded.newestRun() + 1,
                loaded.newestSha256(),
                java.time.Instant.now().minusNanos(System.nanoTime() - startedNanos),
                incremental ? "incremental" : "full",
                chains.stream()
                        .filter(
                                c ->
                                        !dropped.contains(
                                                IncrementalPlan.scope(c.dataset(), c.tenantId())))
                        .toList(),
                files.stream()
                        .filter(
                                f ->
                                        !dropped.contains(
                                                IncrementalPlan.scopeOf(f.dataset(), f.path())))
                        .toList());
    }

    /**
     * Reports the published heads whose chain has no record left as TRUNCATED, unless retention
     * anchors bridge the whole chain up to the head; returns the positions they bridged.
     */
    private static long headsWithoutRecords(
            Map<String, ChainHead> heads,
            Set<String> chainsSeen,
            RetentionAnchors anchors,
            String dataset,
            Map<String, VerifyState.Chain> starts,
            List<Violation> found) {
        long bridged = 0;
        for (Map.Entry<String, ChainHead> head : heads.entrySet()) {
            if (!chainsSeen.contains(head.getKey())) {
                ChainHead h = head.getValue();
                VerifyState.Chain start = starts.get(head.getKey());
                if (start != null) {
                    // verified up to the state's position; no record of it was read this time
                    bridged += fromState(start, h, anchors, dataset, found);
                    continue;
                }
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
                                                + " but no record of this chain is left")
                                .in(dataset));
            }
        }
        return bridged;
    }

    /**
     * A chain with no record read this run, verified up to {@code start} by the state: it must end
     * exactly at its latest head, or retention anchors must bridge the rest; returns the positions
     * bridged.
     */
    private static long fromState(
            VerifyState.Chain start,
            ChainHead h,
            RetentionAnchors anchors,
            String dataset,
            List<Violation> found) {
        if (start.seq() == h.getChainSeq() && start.hash().equals(h.getHash())) {
            return 0;
        }
        if (start.seq() > h.getChainSeq()) {
            found.add(
                    Violation.of(
                                    ViolationKind.BEYOND_HEAD,
                                    h.getTenantId(),
                                    h.getChainShard(),
                                    h.getChainSeq() + 1,
                                    start.seq(),
                                    null,
                                    "the verify state covers records up to seq "
                                            + start.seq()
                                            + ", after the latest published head (seq "
                                            + h.getChainSeq()
                                            + ")")
                            .in(dataset));
            return 0;
        }
        RetentionAnchors.Bridge b =
                anchors.bridge(start.chainKey(), start.seq(), start.hash(), h.getChainSeq() + 1);
        if (b.brokenAt() == null
                && b.nextSeq() == h.getChainSeq() + 1
                && b.hash().equals(h.getHash())) {
            return b.bridged();
        }
        found.add(
                Violation.of(
                                start.seq() == h.getChainSeq()
                                        ? ViolationKind.HEAD_MISMATCH
                                        : ViolationKind.TRUNCATED,
                                h.getTenantId(),
                                h.getChainShard(),
                                start.seq() == h.getChainSeq() ? start.seq() : start.seq() + 1,
                                h.getChainSeq(),
                                null,
                                start.seq() == h.getChainSeq()
                                        ? "the latest head's hash differs from the verified record"
                                                + " at its seq"
                                        : "chain ends at seq "
                                                + start.seq()
                                                + " (verify state), the latest head is at "
                                                + h.getChainSeq())
                        .in(dataset));
        return 0;
    }

    private static VerifyPipeline.Outputs withDerived(
            VerifyPipeline.Outputs outputs, DataStream<Violation> derived) {
        return outputs == null
                ? new VerifyPipeline.Outputs(derived, null)
                : new VerifyPipeline.Outputs(outputs.violations().union(derived), outputs.chains());
    }

    /** The granularities of the metrics read model, from its {@code granularity=G} folders. */
    static List<io.decisionledger.metrics.Granularity> granularities(List<FileStatus> files) {
        Set<String> labels = new java.util.TreeSet<>();
        for (FileStatus f : files) {
            String p = f.getPath().toString();
            int i = p.indexOf("/granularity=");
            if (i >= 0) {
                int end = p.indexOf('/', i + 1);
                labels.add(p.substring(i + "/granularity=".length(), end));
            }
        }
        return labels.stream().map(io.decisionledger.metrics.Granularity::parse).toList();
    }

    /**
     * {@code tenant/yyyy-MM-dd} of every audit partition retention deleted records of, from the
     * {@code summaries/decisions/tenant_id=T/event_date=D/} folders.
     */
    static Set<String> retainedDays(LakeLayout lake) throws IOException {
        Set<String> days = new java.util.TreeSet<>();
        for (FileStatus f : LakeFiles.parquetFiles(lake.resolve(LakeLayout.RETENTION_SUMMARIES))) {
            String p = f.getPath().toString();
            int t = p.indexOf("/tenant_id=");
            int d = p.indexOf("/event_date=");
            if (t >= 0 && d > t) {
                days.add(
                        p.substring(t + "/tenant_id=".length(), d)
                                + "/"
                                + p.substring(d + "/event_date=".length(), p.indexOf('/', d + 1)));
            }
        }
        return days;
    }

    /** Violations found in {@code dataset}, by kind. */
    private static Map<String, Long> byDataset(List<Violation> found, String dataset) {
        Map<String, Long> byKind = new TreeMap<>();
        found.stream()
                .filter(v -> dataset.equals(v.dataset))
                .forEach(v -> byKind.merge(v.kind, 1L, Long::sum));
        return byKind;
    }

    /** Records per layout and erased records per request, from the readers' accumulators. */
    private static void collectCounts(
            Map<String, Object> accumulators,
            Map<String, Long> byLayout,
            Map<String, Long> erasedByRequest) {
        for (Map.Entry<String, Object> a : accumulators.entrySet()) {
            String name = a.getKey();
            if (name.startsWith(ReadChainEntries.LAYOUT_ACCUMULATOR_PREFIX)) {
                byLayout.put(
                        name.substring(ReadChainEntries.LAYOUT_ACCUMULATOR_PREFIX.length()),
                        (Long) a.getValue());
            } else if (name.startsWith(ReadChainEntries.ERASED_ACCUMULATOR_PREFIX)) {
                erasedByRequest.put(
                        name.substring(ReadChainEntries.ERASED_ACCUMULATOR_PREFIX.length()),
                        (Long) a.getValue());
            }
        }
    }

    /**
     * Both outputs in one stream to the client. Two collected streams would each fill a bounded
     * buffer in the job; the client reading one to its end while the other's is full would stall
     * the chain checker, which feeds both.
     */
    private static DataStream<Either<Violation, ChainStats>> toClient(
            VerifyPipeline.Outputs outputs) {
        TypeInformation<Either<Violation, ChainStats>> type =
                new EitherTypeInfo<>(
                        TypeInformation.of(Violation.class), TypeInformation.of(ChainStats.class));
        DataStream<Either<Violation, ChainStats>> violations =
                outputs.violations()
                        .map(v -> Either.<Violation, ChainStats>Left(v))
                        .returns(type)
                        .name("violations-to-client");
        if (outputs.chains() == null) {
            return violations;
        }
        return violations.union(
                outputs.chains()
                        .map(c -> Either.<Violation, ChainStats>Right(c))
                        .returns(type)
                        .name("chain-stats-to-client"));
    }

    /**
     * "tenant/event id" of every record an executed restriction plan removed from ops/ (from the
     * RESTRICT receipts under {@code rights/receipts/}): the derived check expects no ops row for
     * them. Erased records are told apart by their own {@code erasure_request_id}.
     */
    static Set<String> withdrawnFromOps(LakeLayout lake, String tenant) throws IOException {
        Path dir = lake.resolve("rights/receipts");
        if (tenant != null) {
            dir = new Path(dir, "tenant_id=" + tenant);
        }
        Set<String> withdrawn = new HashSet<>();
        for (FileStatus f : LakeFiles.files(dir, ".json")) {
            byte[] json;
            try (org.apache.flink.core.fs.FSDataInputStream in =
                    f.getPath().getFileSystem().open(f.getPath())) {
                json = in.readAllBytes();
            }
            io.decisionledger.rights.ErasureReceipt receipt =
                    io.decisionledger.rights.ErasureReceipt.fromJson(json, f.getPath().toString());
            if (receipt.scope() == io.decisionledger.rights.ErasurePlan.Scope.RESTRICT) {
                receipt.eventIds().forEach(id -> withdrawn.add(receipt.tenantId() + "/" + id));
            }
        }
        return withdrawn;
    }

    /** The latest published head of every chain (highest seq), from {@code chain/heads/}. */
    static Map<String, ChainHead> latestHeads(LakeLayout lake, String tenant) throws IOException {
        return SignedAttestations.heads(lake, tenant, null).latest();
    }

    /** The latest head of every chain published under {@code dir}, signatures not checked. */
    static Map<String, ChainHead> latestHeads(Path dir) throws IOException {
        return SignedAttestations.heads(dir, null).latest();
    }

    /**
     * Every 5 s: audit files read of the total, bytes, records re-hashed, and the rate since the
     * last line; the same counts are Flink metrics of the reading subtasks ({@link
     * ReadChainEntries#METRIC_FILES}, {@link ReadChainEntries#METRIC_RECORDS}, {@link
     * ReadChainEntries#METRIC_BYTES}).
     */
    private static ProgressLog progressLog(
            JobClient job, int totalFiles, long totalBytes, PrintStream log) {
        ProgressLog.Rate rate = new ProgressLog.Rate();
        return ProgressLog.start(
                "verify-progress",
                job,
                ProgressLog.EVERY,
                log,
                (acc, seconds) -> {
                    long records = ProgressLog.count(acc, ReadChainEntries.RECORDS_ACCUMULATOR);
                    return String.format(
                            "  ... %,d of %,d files read (%.1f of %.1f MB), %,d records"
                                    + " re-hashed (%,.0f records/s)",
                            ProgressLog.count(acc, ReadChainEntries.FILES_ACCUMULATOR),
                            totalFiles,
                            ProgressLog.count(acc, ReadChainEntries.BYTES_ACCUMULATOR) / 1e6,
                            totalBytes / 1e6,
                            records,
                            rate.perSecond(records, seconds));
                });
    }
}
