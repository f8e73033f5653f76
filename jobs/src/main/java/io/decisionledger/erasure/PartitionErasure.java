package io.decisionledger.erasure;

import io.decisionledger.chain.RecordLayout;
import io.decisionledger.chain.RecordVerifier;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.decision.ErasedColumns;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.privacy.RecordErasure;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.Fingerprints;
import io.decisionledger.rewrite.MergedFileWriter;
import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.SwapManifest;
import io.decisionledger.rewrite.SwapStep;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import java.io.IOException;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Erases the plan's records in one partition folder with the crash-safe partition rewrite ({@link
 * io.decisionledger.rewrite}), one file at a time: read the file; replace the subject's rows
 * (audit: every personal column by its erasure marker, keeping each column's commitment, {@link
 * RecordErasure}; ops: the masked row removed, as its pseudonyms are personal data; quarantine: the
 * raw input replaced by the marker); stage the new file; check that every other row is unchanged
 * bit for bit and that every erased record still verifies under its hash layout (content hash and
 * chain hash); record what was done ({@link ErasedFile}) in the run's staging area; write the
 * manifest (the commit point); publish; delete the old file. A file without a row to erase is not
 * touched. A rerun finishes a committed swap and redoes an uncommitted one.
 *
 * <p>A {@link ErasurePlan.Scope#RESTRICT} plan is only ever given ops partitions (and refuses any
 * other): it removes the masked rows of its records and changes nothing else.
 *
 * <p>Matching: audit and ops rows by the plan's event ids in the plan's tenant (an audit row whose
 * user or case is not the plan's subject stops the run: a wrong plan must not erase somebody else);
 * quarantined input by event id, or when its raw bytes hold the subject id as a JSON string ({@code
 * "id"}, as sent or unescaped) and its tenant is the plan's or unreadable.
 */
public final class PartitionErasure implements Serializable {
    private static final long serialVersionUID = 1L;

    /** What quarantined raw input is replaced with. */
    static final byte[] RAW_MARKER = ErasedColumns.MARKER.getBytes(StandardCharsets.UTF_8);

    /** Rewritten files are one per source: the writer's target is never smaller than this. */
    private static final long MIN_TARGET_BYTES = 256L * 1024 * 1024;

    /** Where each file's {@link ErasedFile} is kept until the receipt is written. */
    static final String DONE = "done";

    private final String planLocation;
    private final String planSha256;
    private final Instant erasedAt;
    private final String runStaging;
    private final ParquetSettings parquet;
    private final SwapStep failAt;

    private transient ErasurePlan plan;
    private transient Set<String> eventIds;
    private transient List<String> needles;

    /**
     * @param planLocation the plan file; the task reads it itself
     * @param planSha256 its digest when the run was planned (a changed plan fails the task)
     * @param erasedAt the time written into every erased record
     * @param runStaging the run's staging folder (per-file staging and {@link #DONE} go there)
     * @param parquet Parquet settings of the rewritten files
     * @param failAt crash tests only, or null
     */
    public PartitionErasure(
            String planLocation,
            String planSha256,
            Instant erasedAt,
            String runStaging,
            ParquetSettings parquet,
            SwapStep failAt) {
        this.planLocation = planLocation;
        this.planSha256 = planSha256;
        this.erasedAt = erasedAt;
        this.runStaging = runStaging;
        this.parquet = parquet;
        this.failAt = failAt;
    }

    /** What one partition gave: the files rewritten, and plan records found already erased. */
    public record Result(ErasureTask task, List<ErasedFile> files, List<String> alreadyErased)
            implements Serializable {}

    private ErasurePlan plan() {
        if (plan == null) {
            PlanFile loaded = PlanFile.load(planLocation);
            if (!loaded.sha256().equals(planSha256)) {
                throw new IllegalStateException(
                        "the erasure plan "
                                + planLocation
                                + " changed while the run was in progress; run again");
            }
            plan = loaded.plan();
            eventIds = new HashSet<>(plan.eventIds());
            String id = plan.subjectId();
            needles = List.of("\"" + id + "\"", "\"" + jsonEscaped(id) + "\"");
        }
        return plan;
    }

    public Result erase(ErasureTask task) throws IOException {
        plan();
        if (plan.scope() == ErasurePlan.Scope.RESTRICT && task.dataset() != Dataset.OPS) {
            // a restriction keeps the records: only their ops rows may go
            throw new IllegalStateException(
                    "restriction plan "
                            + plan.requestId()
                            + "/"
                            + plan.sequence()
                            + " was given a "
                            + task.dataset().label()
                            + " partition; a RESTRICT plan removes ops rows only");
        }
        List<ErasedFile> done = new ArrayList<>();
        Set<String> already = new TreeSet<>();
        for (PartitionTask.FileRef file : task.files()) {
            ErasedFile e = eraseFile(task, file, already);
            if (e != null) {
                done.add(e);
            }
        }
        return new Result(task, done, List.copyOf(already));
    }

    private ErasedFile eraseFile(ErasureTask task, PartitionTask.FileRef file, Set<String> already)
            throws IOException {
        Path source = new Path(file.path());
        String key = PlanFile.sha256(file.path().getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        Path staging = new Path(task.stagingDir(), key);
        FileSystem fs = staging.getFileSystem();
        Path manifestFile = new Path(staging, SwapManifest.FILE_NAME);
        if (fs.exists(manifestFile)) {
            // committed by an earlier attempt: finish it (its ErasedFile is already in DONE)
            rollForward(PartitionRewrite.readManifest(manifestFile), manifestFile, null);
            return null;
        }
        if (fs.exists(staging)) {
            fs.delete(staging, true);
        }
        if (!source.getFileSystem().exists(source)) {
            return null; // an earlier attempt swapped it and cleaned up
        }

        // 1. read, and make the rows as they must be
        Dataset dataset = task.dataset();
        List<SpecificRecordBase> rows = new ArrayList<>();
        LakeFiles.forEachRecord(PartitionRewrite.status(file), dataset.recordClass(), rows::add);
        List<SpecificRecordBase> expected = new ArrayList<>(rows.size());
        int[] kept = new int[rows.size()];
        Set<SpecificRecordBase> changed =
                java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        Set<String> changedIds = new TreeSet<>();
        Set<String> columns = new TreeSet<>();
        long layout2 = 0;
        for (int i = 0; i < rows.size(); i++) {
            SpecificRecordBase r = rows.get(i);
            Change c = change(task, r, already);
            if (c == Change.NONE) {
                kept[i] = expected.size();
                expected.add(r);
                continue;
            }
            changed.add(r);
            String id = dataset.eventId(r);
            if (id != null) {
                changedIds.add(id);
            }
            if (c == Change.REMOVE) {
                kept[i] = -1;
                columns.add("*");
                continue;
            }
            SpecificRecordBase after = copy(dataset, r);
            if (dataset == Dataset.AUDIT) {
                DecisionRecord d = (DecisionRecord) after;
                if (RecordLayout.of(d.getRecordLayout()) == RecordLayout.LAYOUT_2) {
                    layout2++;
                }
                RecordErasure.erase(
                        d, CanonicalContent.personalColumns(), plan.requestId(), erasedAt);
                columns.addAll(CanonicalContent.personalColumns());
            } else {
                QuarantineRecord q = (QuarantineRecord) after;
                // the chain commits to SHA-256(raw): keep it so the quarantine chain verifies
                q.setRawSha256(
                        java.util.HexFormat.of()
                                .formatHex(
                                        io.decisionledger.decision.FieldDigests.sha256()
                                                .digest(bytes(q.getRaw()))));
                q.setRaw(ByteBuffer.wrap(RAW_MARKER.clone()));
                columns.add("raw");
            }
            kept[i] = expected.size();
            expected.add(after);
        }
        if (changed.isEmpty()) {
            return null;
        }

        // 2. stage, 3. verify
        String relative = dataset.directory() + "/" + task.partition() + "/" + source.getName();
        String runId = task.runId() + "-" + key;
        PartitionTask rewrite =
                new PartitionTask(
                        dataset,
                        task.partition(),
                        task.partitionDir(),
                        staging.toString(),
                        runId,
                        List.of(file),
                        List.of());
        MergedFileWriter writer =
                new MergedFileWriter(parquet, Math.max(MIN_TARGET_BYTES, 4 * file.bytes()));
        fs.mkdirs(staging);
        List<SwapManifest.Output> outputs =
                expected.isEmpty() ? List.of() : writer.writeStaged(rewrite, staging, expected);
        fail(SwapStep.STAGED);
        Fingerprints prints = new Fingerprints(dataset);
        PartitionRewrite.checkOnlyIntendedChanges(
                rewrite, rows, expected, kept, changed::contains, prints);
        List<SpecificRecordBase> written =
                PartitionRewrite.readVerified(
                        rewrite,
                        outputs,
                        expected.size(),
                        prints.sorted(expected),
                        PartitionRewrite.eventIds(dataset, expected),
                        prints);
        checkErased(dataset, written, changedIds, relative);
        if (outputs.size() > 1) {
            throw new IllegalStateException("an erased file was written as more than one file");
        }
        fail(SwapStep.VERIFIED);

        // what was done, kept until the receipt is written; then the commit point
        String afterPath = null;
        String afterSha = null;
        if (!outputs.isEmpty()) {
            afterPath =
                    dataset.directory()
                            + "/"
                            + task.partition()
                            + "/"
                            + new Path(outputs.get(0).target()).getName();
            afterSha = PlanFile.sha256(new Path(outputs.get(0).staged()));
        }
        ErasedFile erased =
                new ErasedFile(
                        task.rootLabel(),
                        dataset.label(),
                        relative,
                        rows.size(),
                        changed.size(),
                        PlanFile.sha256(source),
                        afterPath,
                        afterSha,
                        List.copyOf(changedIds),
                        List.copyOf(columns),
                        layout2);
        Path record =
                new Path(
                        new Path(runStaging, DONE),
                        task.rootLabel() + "-" + dataset.label() + "-" + key + ".json");
        record.getFileSystem().mkdirs(record.getParent());
        PartitionRewrite.writeAtomically(PartitionRewrite.toJson(erased), record);
        SwapManifest manifest =
                new SwapManifest(
                        runId, dataset, task.partition(), List.of(file), outputs, expected.size());
        PartitionRewrite.writeManifest(manifest, manifestFile);
        fail(SwapStep.MANIFEST_WRITTEN);

        // 4.-6. publish, delete the old file, clean up
        rollForward(manifest, manifestFile, failAt);
        return erased;
    }

    /** Finishes a committed swap; safe to repeat. */
    static void rollForward(SwapManifest m, Path manifestFile, SwapStep failAt) throws IOException {
        PartitionRewrite.publishThenDelete(
                m.dataset().label() + " " + m.partition(), m.outputs(), m.sources(), failAt);
        Path staging = manifestFile.getParent();
        staging.getFileSystem().delete(staging, true);
    }

    private enum Change {
        NONE,
        ERASE,
        REMOVE
    }

    private Change change(ErasureTask task, SpecificRecordBase r, Set<String> already) {
        switch (task.dataset()) {
            case AUDIT -> {
                DecisionRecord d = (DecisionRecord) r;
                if (!eventIds.contains(d.getEventId())
                        || !plan.tenantId().equals(d.getTenantId())) {
                    return Change.NONE;
                }
                if (fullyErased(d)) {
                    if (!"archive".equals(task.rootLabel())) {
                        already.add(d.getEventId());
                    }
                    return Change.NONE;
                }
                String subject =
                        plan.subjectType() == ErasurePlan.SubjectType.USER
                                ? d.getUserId()
                                : d.getCaseId();
                if (!plan.subjectId().equals(subject)) {
                    throw new IllegalStateException(
                            "erasure plan "
                                    + plan.requestId()
                                    + "/"
                                    + plan.sequence()
                                    + " names event "
                                    + d.getEventId()
                                    + ", whose "
                                    + plan.subjectType().name().toLowerCase(java.util.Locale.ROOT)
                                    + " id is not the plan's subject: nothing was erased; check"
                                    + " the plan");
                }
                return Change.ERASE;
            }
            case OPS -> {
                return eventIds.contains(Dataset.OPS.eventId(r))
                                && plan.tenantId()
                                        .equals(
                                                ((io.decisionledger.schema.OpsDecisionRecord) r)
                                                        .getTenantId())
                        ? Change.REMOVE
                        : Change.NONE;
            }
            default -> {
                QuarantineRecord q = (QuarantineRecord) r;
                if (q.getTenantId() != null && !plan.tenantId().equals(q.getTenantId())) {
                    return Change.NONE;
                }
                byte[] raw = bytes(q.getRaw());
                if (java.util.Arrays.equals(raw, RAW_MARKER)) {
                    return Change.NONE;
                }
                if (q.getEventId() != null && eventIds.contains(q.getEventId())) {
                    return Change.ERASE;
                }
                String text = new String(raw, StandardCharsets.UTF_8);
                for (String needle : needles) {
                    if (text.contains(needle)) {
                        return Change.ERASE;
                    }
                }
                return Change.NONE;
            }
        }
    }

    /** Every personal column erased already (a rerun, or an earlier request). */
    private static boolean fullyErased(DecisionRecord d) {
        if (d.getErasedColumnsJson() == null) {
            return false;
        }
        try {
            return ErasedColumns.parse(d.getErasedColumnsJson())
                    .keySet()
                    .containsAll(CanonicalContent.personalColumns());
        } catch (IllegalArgumentException e) {
            return false; // unreadable: erase again, the verifier reports what is wrong
        }
    }

    /**
     * The erased rows, as read back from the staged file: audit records recompute their content
     * hash from the kept commitments and their chain hash from it, every personal column holds its
     * marker; quarantined input holds the marker.
     */
    private static void checkErased(
            Dataset dataset, List<SpecificRecordBase> written, Set<String> ids, String file) {
        if (dataset != Dataset.AUDIT) {
            for (SpecificRecordBase r : written) {
                if (r instanceof QuarantineRecord q
                        && q.getEventId() != null
                        && ids.contains(q.getEventId())
                        && !java.util.Arrays.equals(bytes(q.getRaw()), RAW_MARKER)) {
                    throw new IllegalStateException(
                            "verification failed for " + file + ": raw input not erased");
                }
            }
            return;
        }
        RecordVerifier verifier = new RecordVerifier();
        for (SpecificRecordBase r : written) {
            DecisionRecord d = (DecisionRecord) r;
            if (!ids.contains(d.getEventId())) {
                continue;
            }
            RecordVerifier.Result v = verifier.verifyContent(d);
            boolean chainOk = d.getHash().equals(verifier.chainHash(d.getPrevHash(), d));
            boolean markers =
                    CanonicalContent.personalColumns().stream()
                            .allMatch(c -> ErasedColumns.holdsMarker(d, c));
            if (!v.contentOk() || !chainOk || !markers || d.getFieldSalt() != null) {
                throw new IllegalStateException(
                        "verification failed for "
                                + file
                                + ": erased record "
                                + d.getEventId()
                                + (v.problem() != null
                                        ? " has a layout problem: " + v.problem()
                                        : !v.contentOk()
                                                ? " no longer recomputes its content hash"
                                                : !chainOk
                                                        ? " no longer links in its chain"
                                                        : " still holds a personal value or its salt"));
            }
        }
    }

    private static SpecificRecordBase copy(Dataset dataset, SpecificRecordBase r) {
        return dataset == Dataset.AUDIT
                ? DecisionRecord.newBuilder((DecisionRecord) r).build()
                : QuarantineRecord.newBuilder((QuarantineRecord) r).build();
    }

    private static byte[] bytes(ByteBuffer raw) {
        if (raw == null) {
            return new byte[0];
        }
        ByteBuffer b = raw.duplicate();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** {@code id} as it appears inside a JSON string: quotes, backslashes and controls escaped. */
    private static String jsonEscaped(String id) {
        StringBuilder s = new StringBuilder();
        for (char ch : id.toCharArray()) {
            if (ch == '"' || ch == '\\') {
                s.append('\\').append(ch);
            } else if (ch < 0x20) {
                s.append(String.format("\\u%04x", (int) ch));
            } else {
                s.append(ch);
            }
        }
        return s.toString();
    }

    private void fail(SwapStep step) {
        PartitionRewrite.failAt(step, failAt);
    }
}
