package io.decisionledger.rights;

import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.Caller;
import io.decisionledger.decision.DecisionIds;
import io.decisionledger.lake.ExclusiveCreate;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rights.ErasurePlan.SubjectType;
import io.decisionledger.rights.RequestEntry.Kind;
import io.decisionledger.rights.RequestEntry.State;
import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The data-subject request log of a lake: every access, restriction and erasure request of a
 * tenant's data subjects, from the day it arrived until nothing is left to do, as append-only
 * entries ({@link RequestEntry}) under {@code <lake>/rights/requests/tenant_id=T/}, one strict-JSON
 * file per entry ({@code entry-<seq as 20 digits>.json}), hash-chained per tenant ({@link
 * RequestLogHasher}). Every state change of a request is a new entry; nothing is ever rewritten.
 *
 * <p>Appending takes the next seq by creating the entry's file exclusively ({@link
 * ExclusiveCreate}: an atomic local create on {@code file://}, a conditional PutObject with {@code
 * If-None-Match} on S3), as the access log claims its seqs: of two writers that read the same head
 * exactly one creates the file, the other re-reads the head and chains after it, so the log never
 * forks. {@link #verify} re-checks the chain from the files alone (a gap, a repeated or renamed
 * entry, a broken link or an altered entry is a problem).
 *
 * <p>Subject ids are personal data: only a caller whose role reads full records ({@code
 * compliance_officer}) and whose grant covers the tenant may append or read (refusals name the
 * tenant, never the subject); errors and problems name seqs and request ids, never a subject.
 */
public final class RequestLog {

    /** The lake folder of the request logs, below the lake root. */
    public static final String REQUESTS = "rights/requests";

