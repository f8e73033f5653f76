package io.decisionledger.retention;

import io.decisionledger.chain.HeadSigner;
import io.decisionledger.chain.Signatures;
import io.decisionledger.chain.SigningKeyProvider;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.ExternalSorter;
import io.decisionledger.rewrite.MergedFileWriter;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.PartitionResult.Outcome;
import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.SortedRewrite;
import io.decisionledger.rewrite.SwapManifest;
import io.decisionledger.rewrite.SwapStep;
import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.schema.RetentionSummary;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Deletes one partition past retention, keeping what legal holds protect, with the crash-safe
 * partition rewrite that compaction's swap also uses ({@link io.decisionledger.rewrite}):
 *
 * <ol>
 *   <li>read the planned files; split the rows into kept (under a hold; in quarantine also rows of
 *       tenants whose retention has not run out, and rows whose raw input may belong to a held
 *       tenant, user or case) and deleted, counting the rows each hold keeps;
 *   <li>stage the summaries and chain anchors of the deleted audit rows, and the kept rows
 *       rewritten as one sorted, verified merged file per dataset partition ({@link
 *       MergedFileWriter});
 *   <li>write the {@link RetentionManifest} (the commit point);
 *   <li>copy every source file to the archive, if one is configured;
 *   <li>publish summaries, anchors and kept files;
 *   <li>delete the source files, then the staging folder.
 * </ol>
 *
 * So summaries are in the lake before any record is gone, and a deletion is never half-done once
 * its manifest exists. A partition where nothing is deleted (everything held) is left untouched.
 */
