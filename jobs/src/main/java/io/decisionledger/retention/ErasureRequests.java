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
 * <p>Only a compliance officer granted the tenant may run it (it reads the subjects' ids); each run
 * reads the {@code user_id}/{@code case_id} columns of the tenant's audit records and is recorded
 * in the access log first. Output names request ids, counts, dates and plan paths, never a subject.
 */
public final class ErasureRequests {

    /** The lake folder of erasure plans, below the lake root. */
    public static final String PLANS = "rights/plans";

    /** What one evaluation did: the evaluation, and the plan it wrote (path null: none). */
    public record Evaluated(String requestId, Result result, String planPath, int planSequence) {}

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
     * plan. A request with nothing due gets no entry.
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
            if (e.kind() != Kind.ERASURE
                    || !e.subjectRestricted()
                    || e.state() == State.COMPLETED
                    || e.state() == State.REFUSED
                    || e.state() == State.RECEIVED) {
                continue;
            }
            Set<String> planned = plannedEventIds(tenantId, e.requestId());
            Evaluated o = evaluateAndPlan(caller, tenantId, e, policy, holds, asOf, planned);
            if (o != null) {
                out.add(o);
            }
        }
        return out;
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
        if (!first && result.eraseNow().isEmpty()) {
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
            sequence = nextPlanSequence(tenantId, request.requestId());
            ErasurePlan plan =
                    new ErasurePlan(
                            request.requestId(),
                            sequence,
                            tenantId,
                            request.subjectType(),
                            request.subjectId(),
                            result.eraseNow(),
                            clock.instant().truncatedTo(ChronoUnit.SECONDS).toString(),
                            caller.user());
            Path p = planPath(tenantId, request.requestId(), sequence);
            if (!ExclusiveCreate.create(p, plan.toJson())) {
                throw new IOException(
                        "plan "
                                + sequence
                                + " of request "
                                + request.requestId()
                                + " was written by another run meanwhile; run again");
            }
            planPath = p.toString();
            requests.transition(
                    caller,
                    tenantId,
                    request.requestId(),
                    State.PLANNED,
                    new Change(
                            null,
                            null,
                            result.eraseNow().size() + " record(s) to erase now: plan " + sequence,
                            "{\"plan\": \"" + p.getName() + "\", \"sequence\": " + sequence + "}",
                            restricted));
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
        return new Evaluated(request.requestId(), result, planPath, sequence);
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

    private Set<String> plannedEventIds(String tenantId, String requestId) throws IOException {
        Set<String> ids = new HashSet<>();
        plans(tenantId, requestId).forEach(p -> ids.addAll(p.eventIds()));
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
                    + " (--legal-holds FILE | --no-legal-holds) [--as-of DATE] [identity]\n\n";

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
            if (d.planPath() != null) {
                out.printf(
                        "  plan %d: %s%n  next: Jobs erasure --lake %s --plan %s%n",
                        d.planSequence(), d.planPath(), lake.root(), d.planPath());
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
