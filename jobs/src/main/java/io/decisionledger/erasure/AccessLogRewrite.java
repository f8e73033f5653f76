package io.decisionledger.erasure;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.access.AccessLogHasher;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.privacy.AccessLogErasure;
import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.SwapStep;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.schema.AccessLogEntry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The access-log part of an ERASE plan: finds the access-log entries about the plan's subject and
 * erases their personal columns ({@code purpose}, {@code query_json}) in place, keeping each
 * column's commitment so the access-log chain still verifies ({@link AccessLogErasure},
 * schemas/CANONICAL.md section 6). Run by {@link ErasureRunner} on the client after the Flink job
 * and before the receipt; each entry is its own file, so each is swapped on its own with the
 * crash-safe pattern of the partition rewrite: stage the erased entry outside the log, read it back
 * and check it (its hash recomputes to the old one, every other column is unchanged), record what
 * was done ({@link ErasedFile}) for the receipt, write the swap record (the commit point), replace
 * the entry's file (same name: the file name carries the entry's seq and access id), clean up. A
 * rerun finishes a committed swap and redoes an uncommitted one.
 *
 * <p>An entry is about the subject when it is in the plan's tenant (or in none: an access-log read
 * across tenants) and its query names the subject id as a value, or its record ids include one of
 * the plan's records, or its purpose contains the subject id. An entry that does not verify before
 * erasure stops the run: erasing it would hide the tampering under a fresh erasure. The erasure run
 * itself writes no access-log entry: it returns no records to anybody, and an entry recording it
 * would name the subject again; its record is the receipt, hash-chained with the request.
 */
final class AccessLogRewrite {

    /** The commit record of one entry's swap, in its staging folder. */
    static final String SWAP_FILE = "access-log-swap.json";

    /** Label of the access log in receipts and done records. */
    static final String DATASET = "access-log";

    private static final String STAGED = "entry.parquet";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The commit record of an entry's swap: the staged file replaces the target.
     *
     * @param target the entry's file
     * @param staged the erased entry's file in the staging area
     * @param afterSha256 SHA-256 of the staged file (the target holds it once published)
     */
    record Swap(
            @JsonProperty("target") String target,
            @JsonProperty("staged") String staged,
            @JsonProperty("after_sha256") String afterSha256) {}

    private final LakeLayout lake;
    private final ErasurePlan plan;
    private final Instant erasedAt;
    private final Path runStaging;
    private final SwapStep failAt;
    private final Set<String> eventIds;

    /**
     * @param runStaging the run's staging folder ({@link ErasureRunner#STAGING}); the entries are
     *     staged under {@code access-log/} in it, done records under {@link PartitionErasure#DONE}
     * @param failAt crash tests only, or null
     */
    AccessLogRewrite(
            LakeLayout lake, ErasurePlan plan, Instant erasedAt, Path runStaging, SwapStep failAt) {
        this.lake = lake;
        this.plan = plan;
        this.erasedAt = erasedAt;
        this.runStaging = runStaging;
        this.failAt = failAt;
        this.eventIds = new HashSet<>(plan.eventIds());
    }

    /** What the pass did: entries read, and the files it rewrote (this attempt only). */
    record Result(long entriesSearched, List<ErasedFile> files) {}

    /** Erases every entry about the subject that is not erased yet. */
    Result run(PrintStream log) throws IOException {
        List<ErasedFile> done = new ArrayList<>();
        long searched = 0;
        for (FileStatus f : entryFiles(lake)) {
            searched++;
            ErasedFile e = eraseFile(f);
            if (e != null) {
                done.add(e);
                log.printf("  access-log %s: entry %s%n", e.path(), "erased");
            }
        }
        return new Result(searched, done);
    }

