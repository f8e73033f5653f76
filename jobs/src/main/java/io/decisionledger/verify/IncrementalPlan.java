package io.decisionledger.verify;

import io.decisionledger.schema.ChainHead;
import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * What an incremental verification reads, decided on the client from the verify state and today's
 * listing. A covered file counts as unchanged when it is still listed with the same size and
 * modification time and its footer still has the recorded digest ({@link FooterDigest}); its
 * records are not read again. Where a covered file changed or disappeared (compaction, retention
 * and erasure rewrite partitions; so does tampering), the whole scope it belongs to — its tenant's
 * audit files, or the whole quarantine — is read again and its chains are walked from seq 1, so the
 * ordinary checks decide what happened (a deleted file is a gap unless retention anchored it, a
 * changed record does not hash). Everything else is read only when it is not covered, and its
 * chains go on from the position the state recorded.
 */
final class IncrementalPlan {

    /** The tenant's audit files (and chains) form one scope; the quarantine is one scope. */
    static String scope(String dataset, String tenantId) {
        return Violation.QUARANTINE.equals(dataset) ? Violation.QUARANTINE : "audit/" + tenantId;
    }

    /**
     * @param auditToRead audit files the job reads
     * @param quarantineToRead quarantine files the job reads
     * @param auditStarts chain key → the position audit chains go on from
     * @param quarantineStarts the same for quarantine chains
     * @param kept covered files still valid: carried into the next state
     * @param reverified scopes read again in full, with why
     * @param skippedFiles covered files not read
     * @param skippedBytes their bytes
     */
    record Plan(
            List<FileStatus> auditToRead,
            List<FileStatus> quarantineToRead,
            Map<String, VerifyState.Chain> auditStarts,
            Map<String, VerifyState.Chain> quarantineStarts,
            List<VerifyState.CoveredFile> kept,
            Map<String, String> reverified,
            long skippedFiles,
            long skippedBytes) {

        /** A full run: everything read, chains from seq 1. */
        static Plan full(List<FileStatus> audit, List<FileStatus> quarantine) {
            return new Plan(audit, quarantine, Map.of(), Map.of(), List.of(), Map.of(), 0, 0);
        }
    }

    private IncrementalPlan() {}

    /**
     * The plan for starting from {@code state}.
     *
     * @param rootPath the lake root's path part, ending in '/'
     * @param atStateSeq chain key → the published head at the seq the state recorded, where found
     */
    static Plan of(
            VerifyState state,
            String rootPath,
            List<FileStatus> audit,
            List<FileStatus> quarantine,
            Map<String, ChainHead> atStateSeq,
            PrintStream log)
            throws IOException {
        Map<String, FileStatus> listed = new HashMap<>();
        audit.forEach(f -> listed.put(Violation.AUDIT + ":" + relative(f, rootPath), f));
        quarantine.forEach(f -> listed.put(Violation.QUARANTINE + ":" + relative(f, rootPath), f));

        Map<String, String> reverified = new TreeMap<>();
        // a chain position no published head confirms: its scope is verified from seq 1
        for (VerifyState.Chain c : state.chains()) {
            if (!atStateSeq.containsKey(c.chainKey())) {
                reverified.putIfAbsent(
                        scope(c.dataset(), c.tenantId()),
                        "no published head at the seq the state recorded");
            }
        }
        List<VerifyState.CoveredFile> toDigest = new ArrayList<>();
        for (VerifyState.CoveredFile cf : state.files()) {
            FileStatus now = listed.get(cf.dataset() + ":" + cf.path());
            String scope = scopeOf(cf.dataset(), cf.path());
            if (now == null) {
                reverified.putIfAbsent(scope, "a covered file is gone");
            } else if (now.getLen() != cf.size() || now.getModificationTime() != cf.modified()) {
                reverified.putIfAbsent(scope, "a covered file was rewritten (size or time)");
            } else {
                toDigest.add(cf);
            }
        }
        Map<VerifyState.CoveredFile, String> digests =
                digests(
                        toDigest.stream()
                                .map(cf -> listed.get(cf.dataset() + ":" + cf.path()))
                                .toList(),
                        toDigest);
        List<VerifyState.CoveredFile> kept = new ArrayList<>();
        for (VerifyState.CoveredFile cf : toDigest) {
            String scope = scopeOf(cf.dataset(), cf.path());
            if (!cf.footerSha256().equals(digests.get(cf))) {
                reverified.putIfAbsent(scope, "a covered file's footer changed");
            }
        }
        Set<String> covered = new TreeSet<>();
        long skippedFiles = 0;
        long skippedBytes = 0;
        for (VerifyState.CoveredFile cf : toDigest) {
            if (!reverified.containsKey(scopeOf(cf.dataset(), cf.path()))) {
                kept.add(cf);
                covered.add(cf.dataset() + ":" + cf.path());
                skippedFiles++;
                skippedBytes += cf.size();
            }
        }
        List<FileStatus> auditToRead =
                audit.stream()
                        .filter(
                                f ->
                                        !covered.contains(
                                                Violation.AUDIT + ":" + relative(f, rootPath)))
                        .toList();
        List<FileStatus> quarantineToRead =
                quarantine.stream()
                        .filter(
                                f ->
                                        !covered.contains(
                                                Violation.QUARANTINE + ":" + relative(f, rootPath)))
                        .toList();
        Map<String, VerifyState.Chain> auditStarts = new HashMap<>();
        Map<String, VerifyState.Chain> quarantineStarts = new HashMap<>();
        for (VerifyState.Chain c : state.chains()) {
            if (reverified.containsKey(scope(c.dataset(), c.tenantId()))) {
                continue;
            }
            (Violation.QUARANTINE.equals(c.dataset()) ? quarantineStarts : auditStarts)
                    .put(c.chainKey(), c);
        }
        reverified.forEach(
                (scope, why) ->
                        log.printf("  re-verifying %s in full from seq 1: %s%n", scope, why));
        return new Plan(
                auditToRead,
                quarantineToRead,
                auditStarts,
                quarantineStarts,
                kept,
                reverified,
                skippedFiles,
                skippedBytes);
    }