public final class PartitionRetainer implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LakeLayout lake;
    private final RetentionPolicy policy;
    private final LocalDate asOf;
    private final String holdsLocation;
    private final String holdsSha256;
    private final String archive;
    private SortedRewrite rewrite;
    private final SwapStep failAt;

    private SigningKeyProvider signingKey;

    private transient LegalHolds holds;
    private transient HeadSigner signer;

    /**
     * @param lake the lake of record: where summaries, anchors and kept files go
     * @param policy the retention period per tenant
     * @param asOf "today", against which quarantined rows expire one by one
     * @param holdsLocation the legal holds file, or null for none; the task reads it itself, so the
     *     user and case ids it names never travel in the job graph
     * @param holdsSha256 the file's digest when the run was planned: a file changed since then
     *     fails the task rather than deleting by another list than the one planned with
     * @param archive lake root every deleted file is copied to first, or null for no copy
     * @param writer writes the kept rows as merged files
     * @param failAt crash tests only: the step to stop at as a crash would, or null
     */
    public PartitionRetainer(
            LakeLayout lake,
            RetentionPolicy policy,
            LocalDate asOf,
            String holdsLocation,
            String holdsSha256,
            String archive,
            MergedFileWriter writer,
            SwapStep failAt) {
        this.lake = lake;
        this.policy = policy;
        this.asOf = asOf;
        this.holdsLocation = holdsLocation;
        this.holdsSha256 = holdsSha256;
        this.archive = archive;
        this.rewrite =
                new SortedRewrite(
                        writer,
                        SortedRewrite.DEFAULT_SORT_BUFFER_BYTES,
                        SortedRewrite.Verify.DIGEST);
        this.failAt = failAt;
    }

    /**
     * Signs the summaries and anchors this retainer writes with {@code key} (null: unsigned), so a
     * verifier holding the public key sees any later change to them (schemas/CANONICAL.md section
     * 9). The key is opened in the task, on first use.
     */
    public PartitionRetainer signedWith(SigningKeyProvider key) {
        this.signingKey = key;
        return this;
    }

    /**
     * Sorts, writes and verifies kept rows with {@code sorted} (its sort buffer and verification)
     * instead of the defaults; its writer replaces the one given to the constructor.
     */
    public PartitionRetainer sortedBy(SortedRewrite sorted) {
        this.rewrite = sorted;
        return this;
    }

    /** The sort, write and verification of kept rows (the task sets its spill folders). */
    public SortedRewrite rewrite() {
        return rewrite;
    }

    private <T> List<T> signed(List<T> attestations) throws IOException {
        if (signingKey == null) {
            return attestations;
        }
        if (signer == null) {
            signer = signingKey.open();
        }
        for (T a : attestations) {
            if (a instanceof RetentionSummary s) {
                Signatures.sign(s, signer);
            } else if (a instanceof ChainAnchor c) {
                Signatures.sign(c, signer);
            }
        }
        return attestations;
    }

    private LegalHolds holds() {
        if (holds == null) {
            if (holdsLocation == null) {
                holds = LegalHolds.none();
            } else {
                LegalHolds loaded = LegalHolds.load(holdsLocation);
                if (!loaded.sha256().equals(holdsSha256)) {
                    throw new IllegalStateException(
                            "the legal holds file "
                                    + holdsLocation
                                    + " changed while the run was in progress; run again");
                }
                holds = loaded;
            }
        }
        return holds;
    }

    public PartitionResult retain(RetentionTask task) throws IOException {
        long started = System.nanoTime();
        Path staging = new Path(task.stagingDir());
        FileSystem stagingFs = staging.getFileSystem();
        Path manifestFile = new Path(staging, RetentionManifest.FILE_NAME);
        if (stagingFs.exists(manifestFile)) {
            RetentionManifest m =
                    RetentionManifest.fromJson(PartitionRewrite.readText(manifestFile));
            rollForward(m, manifestFile);
            return result(task, Outcome.ROLLED_FORWARD, m.outputs().size(), m, started, Map.of());
        }
        if (stagingFs.exists(staging)) {
            stagingFs.delete(staging, true);
        }
        if (alreadyDeleted(task)) {
            return result(task, Outcome.ALREADY_DONE, 0, null, started, Map.of());
        }

        // 1. read and split
        Set<String> heldIds = new HashSet<>();
        Map<String, Long> byHold = new TreeMap<>();
        // Ops rows carry pseudonyms only: which are held is known from the audit rows of the same
        // tenant and date. Without them (no committed audit file left) no ops row can be judged,
        // so every one of a tenant with user or case holds is kept.
        boolean opsBlind =
                task.tenantId() != null
                        && task.parts().stream().noneMatch(p -> p.dataset() == Dataset.AUDIT)
                        && holds().holdsRowsOf(task.tenantId());
        // Deleted rows are kept as the few fields their summaries and anchors need; kept rows go
        // through the bounded-memory sort, one sorter per dataset partition.
        List<DecisionRecord> deletedAudit = new ArrayList<>();
        List<QuarantineRecord> deletedQuarantine = new ArrayList<>();
        List<ExternalSorter> kept = new ArrayList<>();
        try {
            long deleted = 0;
            long held = 0;
            LocalDate date = LocalDate.parse(task.date());
            for (RetentionTask.Part part : task.parts()) {
                ExternalSorter keep =
                        rewrite.sorter(
                                part.dataset(),
                                "retention " + part.dataset().label() + " " + part.partition());
                kept.add(keep);
                long[] rows = {0};
                for (PartitionTask.FileRef source : part.sources()) {
                    keep.addFile(
                            PartitionRewrite.status(source),
                            r -> {
                                rows[0]++;
                                if (keeps(
                                        part.dataset(),
                                        r,
                                        task.tenantId(),
                                        date,
                                        heldIds,
                                        byHold,
                                        opsBlind)) {
                                    return true;
                                }
                                if (part.dataset() == Dataset.AUDIT) {
                                    deletedAudit.add(slim((DecisionRecord) r));
                                } else if (part.dataset() == Dataset.QUARANTINE) {
                                    deletedQuarantine.add(slim((QuarantineRecord) r));
                                }
                                return false;
                            });
                }
                keep.spill(); // the next part's rows get the whole buffer
                held += keep.rows();
                deleted += rows[0] - keep.rows();
            }
            return retain(
                    task,
                    started,
                    staging,
                    manifestFile,
                    byHold,
                    deletedAudit,
                    deletedQuarantine,
                    kept,
                    deleted,
                    held);
        } finally {
            for (ExternalSorter sorter : kept) {
                sorter.close();
            }
        }
    }

    /** The fields of a deleted decision its summary and chain anchor need (no content). */
    private static DecisionRecord slim(DecisionRecord r) {
        DecisionRecord s = new DecisionRecord();
        s.setEventId(r.getEventId());
        s.setEventTime(r.getEventTime());
        s.setModel(r.getModel());
        s.setModelVersion(r.getModelVersion());
        s.setChainShard(r.getChainShard());
        s.setChainSeq(r.getChainSeq());
        s.setHash(r.getHash());
        s.setPrevHash(r.getPrevHash());
        s.setDecisionApproved(r.getDecisionApproved());
        s.setDecisionConfidence(r.getDecisionConfidence());
        return s;
    }

    /** The fields of a deleted quarantined row its chain anchor needs (not the raw input). */
    private static QuarantineRecord slim(QuarantineRecord q) {
        QuarantineRecord s = new QuarantineRecord();
        s.setTenantId(q.getTenantId());
        s.setChainShard(q.getChainShard());
        s.setChainSeq(q.getChainSeq());
        s.setHash(q.getHash());
        s.setPrevHash(q.getPrevHash());
        return s;
    }

    private PartitionResult retain(
            RetentionTask task,
            long started,
            Path staging,
            Path manifestFile,
            Map<String, Long> byHold,
            List<DecisionRecord> deletedAudit,
            List<QuarantineRecord> deletedQuarantine,
            List<ExternalSorter> kept,
            long deleted,
            long held)
            throws IOException {
        if (deleted == 0) {
            return new PartitionResult(
                    task.parts().get(0).dataset(),
                    task.label(),
                    Outcome.HELD,
                    task.sourceFiles(),
                    task.sourceBytes(),
                    task.sourceFiles(),
                    task.sourceBytes(),
                    0,
                    0,
                    PartitionRewrite.millis(started),
                    0,
                    held,
                    byHold);
        }

        // 2. stage summaries, anchors and the kept rows
        List<SwapManifest.Output> outputs = new ArrayList<>();
        if (!deletedAudit.isEmpty()) {
            RetentionTask.Part audit = task.parts().get(0);
            long heldAudit = kept.get(0).rows();
            RetentionSummaries.Context ctx =
                    new RetentionSummaries.Context(
                            task.tenantId(),
                            task.date(),
                            heldAudit,
                            policy.periodOf(task.tenantId()).toString(),
                            policy.version(),
                            task.runId(),
                            Instant.now().truncatedTo(ChronoUnit.MICROS));
            String fileName = "retention-" + task.runId() + ".parquet";
            outputs.add(
                    stage(
                            staging,
                            "summary.parquet",
                            lake.resolve(
                                    LakeLayout.RETENTION_SUMMARIES
                                            + "/"
                                            + audit.partition()
                                            + "/"
                                            + fileName),
                            signed(RetentionSummaries.summaries(deletedAudit, ctx))));
            List<ChainAnchor> anchors = signed(RetentionSummaries.anchors(deletedAudit, ctx));
            if (!anchors.isEmpty()) {
                outputs.add(
                        stage(
                                staging,
                                "anchors.parquet",
                                lake.resolve(
                                        LakeLayout.CHAIN_ANCHORS
                                                + "/"
                                                + audit.partition()
                                                + "/"
                                                + fileName),
                                anchors));
            }
        }
        if (!deletedQuarantine.isEmpty()) {
            // the quarantine chains' deleted positions, so the verify job can bridge them
            List<ChainAnchor> anchors =
                    signed(
                            RetentionSummaries.quarantineAnchors(
                                    deletedQuarantine,
                                    task.date(),
                                    task.runId(),
                                    Instant.now().truncatedTo(ChronoUnit.MICROS)));
            if (!anchors.isEmpty()) {
                outputs.add(
                        stage(
                                staging,
                                "quarantine-anchors.parquet",
                                lake.resolve(
                                        LakeLayout.QUARANTINE_ANCHORS
                                                + "/"
                                                + task.parts().get(0).partition()
                                                + "/retention-"
                                                + task.runId()
                                                + ".parquet"),
                                anchors));
            }
        }
        for (int i = 0; i < task.parts().size(); i++) {
            ExternalSorter keep = kept.get(i);
            if (keep.rows() == 0) {
                continue;
            }
            PartitionTask rewriteTask = task.rewriteOf(task.parts().get(i));
            outputs.addAll(
                    rewrite.writeVerified(rewriteTask, new Path(rewriteTask.stagingDir()), keep));
        }
        fail(SwapStep.STAGED);
        fail(SwapStep.VERIFIED);

        // 3. the commit point
        List<SwapManifest.Output> archives = new ArrayList<>();
        List<PartitionTask.FileRef> sources = new ArrayList<>();
        for (RetentionTask.Part part : task.parts()) {
            for (PartitionTask.FileRef source : part.sources()) {
                sources.add(source);
                if (archive != null) {
                    String name = new Path(source.path()).getName();
                    archives.add(
                            new SwapManifest.Output(
                                    source.path(),
                                    LakeLayout.at(archive)
                                            .resolve(
                                                    part.dataset().directory()
                                                            + "/"
                                                            + part.partition()
                                                            + "/"
                                                            + name)
                                            .toString(),
                                    source.bytes(),
                                    0));
                }
            }
        }
        RetentionManifest manifest =
                new RetentionManifest(
                        task.runId(), task.label(), archives, outputs, sources, deleted, held);
        PartitionRewrite.writeAtomically(manifest.toJson(), manifestFile);
        fail(SwapStep.MANIFEST_WRITTEN);

        // 4.-6.
        rollForward(manifest, manifestFile);
        return result(task, Outcome.DELETED, outputs.size(), manifest, started, byHold);
    }

    /**
     * Finishes a deletion an earlier run committed (its manifest found in that run's staging
     * folder), and says so as a {@code ROLLED_FORWARD} result with the manifest's numbers.
     */
    public PartitionResult rollForwardEarlierRun(RetentionManifest m, Path manifestFile)
            throws IOException {
        long started = System.nanoTime();
        rollForward(m, manifestFile);
        return new PartitionResult(
                Dataset.AUDIT,
                m.label(),
                Outcome.ROLLED_FORWARD,
                m.sources().size(),
                m.sources().stream().mapToLong(PartitionTask.FileRef::bytes).sum(),
                m.outputs().size(),
                m.outputs().stream().mapToLong(SwapManifest.Output::bytes).sum(),
                0,
                0,
                PartitionRewrite.millis(started),
                m.deleted(),
                m.held());
    }

    /**
     * Finishes a deletion whose manifest is written. Safe to call any number of times: copies and
     * moves already done are recognised by the target's size.
     */
    void rollForward(RetentionManifest m, Path manifestFile) throws IOException {
        for (SwapManifest.Output copy : m.archives()) {
            archiveCopy(m.label(), copy);
        }
        fail(SwapStep.ARCHIVED);
        PartitionRewrite.publishThenDelete(m.label(), m.outputs(), m.sources(), failAt);
        removeEmptyFolders(m.sources());
        Path staging = manifestFile.getParent();
        staging.getFileSystem().delete(staging, true);
    }

    /** Partition folders left empty (local and HDFS-like file systems keep them) are removed. */
    private static void removeEmptyFolders(List<PartitionTask.FileRef> sources) throws IOException {
        Set<Path> folders = new HashSet<>();
        for (PartitionTask.FileRef source : sources) {
            folders.add(new Path(source.path()).getParent());
        }
        for (Path folder : folders) {
            FileSystem fs = folder.getFileSystem();
            if (fs.exists(folder)) {
                org.apache.flink.core.fs.FileStatus[] left = fs.listStatus(folder);
                if (left == null || left.length == 0) {
                    fs.delete(folder, false);
                }
            }
        }
    }

    private static void archiveCopy(String label, SwapManifest.Output copy) throws IOException {
        Path source = new Path(copy.staged());
        Path target = new Path(copy.target());
        FileSystem targetFs = target.getFileSystem();
        if (targetFs.exists(target)) {
            if (targetFs.getFileStatus(target).getLen() == copy.bytes()) {
                return; // copied before a crash
            }
            targetFs.delete(target, false);
        }
        FileSystem sourceFs = source.getFileSystem();
        if (!sourceFs.exists(source)) {
            throw new IllegalStateException(
                    "cannot archive "
                            + label
                            + ": "
                            + source.getName()
                            + " is neither in the partition nor in the archive");
        }
        targetFs.mkdirs(target.getParent());
        try (InputStream in = sourceFs.open(source);
                OutputStream out = targetFs.create(target, FileSystem.WriteMode.NO_OVERWRITE)) {
            in.transferTo(out);
        }
        if (targetFs.getFileStatus(target).getLen() != copy.bytes()) {
            throw new IOException("archive copy of " + source.getName() + " is incomplete");
        }
    }

    private boolean keeps(
            Dataset dataset,
            SpecificRecordBase record,
            String tenantId,
            LocalDate date,
            Set<String> heldIds,
            Map<String, Long> byHold,
            boolean opsBlind) {
        switch (dataset) {
            case AUDIT -> {
                DecisionRecord r = (DecisionRecord) record;
                String hold = holds().holdOf(tenantId, r.getUserId(), r.getCaseId());
                if (hold != null) {
                    heldIds.add(r.getEventId());
                    byHold.merge(hold, 1L, Long::sum);
                    return true;
                }
                return false;
            }
            case OPS -> {
                // Audit comes first in the task: the masked copy of a held decision stays with it.
                return opsBlind || heldIds.contains(dataset.eventId(record));
            }
            default -> {
                QuarantineRecord q = (QuarantineRecord) record;
                String tenant = q.getTenantId();
                if (!policy.expired(tenant, date, asOf)) {
                    return true;
                }
                // quarantine keeps the raw input: a hold on its tenant, user or case keeps it
                String hold =
                        holds().quarantineHoldOf(
                                        tenant, q.getRaw() == null ? null : bytes(q.getRaw()));
                if (hold != null) {
                    byHold.merge(hold, 1L, Long::sum);
                    return true;
                }
                return false;
            }
        }
    }

    private static byte[] bytes(java.nio.ByteBuffer raw) {
        java.nio.ByteBuffer b = raw.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /**
     * No manifest and every planned source gone: an earlier attempt of this task finished. Some
     * gone and some not cannot come from this protocol (sources go only after the manifest).
     */
    private static boolean alreadyDeleted(RetentionTask task) throws IOException {
        int missing = 0;
        for (RetentionTask.Part part : task.parts()) {
            for (PartitionTask.FileRef source : part.sources()) {
                Path p = new Path(source.path());
                if (!p.getFileSystem().exists(p)) {
                    missing++;
                }
            }
        }
        if (missing > 0 && missing < task.sourceFiles()) {
            throw new IllegalStateException(
                    "planned files of "
                            + task.label()
                            + " disappeared before the retention run deleted them");
        }
        return missing > 0;
    }

    private SwapManifest.Output stage(
            Path staging, String name, Path target, List<? extends SpecificRecordBase> records)
            throws IOException {
        Path staged = new Path(staging, name);
        FileSystem fs = staged.getFileSystem();
        fs.mkdirs(staging);
        LakeFiles.writeParquet(staged, records);
        return new SwapManifest.Output(
                staged.toString(),
                target.toString(),
                fs.getFileStatus(staged).getLen(),
                records.size());
    }

    private void fail(SwapStep step) {
        PartitionRewrite.failAt(step, failAt);
    }

    private static PartitionResult result(
            RetentionTask task,
            Outcome outcome,
            int outputs,
            RetentionManifest m,
            long started,
            Map<String, Long> byHold) {
        return new PartitionResult(
                task.parts().get(0).dataset(),
                task.label(),
                outcome,
                m == null ? 0 : m.sources().size(),
                m == null ? 0 : m.sources().stream().mapToLong(PartitionTask.FileRef::bytes).sum(),
                outputs,
                m == null ? 0 : m.outputs().stream().mapToLong(SwapManifest.Output::bytes).sum(),
                0,
                0,
                PartitionRewrite.millis(started),
                m == null ? 0 : m.deleted(),
                m == null ? 0 : m.held(),
                byHold);
    }
}