    /** The committed entry files, in path order (date folders only: no claims, index, staging). */
    static List<FileStatus> entryFiles(LakeLayout lake) throws IOException {
        Path root = lake.accessLog();
        FileSystem fs = root.getFileSystem();
        List<FileStatus> out = new ArrayList<>();
        if (!fs.exists(root)) {
            return out;
        }
        FileStatus[] children = fs.listStatus(root);
        for (FileStatus c : children == null ? new FileStatus[0] : children) {
            if (c.isDir() && c.getPath().getName().startsWith("access_date=")) {
                out.addAll(LakeFiles.parquetFiles(c.getPath()));
            }
        }
        out.sort(Comparator.comparing(s -> s.getPath().toString()));
        return out;
    }

    private ErasedFile eraseFile(FileStatus file) throws IOException {
        Path source = file.getPath();
        String relative = DATASET + "/" + source.getParent().getName() + "/" + source.getName();
        String key = PlanFile.sha256(relative.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
        Path staging = new Path(new Path(runStaging, DATASET), key);
        FileSystem fs = staging.getFileSystem();
        Path swapFile = new Path(staging, SWAP_FILE);
        if (fs.exists(swapFile)) {
            // committed by an earlier attempt: finish it (its ErasedFile is already in DONE)
            rollForward(swapFile);
            return null;
        }
        if (fs.exists(staging)) {
            fs.delete(staging, true);
        }

        // 1. read, and decide
        List<AccessLogEntry> rows = new ArrayList<>();
        LakeFiles.forEachRecord(file, AccessLogEntry.class, rows::add);
        if (rows.size() != 1) {
            throw new IllegalStateException(
                    relative
                            + " holds "
                            + rows.size()
                            + " entries, not 1; run 'audit access-log"
                            + " --verify' before erasing");
        }
        AccessLogEntry before = rows.get(0);
        if (!about(before) || AccessLogErasure.fullyErased(before)) {
            return null;
        }
        AccessLogHasher hasher = new AccessLogHasher();
        String problem = hasher.problem(before.getPrevHash(), before);
        if (problem != null) {
            throw new IllegalStateException(
                    "access-log entry "
                            + before.getLogSeq()
                            + " does not verify before erasure ("
                            + problem
                            + "): nothing of it was erased; run 'audit access-log --verify'");
        }
        AccessLogEntry after = AccessLogEntry.newBuilder(before).build();
        AccessLogErasure.erase(after, plan.requestId(), erasedAt);

        // 2. stage, 3. verify what was written
        Path staged = new Path(staging, STAGED);
        LakeFiles.writeParquet(staged, List.of(after));
        fail(SwapStep.STAGED);
        List<AccessLogEntry> back = new ArrayList<>();
        LakeFiles.forEachRecord(
                staged.getFileSystem().getFileStatus(staged), AccessLogEntry.class, back::add);
        if (back.size() != 1
                || !back.get(0).equals(after)
                || !before.getHash().equals(back.get(0).getHash())
                || hasher.problem(before.getPrevHash(), back.get(0)) != null
                || !unchangedBesidesErasure(before, back.get(0))) {
            throw new IllegalStateException(
                    "verification failed for "
                            + relative
                            + ": the erased entry does not read back as written or no longer"
                            + " recomputes its hash");
        }
        fail(SwapStep.VERIFIED);

        // what was done, kept until the receipt is written; then the commit point
        String afterSha = PlanFile.sha256(staged);
        ErasedFile erased =
                new ErasedFile(
                        "lake",
                        DATASET,
                        relative,
                        1,
                        1,
                        PlanFile.sha256(source),
                        relative,
                        afterSha,
                        List.of(),
                        AccessLogHasher.personalColumns(),
                        AccessLogHasher.layout(before) == 1 ? 1 : 0);
        Path record =
                new Path(
                        new Path(runStaging, PartitionErasure.DONE),
                        "lake-" + DATASET + "-" + key + ".json");
        record.getFileSystem().mkdirs(record.getParent());
        PartitionRewrite.writeAtomically(PartitionRewrite.toJson(erased), record);
        PartitionRewrite.writeAtomically(
                JSON.writeValueAsString(new Swap(source.toString(), staged.toString(), afterSha)),
                swapFile);
        fail(SwapStep.MANIFEST_WRITTEN);

        // 4. replace the entry's file, 5. clean up
        rollForward(swapFile);
        return erased;
    }

    /** Every column but the personal ones and the erasure columns is as it was. */
    private static boolean unchangedBesidesErasure(AccessLogEntry before, AccessLogEntry after) {
        AccessLogEntry a = AccessLogEntry.newBuilder(after).build();
        a.setPurpose(before.getPurpose());
        a.setQueryJson(before.getQueryJson());
        a.setFieldSalt(before.getFieldSalt());
        a.setErasedColumnsJson(before.getErasedColumnsJson());
        a.setErasureRequestId(before.getErasureRequestId());
        a.setErasedAt(before.getErasedAt());
        return a.equals(before);
    }

    /** True when {@code e} is about the plan's subject (see the class comment). */
    boolean about(AccessLogEntry e) {
        if (e.getTenantId() != null && !plan.tenantId().equals(e.getTenantId())) {
            return false;
        }
        for (String id : e.getRecordIds()) {
            if (eventIds.contains(id)) {
                return true;
            }
        }
        if (e.getPurpose() != null && e.getPurpose().contains(plan.subjectId())) {
            return true;
        }
        if (e.getQueryJson() == null) {
            return false;
        }
        try {
            return namesValue(JSON.readTree(e.getQueryJson()), plan.subjectId());
        } catch (IOException x) {
            // not JSON (hand-written, or the marker): fall back to the text
            return e.getQueryJson().contains(plan.subjectId());
        }
    }

    private static boolean namesValue(JsonNode n, String value) {
        if (n == null) {
            return false;
        }
        if (n.isTextual()) {
            return n.asText().equals(value);
        }
        for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
            if (namesValue(it.next(), value)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Finishes a committed swap; safe to repeat: the staged file replaces the entry's file unless
     * it already did, then the staging folder goes.
     */
    static void rollForward(Path swapFile) throws IOException {
        Swap swap = JSON.readValue(PartitionRewrite.readText(swapFile), Swap.class);
        Path target = new Path(swap.target());
        Path staged = new Path(swap.staged());
        FileSystem fs = target.getFileSystem();
        boolean published = fs.exists(target) && PlanFile.sha256(target).equals(swap.afterSha256());
        if (!published) {
            if (!staged.getFileSystem().exists(staged)) {
                throw new IllegalStateException(
                        "cannot finish the access-log swap of "
                                + target.getName()
                                + ": the erased entry is neither staged nor in place");
            }
            // a local rename replaces the target atomically; where it cannot (object stores),
            // the old file goes first and the swap record finishes the move after a crash
            boolean moved;
            try {
                moved = fs.rename(staged, target);
            } catch (IOException e) {
                moved = false;
            }
            if (!moved || !PlanFile.sha256(target).equals(swap.afterSha256())) {
                if (fs.exists(target)) {
                    fs.delete(target, false);
                }
                if (!fs.rename(staged, target)) {
                    throw new IOException("could not move the erased entry to " + target);
                }
            }
        }
        Path staging = swapFile.getParent();
        staging.getFileSystem().delete(staging, true);
    }

    /** Finishes every committed access-log swap under {@code root} (any run); returns how many. */
    static int recover(Path root, PrintStream log) throws IOException {
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) {
            return 0;
        }
        List<Path> found = new ArrayList<>();
        find(fs, root, found);
        for (Path swap : found) {
            rollForward(swap);
            log.printf(
                    "  finished the interrupted swap of an access-log entry (%s)%n",
                    swap.getParent().getName());
        }
        return found.size();
    }

    private static void find(FileSystem fs, Path dir, List<Path> out) throws IOException {
        FileStatus[] children = fs.listStatus(dir);
        if (children == null) {
            return;
        }
        for (FileStatus c : children) {
            if (c.isDir()) {
                find(fs, c.getPath(), out);
            } else if (c.getPath().getName().equals(SWAP_FILE)) {
                out.add(c.getPath());
            }
        }
    }

    private void fail(SwapStep step) {
        PartitionRewrite.failAt(step, failAt);
    }
}
