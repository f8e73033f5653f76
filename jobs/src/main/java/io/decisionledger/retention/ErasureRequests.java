package io.decisionledger.retention;

import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuthenticationException;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.ExclusiveCreate;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.Command;
import io.decisionledger.options.Exit;
import io.decisionledger.options.IdentityOptions;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import io.decisionledger.retention.ErasureEvaluation.Outcome;
import io.decisionledger.retention.ErasureEvaluation.Result;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.rights.RequestEntry;
import io.decisionledger.rights.RequestEntry.Kind;
import io.decisionledger.rights.RequestEntry.State;
import io.decisionledger.rights.RequestLog;
import io.decisionledger.rights.RequestLog.Change;
import io.decisionledger.rights.RequestLog.Subject;
import io.decisionledger.rights.SubjectRecords;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The client-side work of an erasure request between its logging and the erasure job ({@code Jobs
 * rights evaluate|due}): {@link #evaluate} decides per record of the subject ({@link
 * ErasureEvaluation}), records the decision and its reasons in the request's EVALUATED entry,
 * writes the erase-now part as an {@link ErasurePlan} under {@code
 * rights/plans/tenant_id=T/request_id=R/plan-<sequence>.json} and the deferred and held parts as
 * DEFERRED / HELD entries (the subject stays restricted meanwhile); {@link #due} (run daily by a
 * scheduler, like compaction) re-evaluates every open erasure request whose subject is still
 * restricted and turns the parts whose day has come (or whose hold was released) into new plans.
 *
 * <p>Restriction (GDPR Art. 18) reaches the ops copy through plans too: records kept but restricted
 * get a {@link ErasurePlan.Scope#RESTRICT} plan (same folder, its own sequence number), which the
 * erasure job executes by removing their masked rows from ops/ (pseudonyms are personal data, and
 * BI tools read ops/ directly) while audit keeps them. {@link #evaluate} writes one for the
 * deferred and held records; {@link #due} writes one for every restricted subject's records that no
 * plan covers yet — deferred or held records of open erasure requests, and every record of the
 * subject of a restriction request that still restricts it (records ingested after the restriction
 * are caught by the next {@code due} run). Lifting a restriction brings no row back into ops/.
 *
 * <p>Only a compliance officer granted the tenant may run it (it reads the subjects' ids); each run
 * reads the {@code user_id}/{@code case_id} columns of the tenant's audit records and is recorded
 * in the access log first. Output names request ids, counts, dates and plan paths, never a subject.
 */
public final class ErasureRequests {

    /** The lake folder of erasure plans, below the lake root. */
    public static final String PLANS = "rights/plans";

    /**
     * What one evaluation did: the evaluation (null for a restriction request), the erasure plan it
     * wrote (path null: none), and the RESTRICT plan it wrote for records kept but restricted (path
     * null: none) with their event ids.
     */
    public record Evaluated(
            String requestId,
            Result result,
            String planPath,
            int planSequence,
            String restrictPlanPath,
            int restrictPlanSequence,
            List<String> restricted) {

        public Evaluated {
            restricted = restricted == null ? List.of() : List.copyOf(restricted);
        }

        /** An evaluation that wrote no RESTRICT plan. */
        public Evaluated(String requestId, Result result, String planPath, int planSequence) {
            this(requestId, result, planPath, planSequence, null, 0, List.of());
        }
    }

    private final LakeLayout lake;
    private final Clock clock;
    private final RequestLog requests;

    public ErasureRequests(LakeLayout lake, Clock clock) {
        this.lake = lake;
        this.clock = clock;
        this.requests = new RequestLog(lake, clock);
    }

    /**
     * Evaluates a RECEIVED erasure request on {@code asOf}: EVALUATED entry, a plan for the
     * erase-now part (if any) with a PLANNED entry, DEFERRED and HELD entries for the rest.
     */
    public Evaluated evaluate(
            Caller caller,
            String tenantId,
            String requestId,
            RetentionPolicy policy,
            LegalHolds holds,
            LocalDate asOf)
            throws IOException {
        List<RequestEntry> history = requests.history(caller, tenantId, requestId);
        if (history.isEmpty()) {
            throw new IllegalArgumentException(
                    "no request " + requestId + " on file for tenant " + tenantId);
        }
        RequestEntry last = history.get(history.size() - 1);
        if (last.kind() != Kind.ERASURE) {
            throw new IllegalArgumentException(
                    "request " + requestId + " is an " + last.kind() + " request, not ERASURE");
        }
        if (last.state() != State.RECEIVED) {
            throw new IllegalArgumentException(
                    "request "
                            + requestId
                            + " is "
                            + last.state()
                            + ", not RECEIVED; deferred and held parts are taken up by 'rights"
                            + " due'");
        }
        return evaluateAndPlan(caller, tenantId, last, policy, holds, asOf, Set.of());
    }

    /**
     * Takes up every open erasure request of the tenant whose subject is still restricted: the
     * records whose obligation ended by {@code asOf} (or whose hold was released) go into a new
     * plan, and restricted records no plan covers yet into a RESTRICT plan; and every restriction
     * request that still restricts its subject: the subject's records no plan covers yet go into a
     * RESTRICT plan. A request with nothing to plan gets no entry.
     */
    public List<Evaluated> due(
            Caller caller,
            String tenantId,
            RetentionPolicy policy,
            LegalHolds holds,
            LocalDate asOf)
            throws IOException {
        List<RequestEntry> all = requests.entries(caller, tenantId);
        Map<String, RequestEntry> latest = new java.util.LinkedHashMap<>();
        for (RequestEntry e : all) {
            latest.put(e.requestId(), e);
        }
        List<Evaluated> out = new ArrayList<>();
        for (RequestEntry e : latest.values()) {
            if (!e.subjectRestricted()
                    || e.state() == State.COMPLETED
                    || e.state() == State.REFUSED) {
                continue;
            }
            Evaluated o = null;
            if (e.kind() == Kind.ERASURE && e.state() != State.RECEIVED) {
                Set<String> planned = plannedEventIds(tenantId, e.requestId());
                o = evaluateAndPlan(caller, tenantId, e, policy, holds, asOf, planned);
            } else if (e.kind() == Kind.RESTRICTION) {
                o = planRestriction(caller, tenantId, e, asOf);
            }
            if (o != null) {
                out.add(o);
            }
        }
        return out;
    }

    /**
     * A RESTRICT plan for the records of a restriction request's subject that no plan covers yet,
     * with a PLANNED entry that keeps the subject restricted; null when every record is covered.
     */
    private Evaluated planRestriction(
            Caller caller, String tenantId, RequestEntry request, LocalDate asOf)
            throws IOException {
        Subject subject = new Subject(request.subjectType(), request.subjectId());
        // the planning reads the subject's ids in audit/: logged before the read
        new AccessLog(lake, clock)
                .record(
                        new AccessLog.Access(
                                caller,
                                AccessLog.Action.RESTRICTION_PLANNING,
                                "restriction request " + request.requestId(),
                                AccessLog.DATASET_DECISIONS,
                                tenantId,
                                List.of(),
                                Map.of(
                                        "request_id",
                                        request.requestId(),
                                        "as_of",
                                        asOf.toString())));
        Set<String> covered = coveredEventIds(tenantId, subject);
        List<String> ids = new ArrayList<>();
        for (SubjectRecords.Located l : SubjectRecords.find(lake, tenantId, Set.of(subject))) {
            if (!covered.contains(l.eventId())) {
                ids.add(l.eventId());
            }
        }
        if (ids.isEmpty()) {
            return null;
        }
        ids.sort(null);
        Path p = writeRestrictPlan(caller, tenantId, request, ids);
        return new Evaluated(
                request.requestId(), null, null, 0, p.toString(), sequenceOf(p), List.copyOf(ids));
    }

    /**
     * Writes the next plan of the request with {@code scope} (create-if-absent) and its PLANNED
     * entry; returns where it is.
     */
    private Path writePlan(
            Caller caller,
            String tenantId,
            RequestEntry request,
            List<String> eventIds,
            ErasurePlan.Scope scope,
            String reason,
            boolean restricted)
            throws IOException {
        int sequence = nextPlanSequence(tenantId, request.requestId());
        ErasurePlan plan =
                new ErasurePlan(
                        request.requestId(),
                        sequence,
                        tenantId,
                        request.subjectType(),
                        request.subjectId(),
                        eventIds,
                        clock.instant().truncatedTo(ChronoUnit.SECONDS).toString(),
                        caller.user(),
                        scope);
        Path p = planPath(tenantId, request.requestId(), sequence);
        if (!ExclusiveCreate.create(p, plan.toJson())) {
            throw new IOException(
                    "plan "
                            + sequence
                            + " of request "
                            + request.requestId()
                            + " was written by another run meanwhile; run again");
        }
        requests.transition(
                caller,
                tenantId,
                request.requestId(),
                State.PLANNED,
                new Change(
                        null,
                        null,
                        reason.replace("{plan}", "plan " + sequence),
                        "{\"plan\": \""
                                + p.getName()
                                + "\", \"sequence\": "
                                + sequence
                                + ", \"scope\": \""
                                + scope.name()
                                + "\"}",
                        restricted));
        return p;
    }

    /** A RESTRICT plan (and its PLANNED entry) for records kept but restricted. */
    private Path writeRestrictPlan(
            Caller caller, String tenantId, RequestEntry request, List<String> ids)
            throws IOException {
        return writePlan(
                caller,
                tenantId,
                request,
                ids,
                ErasurePlan.Scope.RESTRICT,
                ids.size()
                        + " record(s) kept but restricted (Art. 18): their ops rows are removed by"
                        + " {plan} (RESTRICT); audit keeps them",
                true);
    }

    private static int sequenceOf(Path plan) {
        String n = plan.getName();
        return Integer.parseInt(n.substring("plan-".length(), n.length() - ".json".length()));
    }

    private Evaluated evaluateAndPlan(
            Caller caller,
            String tenantId,
            RequestEntry request,
            RetentionPolicy policy,
            LegalHolds holds,
            LocalDate asOf,
            Set<String> alreadyPlanned)
            throws IOException {
        Subject subject = new Subject(request.subjectType(), request.subjectId());
        boolean first = alreadyPlanned.isEmpty() && request.state() == State.RECEIVED;
        // the evaluation reads the subject's ids in audit/: logged before the read
        new AccessLog(lake, clock)
                .record(
                        new AccessLog.Access(
                                caller,
                                AccessLog.Action.ERASURE_EVALUATION,
                                "erasure request " + request.requestId(),
                                AccessLog.DATASET_DECISIONS,
                                tenantId,
                                List.of(),
                                Map.of(
                                        "request_id",
                                        request.requestId(),
                                        "as_of",
                                        asOf.toString())));
        List<SubjectRecords.Located> found = new ArrayList<>();
        for (SubjectRecords.Located l : SubjectRecords.find(lake, tenantId, Set.of(subject))) {
            if (!alreadyPlanned.contains(l.eventId())) {
                found.add(l);
            }
        }
        Result result =
                ErasureEvaluation.evaluate(
                        request.requestId(), tenantId, found, policy, holds, asOf);
        // kept but restricted (deferred, held) and not yet out of ops/ by an earlier plan
        Set<String> covered = coveredEventIds(tenantId, subject);
        List<String> restrictNow = new ArrayList<>();
        for (ErasureEvaluation.RecordDecision r : result.records()) {
            if (r.outcome() != Outcome.ERASE_NOW && !covered.contains(r.eventId())) {
                restrictNow.add(r.eventId());
            }
        }
        restrictNow.sort(null);
        if (!first && result.eraseNow().isEmpty() && restrictNow.isEmpty()) {
            return null;
        }
        boolean restricted = result.restricts();
        requests.transition(
                caller,
                tenantId,
                request.requestId(),
                State.EVALUATED,
                new Change(null, null, null, result.detailsJson(), restricted));
        String planPath = null;
        int sequence = 0;
        if (!result.eraseNow().isEmpty()) {
            Path p =
                    writePlan(
                            caller,
                            tenantId,
                            request,
                            result.eraseNow(),
                            ErasurePlan.Scope.ERASE,
                            result.eraseNow().size() + " record(s) to erase now: {plan}",
                            restricted);
            planPath = p.toString();
            sequence = sequenceOf(p);
        }
        String restrictPath = null;
        int restrictSequence = 0;
        if (!restrictNow.isEmpty()) {
            Path p = writeRestrictPlan(caller, tenantId, request, restrictNow);
            restrictPath = p.toString();
            restrictSequence = sequenceOf(p);
        }
        if (!result.of(Outcome.DEFERRED).isEmpty()) {
            requests.transition(
                    caller,
                    tenantId,
                    request.requestId(),
                    State.DEFERRED,
                    new Change(
                            result.nextDue(),
                            null,
                            result.of(Outcome.DEFERRED).size()
                                    + " record(s) kept under "
                                    + String.join("; ", result.deferringRegulations())
                                    + " (Art. 17(3)(b)), restricted; first due "
                                    + result.nextDue(),
                            null,
                            true));
        }
        if (!result.of(Outcome.HELD).isEmpty()) {
            Set<String> holdIds = new java.util.TreeSet<>();
            result.of(Outcome.HELD).forEach(r -> holdIds.add(r.holdId()));
            requests.transition(
                    caller,
                    tenantId,
                    request.requestId(),
                    State.HELD,
                    new Change(
                            null,
                            null,
                            result.of(Outcome.HELD).size()
                                    + " record(s) under legal hold "
                                    + String.join(", ", holdIds)
                                    + " (Art. 17(3)(e)), restricted until released",
                            null,
                            true));
        }
        return new Evaluated(
                request.requestId(),
                result,
                planPath,
                sequence,
                restrictPath,
                restrictSequence,
                restrictNow);
    }

    /** Where plan {@code sequence} of a request lives. */
    public Path planPath(String tenantId, String requestId, int sequence) {
        return lake.resolve(
                PLANS
                        + "/tenant_id="
                        + tenantId
                        + "/request_id="
                        + requestId
                        + "/plan-"
                        + sequence
                        + ".json");
    }

    private List<ErasurePlan> plans(String tenantId, String requestId) throws IOException {
        Path dir = planPath(tenantId, requestId, 1).getParent();
        FileSystem fs = dir.getFileSystem();
        List<ErasurePlan> out = new ArrayList<>();
        if (!fs.exists(dir)) {
            return out;
        }
        FileStatus[] files = fs.listStatus(dir);
        for (FileStatus f : files == null ? new FileStatus[0] : files) {
            String n = f.getPath().getName();
            if (n.matches("plan-\\d+\\.json")) {
                try (InputStream in = fs.open(f.getPath())) {
                    out.add(ErasurePlan.fromJson(in.readAllBytes(), n));
                }
            }
        }
        return out;
    }

    private int nextPlanSequence(String tenantId, String requestId) throws IOException {
        return plans(tenantId, requestId).stream().mapToInt(ErasurePlan::sequence).max().orElse(0)
                + 1;
    }

    /** The event ids the request's ERASE plans name (its RESTRICT plans keep their records). */
    private Set<String> plannedEventIds(String tenantId, String requestId) throws IOException {
        Set<String> ids = new HashSet<>();
        for (ErasurePlan p : plans(tenantId, requestId)) {
            if (p.scope() == ErasurePlan.Scope.ERASE) {
                ids.addAll(p.eventIds());
            }
        }
        return ids;
    }

    /**
     * The event ids of the subject that some plan of the tenant (any request, any scope) already
     * takes out of ops/: a record's ops row is planned away once.
     */
    private Set<String> coveredEventIds(String tenantId, Subject subject) throws IOException {
        Path dir = lake.resolve(PLANS + "/tenant_id=" + tenantId);
        FileSystem fs = dir.getFileSystem();
        Set<String> ids = new HashSet<>();
        if (!fs.exists(dir)) {
            return ids;
        }
        FileStatus[] requestDirs = fs.listStatus(dir);
        for (FileStatus d : requestDirs == null ? new FileStatus[0] : requestDirs) {
            String name = d.getPath().getName();
            if (!d.isDir() || !name.startsWith("request_id=")) {
                continue;
            }
            for (ErasurePlan p : plans(tenantId, name.substring("request_id=".length()))) {
                if (p.subjectType() == subject.type() && p.subjectId().equals(subject.id())) {
                    ids.addAll(p.eventIds());
                }
            }
        }
        return ids;
    }

    // ---- the command: Jobs rights <evaluate|due> ----

    private static final String HEADER =
            "rights: evaluate data-subject erasure requests against the retention policy's"
                    + " obligations and the legal holds, and write the erasure plans.\n\n"
                    + "Usage: Jobs rights evaluate --lake URI --tenant T --request-id R"
                    + " --retention-policy FILE (--legal-holds FILE | --no-legal-holds)"
                    + " [--as-of DATE] [identity]\n"
                    + "       Jobs rights due --lake URI --tenant T --retention-policy FILE"
                    + " (--legal-holds FILE | --no-legal-holds) [--as-of DATE] [identity]\n\n"
                    + "evaluate writes an ERASE plan for the records erased now and a RESTRICT plan"
                    + " for the deferred and held ones (kept in audit, their masked rows removed"
                    + " from ops/, GDPR Art. 18). due writes ERASE plans for the records whose"
                    + " obligation ended or whose hold was released, and RESTRICT plans for every"
                    + " restricted subject's records no plan covers yet (open erasure requests and"
                    + " restriction requests): records ingested after a restriction stay in ops/"
                    + " until the next due run and its plan's execution. Execute each plan with"
                    + " 'Jobs erasure'. Lifting a restriction brings no row back into ops/.\n\n";

    /** The command line of {@code rights}. */
    public static final Command<OptionTable.Parsed> COMMAND =
            Command.of("rights", HEADER, table())
                    .withFooter(
                            "\nExit codes: 0 done, 2 bad options (or a request that cannot be"
                                    + " evaluated), 3 refused (not a compliance officer of the"
                                    + " tenant, or not authenticated).\n"
                                    + "Log requests and record executions with 'audit request"
                                    + " ...'.\n");

    private static OptionTable table() {
        OptionTable t = new OptionTable().repeatsRefused();
        t.positionals("evaluate|due", "What to do.");
        LakeOptions.declare(t, "Lake root (file:///..., s3://bucket/prefix).");
        t.add("tenant", "", "The tenant whose requests are evaluated.");
        t.add("request-id", "", "evaluate: the RECEIVED erasure request.");
        t.add(
                "retention-policy",
                "",
                "Required: the retention policy file, with the obligations each period serves"
                        + " (see compliance-guide.md). There is no default: a forgotten policy"
                        + " would mean no obligation defers any record, and erasure cannot be"
                        + " undone.");
        t.add(
                "legal-holds",
                "",
                "The legal holds file. A run needs this or --no-legal-holds: a forgotten hold"
                        + " file would erase held records.");
        t.flag("no-legal-holds", "Say explicitly that no legal hold exists.");
        t.add("as-of", "", "The day to evaluate on (yyyy-MM-dd, UTC). Default: today.");
        IdentityOptions.declare(t);
        return t;
    }

    public static void main(String[] args) throws Exception {
        Exit.onFailure(run(args, System.getenv(), Clock.systemUTC(), Exit.out(), Exit.err()));
    }

    /** Runs the command; returns the exit code. */
    public static int run(
            String[] args, Map<String, String> env, Clock clock, PrintStream out, PrintStream err)
            throws Exception {
        return COMMAND.run(
                args,
                out,
                err,
                o -> {
                    try {
                        return body(o, env, clock, out, err);
                    } catch (AccessRefusedException e) {
                        err.println("refused: " + e.getMessage());
                        return 3;
                    } catch (AuthenticationException e) {
                        err.println("refused: not authenticated: " + e.getMessage());
                        return 3;
                    } catch (IllegalArgumentException e) {
                        return Command.refuse(e.getMessage(), err);
                    }
                });
    }

    private static int body(
            OptionTable.Parsed o,
            Map<String, String> env,
            Clock clock,
            PrintStream out,
            PrintStream err)
            throws IOException {
        if (o.positionals().size() != 1
                || !List.of("evaluate", "due").contains(o.positionals().get(0))) {
            throw new OptionTable.InvalidOptionException("name one of: evaluate, due");
        }
        boolean evaluate = o.positionals().get(0).equals("evaluate");
        LakeLayout lake = LakeOptions.lake(o);
        String tenant = o.optional("tenant");
        if (tenant == null) {
            throw new OptionTable.InvalidOptionException("--tenant is required");
        }
        String requestId = o.optional("request-id");
        if (evaluate && requestId == null) {
            throw new OptionTable.InvalidOptionException("evaluate needs --request-id");
        }
        if (!o.given("retention-policy")) {
            throw new OptionTable.InvalidOptionException(
                    "--retention-policy is required: without the obligations every record would be"
                            + " erased now");
        }
        RetentionPolicy policy = RetentionPolicy.load(o.value("retention-policy"));
        if (o.given("legal-holds") == o.bool("no-legal-holds")) {
            throw new OptionTable.InvalidOptionException(
                    o.given("legal-holds")
                            ? "--legal-holds and --no-legal-holds contradict each other; give one"
                            : "name the legal holds explicitly: --legal-holds FILE, or"
                                    + " --no-legal-holds when no hold exists");
        }
        LegalHolds holds =
                o.given("legal-holds")
                        ? LegalHolds.load(o.value("legal-holds"))
                        : LegalHolds.none();
        LocalDate asOf = o.given("as-of") ? o.date("as-of") : LocalDate.now(clock);
        Caller caller = IdentityOptions.caller(o, env);
        ErasureRequests r = new ErasureRequests(lake, clock);
        List<Evaluated> done =
                evaluate
                        ? List.of(r.evaluate(caller, tenant, requestId, policy, holds, asOf))
                        : r.due(caller, tenant, policy, holds, asOf);
        for (Evaluated d : done) {
            Result res = d.result();
            if (res == null) {
                out.printf(
                        "request %s (tenant %s, as of %s): restriction: %d record(s) not yet out"
                                + " of ops/%n",
                        d.requestId(), tenant, asOf, d.restricted().size());
            } else {
                out.printf(
                        "request %s (tenant %s, as of %s): %d record(s) erase now, %d deferred%s, %d"
                                + " held%n",
                        d.requestId(),
                        tenant,
                        asOf,
                        res.of(Outcome.ERASE_NOW).size(),
                        res.of(Outcome.DEFERRED).size(),
                        res.nextDue() == null ? "" : " (first due " + res.nextDue() + ")",
                        res.of(Outcome.HELD).size());
            }
            if (d.planPath() != null) {
                out.printf(
                        "  plan %d (ERASE): %s%n  next: Jobs erasure --lake %s --plan %s%n",
                        d.planSequence(), d.planPath(), lake.root(), d.planPath());
            }
            if (d.restrictPlanPath() != null) {
                out.printf(
                        "  plan %d (RESTRICT: %d record(s) kept, their ops rows removed): %s%n"
                                + "  next: Jobs erasure --lake %s --plan %s%n",
                        d.restrictPlanSequence(),
                        d.restricted().size(),
                        d.restrictPlanPath(),
                        lake.root(),
                        d.restrictPlanPath());
            }
        }
        if (done.isEmpty()) {
            out.printf("nothing due for tenant %s on %s%n", tenant, asOf);
        }
        return Command.OK;
    }

    /** When the run started, for messages. */
    static Instant now(Clock clock) {
        return clock.instant();
    }
}