    /** A request id: it names a lake folder of plans and receipts ({@code request_id=R}). */
    public static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}");

    private static final Pattern FILE_NAME = Pattern.compile("entry-(\\d{20})\\.json");
    private static final Map<String, Object> JVM_LOCKS = new ConcurrentHashMap<>();
    private static final int MAX_CLAIM_ATTEMPTS = 1000;

    /**
     * What a state change adds to the request (all optional).
     *
     * @param until DEFERRED: the day the deferred part may be erased
     * @param receiptSha256 EXECUTED: the receipt file's SHA-256 (64 hex)
     * @param reason why, in words (never a subject id)
     * @param detailsJson the evaluation (a JSON object)
     * @param subjectRestricted whether the request keeps the subject restricted from now on
     */
    public record Change(
            LocalDate until,
            String receiptSha256,
            String reason,
            String detailsJson,
            boolean subjectRestricted) {

        public static Change plain(boolean subjectRestricted) {
            return new Change(null, null, null, null, subjectRestricted);
        }
    }

    /** A data subject: a user id or a case id of the tenant's decisions. */
    public record Subject(SubjectType type, String id) {
        /** For messages: the kind of subject, never its id. */
        @Override
        public String toString() {
            return type.name().toLowerCase(java.util.Locale.ROOT) + " (id withheld)";
        }
    }

    /**
     * The result of re-checking a tenant's chain.
     *
     * @param problems by seq and request id, never a subject; empty when intact
     */
    public record Verification(
            String tenantId, long entries, long lastSeq, String lastHash, List<String> problems) {
        public boolean intact() {
            return problems.isEmpty();
        }
    }

    private final LakeLayout lake;
    private final Clock clock;

    public RequestLog(LakeLayout lake, Clock clock) {
        this.lake = lake;
        this.clock = clock;
    }

    /** The tenant's folder of entries. */
    public Path tenantDir(String tenantId) {
        return lake.resolve(REQUESTS + "/tenant_id=" + tenantId);
    }

    /**
     * Logs a new request (state RECEIVED).
     *
     * @param requestId the request's id (a reference the bank chooses, e.g. its ticket number);
     *     null makes one ({@code DSR-<received date>-<random>})
     * @throws IllegalArgumentException for a bad id or an id already on file
     */
    public RequestEntry receive(
            Caller caller,
            String tenantId,
            String requestId,
            Kind kind,
            SubjectType subjectType,
            String subjectId,
            LocalDate receivedDate,
            String requesterReference)
            throws IOException {
        authorize(caller, tenantId, "log a data-subject request");
        String id =
                requestId != null
                        ? requestId
                        : "DSR-"
                                + receivedDate
                                + "-"
                                + java.util.UUID.randomUUID().toString().substring(0, 8);
        checkRequestId(id);
        String problem =
                subjectType == SubjectType.USER
                        ? DecisionIds.userIdProblem(subjectId)
                        : DecisionIds.caseIdProblem(subjectId);
        if (problem != null) {
            throw new IllegalArgumentException(
                    "the subject's "
                            + (subjectType == SubjectType.USER ? "user id" : "case id")
                            + " is not an id ingest accepts");
        }
        if (requesterReference == null || requesterReference.isBlank()) {
            throw new IllegalArgumentException(
                    "a requester reference is required (the letter, ticket or e-mail the request"
                            + " came with)");
        }
        if (receivedDate.isAfter(LocalDate.now(clock))) {
            throw new IllegalArgumentException("the received date is in the future");
        }
        return append(
                caller,
                tenantId,
                entries -> {
                    if (entries.stream().anyMatch(e -> e.requestId().equals(id))) {
                        throw new IllegalArgumentException(
                                "request " + id + " is already on file for tenant " + tenantId);
                    }
                    return new Draft(
                            id,
                            kind,
                            subjectType,
                            subjectId.strip(),
                            receivedDate.toString(),
                            requesterReference.strip(),
                            State.RECEIVED,
                            new Change(
                                    null,
                                    null,
                                    null,
                                    null,
                                    // a restriction request restricts while it is evaluated
                                    // (Art. 18(1)(a)-(d) all restrict pending verification)
                                    kind == Kind.RESTRICTION));
                });
    }

    /** Records a state change of a request on file. */
    public RequestEntry transition(
            Caller caller, String tenantId, String requestId, State state, Change change)
            throws IOException {
        authorize(caller, tenantId, "change a data-subject request");
        checkRequestId(requestId);
        if (state == State.RECEIVED) {
            throw new IllegalArgumentException("RECEIVED is logged with 'request log'");
        }
        if (state == State.EXECUTED
                && (change.receiptSha256() == null || !isHex64(change.receiptSha256()))) {
            throw new IllegalArgumentException(
                    "EXECUTED needs the receipt's SHA-256 (64 lower-case hex digits)");
        }
        if (state == State.DEFERRED && change.until() == null) {
            throw new IllegalArgumentException("DEFERRED needs the day the deferral ends");
        }
        if (state == State.REFUSED && (change.reason() == null || change.reason().isBlank())) {
            throw new IllegalArgumentException("REFUSED needs the reason given to the subject");
        }
        if (change.detailsJson() != null) {
            io.decisionledger.decision.StrictJson.readObject(
                    change.detailsJson().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    "details of request " + requestId);
        }
        return append(
                caller,
                tenantId,
                entries -> {
                    RequestEntry last = null;
                    for (RequestEntry e : entries) {
                        if (e.requestId().equals(requestId)) {
                            last = e;
                        }
                    }
                    if (last == null) {
                        throw new IllegalArgumentException(
                                "no request " + requestId + " on file for tenant " + tenantId);
                    }
                    if (last.state() == State.COMPLETED || last.state() == State.REFUSED) {
                        throw new IllegalArgumentException(
                                "request "
                                        + requestId
                                        + " is "
                                        + last.state()
                                        + "; a closed request takes no further entries");
                    }
                    return new Draft(
                            requestId,
                            last.kind(),
                            last.subjectType(),
                            last.subjectId(),
                            last.receivedDate(),
                            last.requesterReference(),
                            state,
                            change);
                });
    }

    /** Every entry of the tenant's log, in seq order. */
    public List<RequestEntry> entries(Caller caller, String tenantId) throws IOException {
        authorize(caller, tenantId, "read data-subject requests");
        return readAll(tenantId);
    }

    /** The entries of one request, in seq order (empty when it is not on file). */
    public List<RequestEntry> history(Caller caller, String tenantId, String requestId)
            throws IOException {
        return entries(caller, tenantId).stream()
                .filter(e -> e.requestId().equals(requestId))
                .toList();
    }

    /** The entries of the requests of one subject (every state), in seq order. */
    public List<RequestEntry> ofSubject(Caller caller, String tenantId, Subject subject)
            throws IOException {
        return entries(caller, tenantId).stream()
                .filter(
                        e ->
                                e.subjectType() == subject.type()
                                        && e.subjectId().equals(subject.id()))
                .toList();
    }

    /**
     * The tenant's subjects that are restricted now: those with a request whose latest entry keeps
     * them restricted. For the jobs and services that must leave them out (replay, exports, the ops
     * copy); it hands subject ids to the caller's memory only, never to an output, and needs no
     * caller because it answers "leave out", never "here is".
     */
    public Set<Subject> restrictedSubjects(String tenantId) throws IOException {
        Map<String, RequestEntry> latest = new LinkedHashMap<>();
        for (RequestEntry e : readAll(tenantId)) {
            latest.put(e.requestId(), e);
        }
        Set<Subject> out = new java.util.HashSet<>();
        for (RequestEntry e : latest.values()) {
            if (e.subjectRestricted()) {
                out.add(new Subject(e.subjectType(), e.subjectId()));
            }
        }
        return out;
    }

    /** Re-checks the tenant's chain: seqs 1..n once each, file names, links and hashes. */
    public Verification verify(Caller caller, String tenantId) throws IOException {
        authorize(caller, tenantId, "verify the data-subject request log");
        TreeMap<Long, List<RequestEntry>> bySeq = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (FileStatus f : files(tenantId)) {
            String name = f.getPath().getName();
            Matcher m = FILE_NAME.matcher(name);
            RequestEntry e;
            try {
                e = RequestEntry.fromJson(read(f.getPath()), name);
            } catch (IllegalArgumentException bad) {
                problems.add(name + ": not a readable entry");
                continue;
            }
            if (!m.matches() || Long.parseLong(m.group(1)) != e.seq()) {
                problems.add("seq " + e.seq() + ": its file is named for another seq");
            }
            if (!tenantId.equals(e.tenantId())) {
                problems.add("seq " + e.seq() + ": names another tenant");
            }
            bySeq.computeIfAbsent(e.seq(), k -> new ArrayList<>()).add(e);
        }
        RequestLogHasher hasher = new RequestLogHasher();
        long expected = 1;
        String prev = RequestLogHasher.GENESIS;
        long count = 0;
        for (Map.Entry<Long, List<RequestEntry>> en : bySeq.entrySet()) {
            long seq = en.getKey();
            count += en.getValue().size();
            if (seq != expected) {
                problems.add(
                        seq > expected
                                ? "seq " + expected + ".." + (seq - 1) + " missing"
                                : "seq " + seq + " is not positive");
            }
            if (en.getValue().size() > 1) {
                problems.add("seq " + seq + " appears " + en.getValue().size() + " times");
            }
            RequestEntry entry = en.getValue().get(0);
            if (seq == expected && !prev.equals(entry.prevHash())) {
                problems.add(
                        "seq "
                                + seq
                                + " (request "
                                + entry.requestId()
                                + "): prev_hash does not link to the previous entry");
            }
            if (!isHex64(entry.prevHash())
                    || !hasher.hash(entry.prevHash(), entry).equals(entry.hash())) {
                problems.add(
                        "seq "
                                + seq
                                + " (request "
                                + entry.requestId()
                                + "): hash does not recompute (entry altered)");
            }
            prev = entry.hash();
            expected = seq + 1;
        }
        return new Verification(tenantId, count, expected - 1, prev, List.copyOf(problems));
    }

    /** Refuses a caller that may not see the tenant's subjects; the message names no subject. */
    public static void authorize(Caller caller, String tenantId, String what) {
        String problem = DecisionIds.tenantIdProblem(tenantId);
        if (problem != null) {
            throw new IllegalArgumentException("--tenant: " + problem);
        }
        if (caller == null || !caller.role().readsFullRecords()) {
            throw new AccessRefusedException(
                    "only a compliance officer may "
                            + what
                            + ": the request log names data subjects (role "
                            + (caller == null ? "none" : caller.role().id())
                            + " may not)");
        }
        if (!caller.tenants().permits(tenantId)) {
            throw new AccessRefusedException(
                    "the caller is not granted tenant " + tenantId + "; cannot " + what);
        }
    }

    /** What a new entry says, before seq, time and hashes are added. */
    private record Draft(
            String requestId,
            Kind kind,
            SubjectType subjectType,
            String subjectId,
            String receivedDate,
            String requesterReference,
            State state,
            Change change) {}

    @FunctionalInterface
    private interface Drafter {
        Draft draft(List<RequestEntry> current);
    }

    private RequestEntry append(Caller caller, String tenantId, Drafter drafter)
            throws IOException {
        synchronized (JVM_LOCKS.computeIfAbsent(lake.root() + "|" + tenantId, k -> new Object())) {
            for (int attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
                List<RequestEntry> current = readAll(tenantId);
                RequestEntry head = current.isEmpty() ? null : current.get(current.size() - 1);
                if (head != null && head.seq() != current.size()) {
                    throw new IllegalStateException(
                            "the request log of tenant "
                                    + tenantId
                                    + " is not gap-free; run 'audit request verify' before"
                                    + " appending");
                }
                Draft d = drafter.draft(current);
                Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
                if (head != null && now.isBefore(Instant.parse(head.recordedAt()))) {
                    now = Instant.parse(head.recordedAt());
                }
                long seq = head == null ? 1 : head.seq() + 1;
                RequestEntry entry =
                        new RequestEntry(
                                seq,
                                d.requestId(),
                                tenantId,
                                d.kind(),
                                d.subjectType(),
                                d.subjectId(),
                                d.receivedDate(),
                                d.requesterReference(),
                                d.state(),
                                d.change().until() == null ? null : d.change().until().toString(),
                                d.change().receiptSha256(),
                                blankToNull(d.change().reason()),
                                d.change().detailsJson(),
                                d.change().subjectRestricted(),
                                caller.user(),
                                caller.role().id(),
                                caller.channelName(),
                                now.toString(),
                                head == null ? RequestLogHasher.GENESIS : head.hash(),
                                "");
                entry = entry.withHash(new RequestLogHasher().hash(entry.prevHash(), entry));
                if (ExclusiveCreate.create(filePath(tenantId, seq), entry.toJson())) {
                    return entry;
                }
                // another writer took this seq first: chain after it
            }
            throw new IOException(
                    "could not append to the request log of tenant "
                            + tenantId
                            + ": "
                            + MAX_CLAIM_ATTEMPTS
                            + " attempts, each seq taken by another writer first");
        }
    }

    private List<RequestEntry> readAll(String tenantId) throws IOException {
        List<RequestEntry> out = new ArrayList<>();
        for (FileStatus f : files(tenantId)) {
            if (FILE_NAME.matcher(f.getPath().getName()).matches()) {
                out.add(RequestEntry.fromJson(read(f.getPath()), f.getPath().getName()));
            }
        }
        out.sort(Comparator.comparingLong(RequestEntry::seq));
        return out;
    }

    private List<FileStatus> files(String tenantId) throws IOException {
        Path dir = tenantDir(tenantId);
        FileSystem fs = dir.getFileSystem();
        List<FileStatus> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        FileStatus[] children = fs.listStatus(dir);
        for (FileStatus c : children == null ? new FileStatus[0] : children) {
            String n = c.getPath().getName();
            if (!c.isDir() && n.endsWith(".json") && !n.startsWith(".")) {
                out.add(c);
            }
        }
        out.sort(Comparator.comparing(s -> s.getPath().getName()));
        return out;
    }

    private Path filePath(String tenantId, long seq) {
        return new Path(tenantDir(tenantId), String.format("entry-%020d.json", seq));
    }

    private static byte[] read(Path p) throws IOException {
        try (InputStream in = p.getFileSystem().open(p)) {
            return in.readAllBytes();
        }
    }

    /** Request ids name lake folders; checked before any use. */
    public static void checkRequestId(String id) {
        if (id == null || !REQUEST_ID.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    "a request id must be 1-64 characters of letters, digits and _ . : - (it names"
                            + " a lake folder), starting with a letter or digit");
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    static boolean isHex64(String s) {
        return s != null
                && s.length() == 64
                && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }

    /** Sorted set helper for reports: the request ids on file. */
    public static Set<String> requestIds(List<RequestEntry> entries) {
        Set<String> ids = new TreeSet<>();
        entries.forEach(e -> ids.add(e.requestId()));
        return ids;
    }
}