    /** The covered-file entries of {@code files} (read clean by this run), with their digests. */
    static List<VerifyState.CoveredFile> covered(
            String dataset, List<FileStatus> files, String rootPath) throws IOException {
        List<VerifyState.CoveredFile> shells = new ArrayList<>();
        for (FileStatus f : files) {
            shells.add(
                    new VerifyState.CoveredFile(
                            dataset,
                            relative(f, rootPath),
                            f.getLen(),
                            f.getModificationTime(),
                            ""));
        }
        Map<VerifyState.CoveredFile, String> digests = digests(files, shells);
        List<VerifyState.CoveredFile> out = new ArrayList<>();
        for (VerifyState.CoveredFile s : shells) {
            out.add(
                    new VerifyState.CoveredFile(
                            s.dataset(), s.path(), s.size(), s.modified(), digests.get(s)));
        }
        return out;
    }

    /** The footer digests of {@code files}, read a few at a time (ranged reads on S3). */
    private static Map<VerifyState.CoveredFile, String> digests(
            List<FileStatus> files, List<VerifyState.CoveredFile> keys) throws IOException {
        Map<VerifyState.CoveredFile, String> out = new HashMap<>();
        if (files.isEmpty()) {
            return out;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, files.size()));
        try {
            List<Future<String>> pending = new ArrayList<>();
            for (FileStatus f : files) {
                pending.add(pool.submit(() -> digestOrNull(f)));
            }
            for (int i = 0; i < files.size(); i++) {
                out.put(keys.get(i), pending.get(i).get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading footers", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("reading a footer failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        return out;
    }

    /** Null when the file is gone or not Parquet any more: it then counts as changed. */
    private static String digestOrNull(FileStatus f) {
        try {
            return FooterDigest.of(f);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code file}'s path below the lake root, e.g. {@code audit/decisions/tenant_id=T/…}. */
    static String relative(FileStatus file, String rootPath) {
        String p = file.getPath().toUri().getPath();
        return p.startsWith(rootPath) ? p.substring(rootPath.length()) : p;
    }

    /** The lake root's path part, ending in '/'. */
    static String rootPath(String lakeRoot) {
        String p = new Path(lakeRoot).toUri().getPath();
        return p.endsWith("/") ? p : p + "/";
    }

    /** The scope of a covered file: its tenant's audit files, or the quarantine. */
    static String scopeOf(String dataset, String relativePath) {
        if (Violation.QUARANTINE.equals(dataset)) {
            return Violation.QUARANTINE;
        }
        int t = relativePath.indexOf("tenant_id=");
        if (t < 0) {
            return "audit/";
        }
        int end = relativePath.indexOf('/', t);
        return "audit/"
                + relativePath.substring(
                        t + "tenant_id=".length(), end < 0 ? relativePath.length() : end);
    }
}
