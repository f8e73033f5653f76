package io.decisionledger.access;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.lake.ExclusiveCreate;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.schema.AccessLogEntry;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The lake's access log: who read which restricted records, when, and why. Every read of full
 * records is recorded here before the records are returned (a read that cannot be recorded fails),
 * as one new Parquet file per access under {@code <lake>/access-log/access_date=D/}, written under
 * a hidden name and then renamed, never modified afterwards. Entries form one hash chain per lake
 * ({@link AccessLogHasher}); {@link #verify()} re-checks it from the files alone.
 *
 * <p>Appending needs the current head (latest seq and hash). Any number of writers may append to
 * one lake (audit API replicas, the audit CLI, ReplayJob's runner): each seq is taken with an
 * exclusive create of its claim under {@code access-log/_seq/} ({@link ExclusiveCreate}: an atomic
 * local create on {@code file://}, a conditional PutObject on S3), so exactly one writer holds each
 * seq and the others chain after it. A file system that cannot create exclusively is refused rather
 * than risk a fork; {@link #verify()} still reports a repeated seq if one ever appears.
 */
public final class AccessLog {

    /** What was read. */
    public static final String DATASET_DECISIONS = "audit/decisions";

    public static final String DATASET_ACCESS_LOG = "access-log";

    /** The kinds of restricted reads. */
    public enum Action {
        DECISION_AT,
        HISTORY,
        EVENT,
        BUNDLE,
        ACCESS_LOG,
        /** ReplayJob read full records to re-send them to a model endpoint. */
        REPLAY,
        /** An erasure request's evaluation read the subject's ids (io.decisionledger.rights). */
        ERASURE_EVALUATION,
        /** A restriction request's planning read the subject's ids to find its ops rows. */
        RESTRICTION_PLANNING,
        /** Everything held about a data subject was exported (GDPR Art. 15). */
        SUBJECT_ACCESS_EXPORT,
        /** The data-subject request log was read (it names subjects). */
        RIGHTS_REQUESTS,
        /**
         * A compliance report was produced from the tenant's full records (aggregates only); the
         * entry's query holds the report's SHA-256.
         */
        REPORT
    }

    /** The outcome of a request refused for the caller's tenant grant: nothing was read. */
    public static final String REFUSED = "REFUSED";

    /**
     * One read, before it is chained.
     *
     * @param query the query's parameters (may name the subject: the log is restricted)
     * @param outcome {@link #REFUSED} for a refused request; null for a read (then {@code RETURNED}
     *     or {@code NONE_FOUND} by its record ids)
     */
    public record Access(
            Caller caller,
            Action action,
            String purpose,
            String dataset,
            String tenantId,
            List<String> recordIds,
            Map<String, String> query,
            String outcome) {

        public Access(
                Caller caller,
                Action action,
                String purpose,
                String dataset,
                String tenantId,
                List<String> recordIds,
                Map<String, String> query) {
            this(caller, action, purpose, dataset, tenantId, recordIds, query, null);
        }

        /**
         * A request refused before anything was read (the caller is not granted the tenant). It is
         * logged even without a purpose: who tried is what the log must show.
         */
        public static Access refused(
                Caller caller,
                Action action,
                String purpose,
                String dataset,
                String tenantId,
                Map<String, String> query) {
            return new Access(
                    caller,
                    action,
                    purpose == null || purpose.isBlank() ? "(none stated)" : purpose,
                    dataset,
                    tenantId,
                    List.of(),
                    query,
                    REFUSED);
        }
    }

    /**
     * The result of re-checking the chain.
     *
     * @param problems what is wrong, by seq (never record content); empty when intact
     * @param erasedByRequest entries with erased personal columns, by erasure request (GDPR Art.
     *     17; they verify from their kept commitments)
     */
    public record Verification(
            long entries,
            long lastSeq,
            String lastHash,
            List<String> problems,
            Map<String, Long> erasedByRequest) {

        public Verification(long entries, long lastSeq, String lastHash, List<String> problems) {
            this(entries, lastSeq, lastHash, problems, Map.of());
        }

        public boolean intact() {
            return problems.isEmpty();
        }

        /** E.g. "3 entries with erased fields under request DSR-1"; empty when none. */
        public List<String> erasureNotes() {
            List<String> notes = new ArrayList<>();
            erasedByRequest.forEach(
                    (request, n) ->
                            notes.add(
                                    n
                                            + (n == 1 ? " entry" : " entries")
                                            + " with erased fields under request "
                                            + request));
            return notes;
        }
    }

    private static final Pattern FILE_NAME =
            Pattern.compile("access-(\\d{20})-[0-9a-f-]{36}\\.parquet");
    private static final Map<String, Object> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final String CLAIMS = "_seq";
    private static final String STAGING = "_staging";

    /** Each lost claim means another writer appended meanwhile; this many in a row is a fault. */
    private static final int MAX_CLAIM_ATTEMPTS = 1000;

    private final LakeLayout lake;
    private final Clock clock;

    public AccessLog(LakeLayout lake, Clock clock) {
        this.lake = lake;
        this.clock = clock;
    }

    /**
     * Chains and writes one entry; returns it once its file is visible.
     *
     * <p>The entry's seq is taken with an exclusive create of its claim ({@link #claimPath}): of
     * two writers that read the same head, one wins the claim and the other re-reads the claim it
     * lost to, chains after it and tries the next seq, so the log never forks and no entry is lost.
     * The entry's file is complete (under a hidden name) before the claim is made, so a claim
     * always points at a whole entry; a writer that finds a claim whose file was never published
     * (its writer stopped between claim and rename) publishes it.
     *
     * @throws IOException when it cannot be written: the caller must then not return the records
     */
    public AccessLogEntry record(Access access) throws IOException {
        if (access.purpose() == null || access.purpose().isBlank()) {
            throw new IllegalArgumentException("a purpose is required to read restricted records");
        }
        // Within a JVM, writers to one lake queue here rather than race for claims.
        synchronized (JVM_LOCKS.computeIfAbsent(lake.root(), k -> new Object())) {
            Claim head = Claim.of(head());
            AccessLogIndex index = new AccessLogIndex(lake);
            for (int attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
                // the entry before ours is indexed before ours is claimed (see AccessLogIndex)
                if (head == null) {
                    index.beforeAppend(0, List.of());
                } else {
                    // its file is visible, or still staged if its writer is between claim and
                    // rename
                    index.beforeAppend(
                            head.seq(),
                            List.of(visiblePath(head), hiddenPath(head), visiblePath(head)));
                }
                Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                // Entries in seq order never go back in time, so the latest date folder always
                // holds the head, even if the clock stepped back.
                if (head != null && now.isBefore(head.accessTime())) {
                    now = head.accessTime();
                }
                AccessLogEntry entry =
                        AccessLogEntry.newBuilder()
                                .setAccessId(UUID.randomUUID().toString())
                                .setAccessTime(now)
                                .setActor(access.caller().user())
                                .setActorRole(access.caller().role().id())
                                .setVia(access.caller().via())
                                .setChannel(access.caller().channelName())
                                .setAction(access.action().name())
                                .setPurpose(access.purpose().strip())
                                .setDataset(access.dataset())
                                .setTenantId(access.tenantId())
                                .setRecordIds(List.copyOf(access.recordIds()))
                                .setQueryJson(queryJson(access.query()))
                                .setOutcome(
                                        access.outcome() != null
                                                ? access.outcome()
                                                : access.recordIds().isEmpty()
                                                        ? "NONE_FOUND"
                                                        : "RETURNED")
                                .setLogSeq(head == null ? 1 : head.seq() + 1)
                                .setPrevHash(head == null ? AccessLogHasher.GENESIS : head.hash())
                                .setHash("")
                                .setEntryLayout(AccessLogHasher.LAYOUT_2)
                                .setFieldSalt(newSalt())
                                .build();
                entry.setHash(new AccessLogHasher().hash(entry.getPrevHash(), entry));
                Claim mine = Claim.of(entry);
                writeHidden(entry);
                Path claimPath = claimPath(entry.getLogSeq());
                if (ExclusiveCreate.create(claimPath, mine.toJson())) {
                    publish(mine);
                    index.add(entry);
                    return entry;
                }
                Claim taken = readClaim(claimPath);
                if (taken != null && taken.accessId().equals(mine.accessId())) {
                    // Our own create, retried by the S3 client after a lost response.
                    publish(mine);
                    index.add(entry);
                    return entry;
                }
                hiddenPath(mine).getFileSystem().delete(hiddenPath(mine), false);
                if (taken != null) {
                    publishIfAbandoned(taken);
                    head = taken;
                }
                // else: a concurrent create was in flight (S3 409) and did not land: same seq again
            }
            throw new IOException(
                    "could not append to the access log: "
                            + MAX_CLAIM_ATTEMPTS
                            + " attempts, each seq taken by another writer first");
        }
    }

    /**
     * The purpose of {@code e} as a reader shows it: the stated purpose, or for an entry whose
     * personal columns were erased (GDPR Art. 17) "[erased under request R on D]".
     */
    public static String shownPurpose(AccessLogEntry e) {
        if (e.getErasedColumnsJson() == null) {
            return e.getPurpose();
        }
        return "[erased under request "
                + (e.getErasureRequestId() == null ? "(none recorded)" : e.getErasureRequestId())
                + (e.getErasedAt() == null
                        ? ""
                        : " on " + LocalDate.ofInstant(e.getErasedAt(), ZoneOffset.UTC))
                + "]";
    }

    /** Entries whose access date is within [from, to] (either may be null), in seq order. */
    public List<AccessLogEntry> entries(
            LocalDate from, LocalDate to, Predicate<AccessLogEntry> filter) throws IOException {
        List<AccessLogEntry> out = new ArrayList<>();
        for (LocalDate d : dates()) {
            if ((from == null || !d.isBefore(from)) && (to == null || !d.isAfter(to))) {
                for (FileStatus f : LakeFiles.parquetFiles(dateDir(d))) {
                    LakeFiles.forEachRecord(
                            f,
                            AccessLogEntry.class,
                            e -> {
                                if (filter.test(e)) {
                                    out.add(e);
                                }
                            });
                }
            }
        }
        out.sort(Comparator.comparingLong(AccessLogEntry::getLogSeq));
        return out;
    }

    /** Re-checks the whole chain from the files: seqs 1..n once each, links and hashes. */
    public Verification verify() throws IOException {
        TreeMap<Long, List<AccessLogEntry>> bySeq = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (LocalDate d : dates()) {
            for (FileStatus f : LakeFiles.parquetFiles(dateDir(d))) {
                Matcher m = FILE_NAME.matcher(f.getPath().getName());
                long[] rows = {0};
                LakeFiles.forEachRecord(
                        f,
                        AccessLogEntry.class,
                        e -> {
                            rows[0]++;
                            bySeq.computeIfAbsent(e.getLogSeq(), k -> new ArrayList<>()).add(e);
                            if (m.matches() && Long.parseLong(m.group(1)) != e.getLogSeq()) {
                                problems.add(
                                        "log_seq "
                                                + e.getLogSeq()
                                                + ": its file is named for another seq");
                            }
                        });
                if (rows[0] != 1) {
                    problems.add(
                            "a file under access_date="
                                    + d
                                    + " holds "
                                    + rows[0]
                                    + " entries, not 1");
                }
            }
        }
        AccessLogHasher hasher = new AccessLogHasher();
        Map<String, Long> erased = new TreeMap<>();
        long expected = 1;
        String prev = AccessLogHasher.GENESIS;
        long count = 0;
        for (Map.Entry<Long, List<AccessLogEntry>> e : bySeq.entrySet()) {
            long seq = e.getKey();
            count += e.getValue().size();
            if (seq != expected) {
                problems.add(
                        seq > expected
                                ? "log_seq " + expected + ".." + (seq - 1) + " missing"
                                : "log_seq " + seq + " is not positive");
            }
            if (e.getValue().size() > 1) {
                problems.add("log_seq " + seq + " appears " + e.getValue().size() + " times");
            }
            AccessLogEntry entry = e.getValue().get(0);
            if (seq == expected && !entry.getPrevHash().equals(prev)) {
                problems.add("log_seq " + seq + ": prev_hash does not link to the previous entry");
            }
            String problem = hasher.problem(entry.getPrevHash(), entry);
            if (problem != null) {
                problems.add("log_seq " + seq + ": " + problem);
            }
            if (entry.getErasedColumnsJson() != null && entry.getErasureRequestId() != null) {
                erased.merge(entry.getErasureRequestId(), 1L, Long::sum);
            }
            prev = entry.getHash();
            expected = seq + 1;
        }
        return new Verification(
                count, expected - 1, prev, List.copyOf(problems), Map.copyOf(erased));
    }

    /** The entry with the highest seq, or null for an empty log. */
    private AccessLogEntry head() throws IOException {
        List<LocalDate> dates = dates();
        for (int i = dates.size() - 1; i >= 0; i--) {
            FileStatus latest = null;
            long latestSeq = -1;
            for (FileStatus f : LakeFiles.parquetFiles(dateDir(dates.get(i)))) {
                Matcher m = FILE_NAME.matcher(f.getPath().getName());
                if (m.matches() && Long.parseLong(m.group(1)) > latestSeq) {
                    latestSeq = Long.parseLong(m.group(1));
                    latest = f;
                }
            }
            if (latest != null) {
                List<AccessLogEntry> found = new ArrayList<>();
                LakeFiles.forEachRecord(latest, AccessLogEntry.class, found::add);
                if (found.size() != 1 || found.get(0).getLogSeq() != latestSeq) {
                    throw new IllegalStateException(
                            "the access log's latest file does not hold entry "
                                    + latestSeq
                                    + "; run 'audit access-log --verify' before appending");
                }
                return found.get(0);
            }
        }
        return null;
    }

    /** The entry's file under its hidden name; {@link #publish} makes it visible. */
    private void writeHidden(AccessLogEntry entry) throws IOException {
        Path hidden = hiddenPath(Claim.of(entry));
        FileSystem fs = hidden.getFileSystem();
        fs.mkdirs(hidden.getParent());
        try (FSDataOutputStream out = fs.create(hidden, FileSystem.WriteMode.NO_OVERWRITE)) {
            BulkWriter<AccessLogEntry> writer =
                    ParquetFormats.smallFileWriterFor(
                                    AccessLogEntry.class, ParquetSettings.defaults())
                            .create(out);
            writer.addElement(entry);
            writer.finish();
        }
    }

    /**
     * Renames a claimed entry's hidden file to its visible name. Another writer may be publishing
     * the same claim (see {@link #publishIfAbandoned}): whoever renames second finds the visible
     * file there, which is success too.
     */
    private void publish(Claim claim) throws IOException {
        Path hidden = hiddenPath(claim);
        Path visible = visiblePath(claim);
        FileSystem fs = visible.getFileSystem();
        fs.mkdirs(visible.getParent());
        IOException failure = null;
        boolean renamed;
        try {
            renamed = fs.rename(hidden, visible);
        } catch (IOException e) {
            renamed = false;
            failure = e;
        }
        if (!renamed && !fs.exists(visible)) {
            throw new IOException("could not publish the access-log entry " + claim.seq(), failure);
        }
    }

    /**
     * A claim whose entry is not visible yet belongs to a writer between claim and rename, or to
     * one that stopped there; either way its complete file is under the hidden name, and publishing
     * it keeps the chain gap-free.
     */
    private void publishIfAbandoned(Claim claim) throws IOException {
        Path visible = visiblePath(claim);
        FileSystem fs = visible.getFileSystem();
        if (!fs.exists(visible) && fs.exists(hiddenPath(claim))) {
            publish(claim);
        }
    }

    /**
     * Where the claim of a seq lives: {@code <log>/_seq/<seq as 20 digits>.json}, created once
     * (exclusively), never replaced. Not Parquet, so readers of {@code access-log/**}{@code
     * /*.parquet} never see it; it holds no personal data (seq, access id, time, hash, file name).
     */
    private Path claimPath(long seq) {
        return new Path(new Path(lake.accessLog(), CLAIMS), String.format("%020d.json", seq));
    }

    private Path visiblePath(Claim claim) {
        return new Path(dateDir(claim.date()), claim.fileName());
    }

    /**
     * Entries are written under {@code <log>/_staging/} and renamed into their date folder, so a
     * date folder only ever gains whole files: a reader listing it never meets a file that vanishes
     * under it (Flink's local listing fails on one).
     */
    private Path hiddenPath(Claim claim) {
        return new Path(new Path(lake.accessLog(), STAGING), claim.fileName() + ".inprogress");
    }

    private static Claim readClaim(Path path) throws IOException {
        FileSystem fs = path.getFileSystem();
        if (!fs.exists(path)) {
            return null;
        }
        try (FSDataInputStream in = fs.open(path)) {
            return Claim.fromJson(in.readAllBytes());
        }
    }

    /**
     * What a claim records of its entry: enough to chain after it (seq, hash, time) and to find its
     * file, without reading the file.
     */
    private record Claim(long seq, String accessId, Instant accessTime, String hash) {

        static Claim of(AccessLogEntry e) {
            return e == null
                    ? null
                    : new Claim(e.getLogSeq(), e.getAccessId(), e.getAccessTime(), e.getHash());
        }

        LocalDate date() {
            return LocalDate.ofInstant(accessTime, ZoneOffset.UTC);
        }

        String fileName() {
            return String.format("access-%020d-%s.parquet", seq, accessId);
        }

        byte[] toJson() throws IOException {
            Map<String, Object> m = new java.util.LinkedHashMap<>();
            m.put("log_seq", seq);
            m.put("access_id", accessId);
            m.put("access_time", accessTime.toString());
            m.put("hash", hash);
            return QUERY_JSON.writeValueAsBytes(m);
        }

        static Claim fromJson(byte[] json) throws IOException {
            com.fasterxml.jackson.databind.JsonNode n = QUERY_JSON.readTree(json);
            if (n == null
                    || !n.path("log_seq").canConvertToLong()
                    || !n.path("access_id").isTextual()
                    || !n.path("access_time").isTextual()
                    || !isHex64(n.path("hash").asText(null))) {
                throw new IOException(
                        "an access-log claim is not readable; run 'audit access-log --verify'");
            }
            try {
                return new Claim(
                        n.get("log_seq").asLong(),
                        n.get("access_id").asText(),
                        Instant.parse(n.get("access_time").asText()),
                        n.get("hash").asText());
            } catch (DateTimeParseException e) {
                throw new IOException("an access-log claim has an unreadable access_time", e);
            }
        }
    }

    private List<LocalDate> dates() throws IOException {
        Path root = lake.accessLog();
        FileSystem fs = root.getFileSystem();
        List<LocalDate> dates = new ArrayList<>();
        if (!fs.exists(root)) {
            return dates;
        }
        FileStatus[] children = fs.listStatus(root);
        for (FileStatus c : children == null ? new FileStatus[0] : children) {
            String n = c.getPath().getName();
            if (c.isDir() && n.startsWith("access_date=")) {
                try {
                    dates.add(LocalDate.parse(n.substring("access_date=".length())));
                } catch (DateTimeParseException e) {
                    // not a folder this log writes
                }
            }
        }
        dates.sort(Comparator.naturalOrder());
        return dates;
    }

    private Path dateDir(LocalDate d) {
        return new Path(lake.accessLog(), "access_date=" + d);
    }

    private static final java.security.SecureRandom SALTS = new java.security.SecureRandom();

    /**
     * A new entry's field salt (layout 2): 32 bytes from SecureRandom, so the commitments to its
     * purpose and query kept after an erasure cannot be reversed by guessing.
     */
    private static String newSalt() {
        byte[] salt = new byte[io.decisionledger.decision.SaltedCommitment.SALT_BYTES];
        SALTS.nextBytes(salt);
        return java.util.HexFormat.of().formatHex(salt);
    }

    /** Query parameters are stored as a JSON object (a sorted map, so equal queries hash alike). */
    private static final ObjectMapper QUERY_JSON = new ObjectMapper();

    private static String queryJson(Map<String, String> query) {
        try {
            return QUERY_JSON.writeValueAsString(new TreeMap<>(query));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("query parameters are not serialisable", e);
        }
    }

    private static boolean isHex64(String s) {
        return s != null
                && s.length() == 64
                && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
