package io.decisionledger.audit;

import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuthenticationException;
import io.decisionledger.access.Caller;
import io.decisionledger.chain.TrustedKeys;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.Command;
import io.decisionledger.options.Commands;
import io.decisionledger.options.Exit;
import io.decisionledger.options.IdentityOptions;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import io.decisionledger.rights.ErasurePlan;
import io.decisionledger.rights.ErasureReceipt;
import io.decisionledger.rights.RequestEntry;
import io.decisionledger.rights.RequestLog;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;

/**
 * The {@code audit} command: temporal queries, evidence bundles and the access log, from a
 * terminal, and the data-subject rights: {@code Main audit
 * <decision-at|history|event|bundle|verify-bundle|access-log|subject-export|request|timestamp-heads|verify-timestamps>
 * [options]}. The caller proves who it is with a token file ({@code --token-file}: an API token or
 * a JWT from the identity provider, checked against the operators' authentication configuration;
 * {@link IdentityOptions}); results print as text, or as JSON with {@code --json}.
 *
 * <p>Exit codes: 0 done (also when the answer is "none"), 1 a bundle or a time-stamp did not
 * verify, or the time-stamping authority failed, or the report's PDF could not be printed, 2 bad
 * options (also: no identity given), 3 refused (the token did not authenticate, or the caller's
 * role or tenant grant does not allow the request).
 */
public final class AuditCommand {

    static final int OK = 0;
    static final int NOT_VERIFIED = 1;
    static final int BAD_OPTIONS = Command.BAD_OPTIONS;
    static final int REFUSED = 3;

    /** The end of a history without --to: after any event the lake can hold. */
    static final Instant OPEN_END = Instant.parse("9999-01-01T00:00:00Z");

    private static final Command<OptionTable.Parsed> DECISION_AT =
            Command.of(
                    "decision-at",
                    "decision-at: the latest decision about a user or case at or before an"
                            + " instant.\n\nUsage: audit decision-at --lake URI --tenant T (--user U"
                            + " | --case C | --user-pseudonym P | --case-pseudonym P) --at TIME"
                            + " [options]\n\n",
                    withSubject(common())
                            .required(
                                    "at",
                                    "ISO-8601 instant, or a UTC date = the end of that day."));

    private static final Command<OptionTable.Parsed> HISTORY =
            Command.of(
                    "history",
                    "history: every decision about a user or case in a period, in order.\n\n"
                            + "Usage: audit history --lake URI --tenant T (--user U | ...)"
                            + " [--from TIME] [--to TIME] [options]\n\n",
                    withSubject(common())
                            .add(
                                    "from",
                                    "",
                                    "ISO-8601 instant or UTC date, inclusive. Default: the"
                                            + " beginning.")
                            .add(
                                    "to",
                                    "",
                                    "ISO-8601 instant or UTC date, inclusive. Default: the end."));

    private static final Command<OptionTable.Parsed> EVENT =
            Command.of(
                    "event",
                    "event: one decision by id.\n\nUsage: audit event --lake URI --tenant T"
                            + " --event-id E [--view full|masked] [options]\n\n",
                    common().required("tenant", "The tenant.")
                            .required("event-id", "The decision's event id.")
                            .add(
                                    "view",
                                    "",
                                    "full (audit/, compliance officers) or masked (ops/)."
                                            + " Default: what the role may read."));

    private static final Command<OptionTable.Parsed> BUNDLE =
            Command.of(
                    "bundle",
                    "bundle: the evidence bundle of one decision (records, chain proof, access"
                            + " log, evidence.html).\n\nUsage: audit bundle --lake URI --tenant T"
                            + " --event-id E --out DIR [--zip] [options]\n\n",
                    common().required("tenant", "The tenant.")
                            .required("event-id", "The decision's event id.")
                            .required("out", "Folder the bundle is written to.")
                            .flag("zip", "Also write a zip of the folder."));

    private static final Command<OptionTable.Parsed> VERIFY_BUNDLE =
            Command.of(
                    "verify-bundle",
                    "verify-bundle: checks an evidence bundle offline, trusting nothing in"
                            + " it.\n\nUsage: audit verify-bundle <DIR or ZIP> [--lake URI]"
                            + " [--trusted-keys FILE]\n\n",
                    optionTable()
                            .positionals("DIR or ZIP", "The bundle folder or its zip.")
                            .add(
                                    "lake",
                                    "",
                                    "Lake root whose chain/heads must hold the bundle's head"
                                            + " (point it at the protected copy).")
                            .add(
                                    "trusted-keys",
                                    "",
                                    "File of the public keys you trust ('KEY_ID Ed25519"
                                            + " BASE64-X.509' lines or PEM; never a copy taken from"
                                            + " the bundle or the lake): the bundled head must"
                                            + " carry a signature one of them verifies."));

    private static final Command<OptionTable.Parsed> TIMESTAMP_HEADS =
            Command.of(
                    "timestamp-heads",
                    "timestamp-heads: asks an RFC 3161 time-stamping authority (TSA) for a token"
                            + " over each committed chain-heads file that has none yet, checks it"
                            + " (status, nonce, imprint, TSA signature) and stores it as"
                            + " chain/timestamps/tenant_id=T/head_date=D/<heads-file>.tsr."
                            + " Idempotent: run it from a scheduler after ingest checkpoints; it"
                            + " never blocks ingest. A TSA that fails stops the run (exit 1)"
                            + " with the tokens stored so far kept.\n\nUsage: audit"
                            + " timestamp-heads --lake URI --tsa-url URL [--tenant T] [--since"
                            + " DATE] [--tsa-timeout DURATION] [--allow-insecure-tsa]\n\n",
                    lakeOnly()
                            .required("tsa-url", "The TSA's RFC 3161 HTTP endpoint (https://...).")
                            .add("tenant", "", "Only this tenant's heads. Default: every tenant.")
                            .add(
                                    "since",
                                    "",
                                    "Only heads published on or after this UTC date (yyyy-MM-dd)."
                                            + " Default: all.")
                            .add(
                                    "tsa-timeout",
                                    "PT30S",
                                    "Connect and answer timeout for each request to the TSA (ISO-8601 duration).")
                            .flag(
                                    "allow-insecure-tsa",
                                    "Allow a plain http:// --tsa-url, to a loopback address only"
                                            + " (a test TSA or a local relay)."));

    private static final Command<OptionTable.Parsed> VERIFY_TIMESTAMPS =
            Command.of(
                    "verify-timestamps",
                    "verify-timestamps: checks the RFC 3161 token of every chain-heads file:"
                            + " signed by a TSA certificate with the timeStamping key usage that"
                            + " chains to a --tsa-trust certificate, over the imprint of the heads"
                            + " file as it is now. One line per file: TIMESTAMP_OK (with the"
                            + " genTime: the heads existed then), BAD_TIMESTAMP (why) or"
                            + " NO_TIMESTAMP; exit 1 if any is BAD.\n\nUsage: audit"
                            + " verify-timestamps --lake URI --tsa-trust FILE [--tenant T]"
                            + " [--json]\n\n",
                    lakeOnly()
                            .required(
                                    "tsa-trust",
                                    "PEM file of the TSA or CA certificates you trust (from the"
                                            + " TSA's operator, never a copy taken from the lake).")
                            .add("tenant", "", "Only this tenant's heads. Default: every tenant.")
                            .flag("json", "Print JSON instead of text."));

    private static final Command<OptionTable.Parsed> ACCESS_LOG =
            Command.of(
                    "access-log",
                    "access-log: who read what, when and why.\n\nUsage: audit access-log --lake"
                            + " URI [--tenant T] [--event-id E] [--actor A] [--from DATE] [--to"
                            + " DATE] [--verify] [options]\n\n",
                    common().add("tenant", "", "Only reads of this tenant's records.")
                            .add("event-id", "", "Only reads of this decision.")
                            .add("actor", "", "Only reads by this user.")
                            .add("from", "", "First access date (yyyy-MM-dd, UTC), inclusive.")
                            .add("to", "", "Last access date (yyyy-MM-dd, UTC), inclusive.")
                            .flag("verify", "Re-check the whole access-log chain."));

    private static final Command<OptionTable.Parsed> SUBJECT_EXPORT =
            Command.of(
                    "subject-export",
                    "subject-export: everything held about a data subject in a tenant (GDPR Art."
                            + " 15): every decision record, the reasons and the logic involved"
                            + " (model cards), the requests on file, who read the records, and"
                            + " what retention left of deleted ones; as subject-export.json and"
                            + " subject-export.html. Logged in the access log.\n\nUsage: audit"
                            + " subject-export --lake URI --tenant T (--user U | --case C)"
                            + " --purpose WHY --out DIR [--request-id R] [options]\n\n",
                    common().required("tenant", "The tenant.")
                            .add("user", "", "The subject's user id (name --user or --case).")
                            .add("case", "", "The subject's case id.")
                            .required("out", "Folder the export is written to.")
                            .add(
                                    "request-id",
                                    "",
                                    "The ACCESS request this answers: an ANSWERED entry is added"
                                            + " to it."));

    private static final Command<OptionTable.Parsed> REQUEST =
            Command.of(
                    "request",
                    "request: the data-subject request log (access, restriction, erasure"
                            + " requests and every change of their state, hash-chained per"
                            + " tenant under rights/requests/).\n\nUsage:\n"
                            + "  audit request log --tenant T --kind access|restriction|erasure"
                            + " (--user U | --case C) --received DATE --requester-ref REF"
                            + " [--request-id R]\n"
                            + "  audit request show --tenant T [--request-id R] [--json]\n"
                            + "  audit request verify --tenant T\n"
                            + "  audit request record-execution --tenant T --request-id R"
                            + " --receipt FILE\n"
                            + "  audit request restrict|lift|refuse|complete --tenant T"
                            + " --request-id R [--reason TEXT]\n"
                            + "Erasure requests are evaluated (and their plans written) with"
                            + " 'Jobs rights evaluate|due'.\n\n",
                    common().positionals(
                                    "log|show|verify|record-execution|restrict|lift|refuse|complete",
                                    "What to do.")
                            .required("tenant", "The tenant.")
                            .add(
                                    "request-id",
                                    "",
                                    "The request (log: default DSR-<date>-<random>).")
                            .add("kind", "", "log: access, restriction or erasure.")
                            .add("user", "", "log: the subject's user id (or --case).")
                            .add("case", "", "log: the subject's case id (or --user).")
                            .add("received", "", "log: the day the request arrived (yyyy-MM-dd).")
                            .add(
                                    "requester-ref",
                                    "",
                                    "log: the letter, ticket or message the request came with.")
                            .add(
                                    "receipt",
                                    "",
                                    "record-execution: the erasure receipt the erasure job wrote"
                                            + " (its SHA-256 goes into the log).")
                            .add(
                                    "reason",
                                    "",
                                    "restrict|lift|refuse|complete: why (required for refuse;"
                                            + " never a personal value)."));

    private static final Command<OptionTable.Parsed> REPORT =
            Command.of(
                    "report",
                    "report: the periodic compliance report of one tenant and period (EU AI Act"
                            + " Art. 72 post-market monitoring, SR 26-2 model monitoring): one"
                            + " self-contained HTML file with charts (decisions, approval and"
                            + " denial rates with version changes, confidence drift with PSI and"
                            + " KS, stated reasons, model cards, replays, quarantine, late"
                            + " decisions, access, integrity, data-subject requests), the"
                            + " traceability matrix and the DuckDB SQL of every figure."
                            + " Aggregates only; computed from full records, so compliance"
                            + " officers of the tenant only, and logged in the access log with"
                            + " the report's SHA-256.\n\nUsage: audit report --lake URI --tenant T"
                            + " --from DATE --to DATE --purpose WHY --out FILE.html [--pdf]"
                            + " [options]\n\n",
                    common().required("tenant", "The tenant.")
                            .required(
                                    "from", "First day of the period (yyyy-MM-dd, UTC), inclusive.")
                            .required("to", "Last day of the period (yyyy-MM-dd, UTC), inclusive.")
                            .required("out", "The HTML file to write (its folder is created).")
                            .flag(
                                    "pdf",
                                    "Also print it to PDF beside the HTML (same name, .pdf) with"
                                            + " headless Chromium.")
                            .add(
                                    "chromium",
                                    "chromium",
                                    "The Chromium executable for --pdf: a path or a name on the"
                                            + " PATH.")
                            .add(
                                    "min-group-size",
                                    Integer.toString(
                                            io.decisionledger.report.ComplianceReport
                                                    .DEFAULT_MIN_GROUP_SIZE),
                                    "A stated reason is shown only when at least this many"
                                            + " distinct applicants were given it (at least 2)."));

    private AuditCommand() {}

    public static void main(String[] args) throws Exception {
        Exit.with(run(args, System.getenv(), Clock.systemUTC(), Exit.out(), Exit.err()));
    }

    /** Runs one sub-command; returns the exit code. */
    public static int run(
            String[] args, Map<String, String> env, Clock clock, PrintStream out, PrintStream err)
            throws Exception {
        return commands(env, clock, out, err).run(args, out, err);
    }

    /** The audit sub-commands, answering {@code env}'s caller at {@code clock}'s time. */
    static Commands commands(
            Map<String, String> env, Clock clock, PrintStream out, PrintStream err) {
        Queries q = new Queries(env, clock, out, err);
        return new Commands(HEADER, footer(), BAD_OPTIONS)
                .add(
                        "decision-at",
                        "the latest decision about a user or case at or before an instant\n"
                                + "--tenant T (--user U | --case C | --user-pseudonym P |"
                                + " --case-pseudonym P)\n--at TIME   ISO-8601 instant, or a UTC"
                                + " date = end of that day",
                        args -> q.run(DECISION_AT, args, q::decisionAt))
                .add(
                        "history",
                        "every decision about a user or case in a period, in order\n--tenant T"
                                + " (--user U | ...) [--from TIME] [--to TIME]   both inclusive",
                        args -> q.run(HISTORY, args, q::history))
                .add(
                        "event",
                        "one decision by id: --tenant T --event-id E [--view full|masked]",
                        args -> q.run(EVENT, args, q::event))
                .add(
                        "bundle",
                        "evidence bundle of one decision: --tenant T --event-id E --out DIR"
                                + " [--zip]",
                        args -> q.run(BUNDLE, args, q::bundle))
                .add(
                        "verify-bundle",
                        "check a bundle offline: <DIR or ZIP> [--lake URI: its chain/heads must"
                                + " hold the head]",
                        args -> q.run(VERIFY_BUNDLE, args, q::verifyBundle))
                .add(
                        "timestamp-heads",
                        "RFC 3161 tokens for the chain heads: --tsa-url URL [--tenant T]"
                                + " [--since DATE]",
                        args -> q.run(TIMESTAMP_HEADS, args, q::timestampHeads))
                .add(
                        "verify-timestamps",
                        "check the heads' RFC 3161 tokens: --tsa-trust FILE [--tenant T]",
                        args -> q.run(VERIFY_TIMESTAMPS, args, q::verifyTimestamps))
                .add(
                        "access-log",
                        "who read what, when and why: [--tenant T] [--event-id E] [--actor A]\n"
                                + "[--from DATE] [--to DATE] [--verify: re-check the whole"
                                + " access-log chain]",
                        args -> q.run(ACCESS_LOG, args, q::accessLog))
                .add(
                        "subject-export",
                        "everything held about a data subject (GDPR Art. 15), JSON + HTML:\n"
                                + "--tenant T (--user U | --case C) --purpose WHY --out DIR"
                                + " [--request-id R]",
                        args -> q.run(SUBJECT_EXPORT, args, q::subjectExport))
                .add(
                        "report",
                        "the compliance report of a tenant and period, HTML (+ PDF):\n--tenant T"
                                + " --from DATE --to DATE --purpose WHY --out FILE.html [--pdf]",
                        args -> q.run(REPORT, args, q::report))
                .add(
                        "request",
                        "the data-subject request log:"
                                + " log|show|verify|record-execution|restrict|lift|refuse|complete"
                                + "\n--tenant T [--request-id R] ... ('audit request --help')",
                        args -> q.run(REQUEST, args, q::request));
    }

    private static final String HEADER =
            """
            audit: what did the AI decide, and why; evidence bundles; the access log.

            Usage: Main audit <command> [options]    (Main audit-api starts the HTTP API)

            """;

    private static String footer() {
        return common().help(
                                "\nCommon options (every command but verify-bundle, timestamp-heads and"
                                        + " verify-timestamps, which read no personal data and take"
                                        + " only their own options):\n")
                + """

                Roles: compliance_officer reads full records (audit/), the access log and bundles; every such read
                is logged first. operator reads masked copies (ops/) by --event-id, --user-pseudonym or
                --case-pseudonym; anything else is refused. Either reads only the tenants it is granted (a
                refused tenant is logged too). Who you are: --token-file FILE (your API token or a JWT).
                Data-subject rights: subject-export (Art. 15) and the request log (request ...), compliance
officers of the tenant only. Exit codes: 0 done (also for "none"), 1 not verified (or the TSA failed, or report --pdf could not print), 2 bad options,
3 refused.
                'audit <command> --help' lists a command's options.
                """;
    }

    /** Every audit table refuses an option given twice: a query names one tenant, one subject. */
    private static OptionTable optionTable() {
        return new OptionTable().repeatsRefused();
    }

    /** Just the lake: commands that read no personal data and need no identity. */
    private static OptionTable lakeOnly() {
        OptionTable t = optionTable();
        LakeOptions.declareRequired(t, "Lake root (file:///..., s3://bucket/prefix).");
        return t;
    }

    /** The options every query takes: where, who, why, and how to print. */
    private static OptionTable common() {
        OptionTable t = optionTable();
        LakeOptions.declareRequired(t, "Lake root (file:///..., s3://bucket/prefix).");
        IdentityOptions.declare(t);
        t.add("purpose", "", "Why (required to read full records; written to the access log).");
        t.flag("json", "Print JSON instead of text.");
        return t;
    }

    /** The tenant and exactly one subject: a user or case, by id or by pseudonym. */
    private static OptionTable withSubject(OptionTable t) {
        t.required("tenant", "The tenant.");
        for (Subject.Kind k : Subject.Kind.values()) {
            t.add(
                    option(k),
                    "",
                    "The subject: name exactly one of --user, --case, --user-pseudonym,"
                            + " --case-pseudonym.");
        }
        return t;
    }

    private static String option(Subject.Kind kind) {
        return kind.parameter().replace('_', '-');
    }

    /** The sub-commands' bodies, with the caller's environment, the clock and the streams. */
    private record Queries(Map<String, String> env, Clock clock, PrintStream out, PrintStream err) {

        /** Runs {@code command}: a refusal is exit code 3, any other bad input 2. */
        int run(
                Command<OptionTable.Parsed> command,
                String[] args,
                Command.Body<OptionTable.Parsed> body)
                throws Exception {
            return command.run(
                    args,
                    out,
                    err,
                    o -> {
                        try {
                            return body.run(o);
                        } catch (AccessRefusedException e) {
                            err.println("refused: " + e.getMessage());
                            return REFUSED;
                        } catch (AuthenticationException e) {
                            err.println("refused: not authenticated: " + e.getMessage());
                            return REFUSED;
                        } catch (IllegalArgumentException e) {
                            return Command.refuse(e.getMessage(), err);
                        }
                    });
        }

        AuditQueries queries(OptionTable.Parsed o) {
            LakeLayout lake = LakeOptions.lake(o);
            initFileSystems();
            return new AuditQueries(lake, clock);
        }

        int print(OptionTable.Parsed o, QueryResult r) {
            out.println(o.bool("json") ? r.toJson().toPrettyString() : r.toText());
            return OK;
        }

        // Each body reads and checks every option first, then authenticates: a mistyped command
        // line is reported as such, whoever types it.

        int decisionAt(OptionTable.Parsed o) throws Exception {
            AuditQueries q = queries(o);
            String tenant = o.value("tenant");
            Subject subject = subject(o);
            Instant at = TimeBounds.at(o.value("at"));
            Caller caller = identity(o, env, err);
            return print(o, q.decisionAt(caller, o.optional("purpose"), tenant, subject, at));
        }

        int history(OptionTable.Parsed o) throws Exception {
            AuditQueries q = queries(o);
            String tenant = o.value("tenant");
            Subject subject = subject(o);
            Instant from = o.given("from") ? TimeBounds.from(o.value("from")) : Instant.EPOCH;
            Instant to = o.given("to") ? TimeBounds.toExclusive(o.value("to")) : OPEN_END;
            Caller caller = identity(o, env, err);
            return print(o, q.history(caller, o.optional("purpose"), tenant, subject, from, to));
        }

        int event(OptionTable.Parsed o) throws Exception {
            AuditQueries q = queries(o);
            AuditQueries.View view =
                    o.given("view") ? AuditQueries.View.parse(o.value("view")) : null;
            String tenant = o.value("tenant");
            String eventId = o.value("event-id");
            Caller caller = identity(o, env, err);
            return print(o, q.event(caller, o.optional("purpose"), tenant, eventId, view));
        }

        int accessLog(OptionTable.Parsed o) throws Exception {
            AuditQueries q = queries(o);
            java.time.LocalDate from = date(o, "from");
            java.time.LocalDate to = date(o, "to");
            Caller caller = identity(o, env, err);
            QueryResult r =
                    q.readAccessLog(
                            caller,
                            o.optional("purpose"),
                            o.optional("tenant"),
                            o.optional("event-id"),
                            o.optional("actor"),
                            from,
                            to,
                            o.bool("verify"));
            print(o, r);
            return r.verification() != null && !r.verification().intact() ? NOT_VERIFIED : OK;
        }

        int bundle(OptionTable.Parsed o) throws Exception {
            AuditQueries q = queries(o);
            String tenant = o.value("tenant");
            String eventId = o.value("event-id");
            Path folder = Path.of(o.value("out")).toAbsolutePath();
            Caller caller = identity(o, env, err);
            EvidenceBundle.Result r =
                    new EvidenceBundle(q, clock)
                            .create(
                                    caller,
                                    o.optional("purpose"),
                                    tenant,
                                    eventId,
                                    folder,
                                    o.bool("zip"));
            out.println(
                    "Evidence bundle written to "
                            + r.folder()
                            + (r.zip() == null ? "" : " and " + r.zip())
                            + "\n  proof: "
                            + (r.verified() ? "VERIFIED" : "NOT VERIFIED")
                            + "; open "
                            + r.folder().resolve("evidence.html")
                            + "\n  access logged as #"
                            + r.logged().getLogSeq());
            return OK;
        }

        int subjectExport(OptionTable.Parsed o) throws Exception {
            AuditQueries q = queries(o);
            String tenant = o.value("tenant");
            Subject subject = realSubject(o);
            Path folder = Path.of(o.value("out")).toAbsolutePath();
            String requestId = o.optional("request-id");
            if (requestId != null) {
                RequestLog.checkRequestId(requestId);
            }
            Caller caller = identity(o, env, err);
            SubjectAccessExport.Result r =
                    new SubjectAccessExport(q, clock)
                            .create(caller, o.optional("purpose"), tenant, subject);
            java.nio.file.Files.createDirectories(folder);
            java.nio.file.Files.writeString(
                    folder.resolve("subject-export.json"), r.json().toPrettyString());
            java.nio.file.Files.writeString(folder.resolve("subject-export.html"), r.html());
            if (requestId != null) {
                new RequestLog(q.lake(), clock)
                        .transition(
                                caller,
                                tenant,
                                requestId,
                                RequestEntry.State.ANSWERED,
                                new RequestLog.Change(
                                        null,
                                        null,
                                        "export of "
                                                + r.decisions()
                                                + " decision(s), access-log #"
                                                + r.logged().getLogSeq(),
                                        null,
                                        latestRestricted(q.lake(), caller, tenant, requestId)));
            }
            out.println(
                    "Subject access export written to "
                            + folder
                            + ": subject-export.json, subject-export.html ("
                            + r.decisions()
                            + " decision(s))\n  access logged as #"
                            + r.logged().getLogSeq());
            return OK;
        }

        int request(OptionTable.Parsed o) throws Exception {
            if (o.positionals().size() != 1) {
                throw new OptionTable.InvalidOptionException(
                        "name one of: log, show, verify, record-execution, restrict, lift,"
                                + " refuse, complete");
            }
            String action = o.positionals().get(0);
            LakeLayout lake = LakeOptions.lake(o);
            initFileSystems();
            String tenant = o.value("tenant");
            String requestId = o.optional("request-id");
            RequestLog log = new RequestLog(lake, clock);
            switch (action) {
                case "log" -> {
                    RequestEntry.Kind kind =
                            o.given("kind") ? o.choice("kind", RequestEntry.Kind.class) : null;
                    if (kind == null) {
                        throw new OptionTable.InvalidOptionException(
                                "log needs --kind access, restriction or erasure");
                    }
                    Subject subject = realSubject(o);
                    java.time.LocalDate received = date(o, "received");
                    if (received == null) {
                        throw new OptionTable.InvalidOptionException(
                                "log needs --received (yyyy-MM-dd)");
                    }
                    Caller caller = identity(o, env, err);
                    RequestEntry e =
                            log.receive(
                                    caller,
                                    tenant,
                                    requestId,
                                    kind,
                                    subject.kind() == Subject.Kind.USER
                                            ? ErasurePlan.SubjectType.USER
                                            : ErasurePlan.SubjectType.CASE,
                                    subject.value(),
                                    received,
                                    o.optional("requester-ref"));
                    out.println(
                            "request "
                                    + e.requestId()
                                    + " ("
                                    + e.kind()
                                    + ") logged for tenant "
                                    + tenant
                                    + " as entry "
                                    + e.seq()
                                    + (e.subjectRestricted()
                                            ? "; the subject's records are restricted from now on"
                                            : ""));
                    return OK;
                }
                case "show" -> {
                    Caller caller = identity(o, env, err);
                    List<RequestEntry> entries =
                            requestId == null
                                    ? log.entries(caller, tenant)
                                    : log.history(caller, tenant, requestId);
                    logRequestRead(lake, caller, o, tenant, entries);
                    if (o.bool("json")) {
                        com.fasterxml.jackson.databind.node.ArrayNode a =
                                RecordJson.MAPPER.createArrayNode();
                        for (RequestEntry e : entries) {
                            a.add(RecordJson.MAPPER.readTree(e.toJson()));
                        }
                        out.println(a.toPrettyString());
                    } else {
                        for (RequestEntry e : entries) {
                            out.printf(
                                    "#%d %s %s %s %s:%s received %s: %s%s%s%s%n",
                                    e.seq(),
                                    e.recordedAt(),
                                    e.requestId(),
                                    e.kind(),
                                    e.subjectType().name().toLowerCase(java.util.Locale.ROOT),
                                    e.subjectId(),
                                    e.receivedDate(),
                                    e.state(),
                                    e.until() == null ? "" : " until " + e.until(),
                                    e.reason() == null ? "" : " (" + e.reason() + ")",
                                    e.subjectRestricted() ? " [restricted]" : "");
                        }
                        if (entries.isEmpty()) {
                            out.println("no requests on file");
                        }
                    }
                    return OK;
                }
                case "verify" -> {
                    Caller caller = identity(o, env, err);
                    RequestLog.Verification v = log.verify(caller, tenant);
                    out.println(
                            "request log of tenant "
                                    + tenant
                                    + ": "
                                    + v.entries()
                                    + " entries, "
                                    + (v.intact() ? "INTACT" : "NOT INTACT")
                                    + (v.lastHash() == null ? "" : ", head " + v.lastHash()));
                    v.problems().forEach(p -> out.println("  " + p));
                    return v.intact() ? OK : NOT_VERIFIED;
                }
                case "record-execution" -> {
                    if (requestId == null || !o.given("receipt")) {
                        throw new OptionTable.InvalidOptionException(
                                "record-execution needs --request-id and --receipt");
                    }
                    org.apache.flink.core.fs.Path receiptPath =
                            new org.apache.flink.core.fs.Path(o.value("receipt"));
                    byte[] bytes;
                    try (java.io.InputStream in = receiptPath.getFileSystem().open(receiptPath)) {
                        bytes = in.readAllBytes();
                    } catch (java.io.IOException e) {
                        throw new IllegalArgumentException(
                                "--receipt: cannot read " + o.value("receipt"));
                    }
                    ErasureReceipt receipt = ErasureReceipt.fromJson(bytes, o.value("receipt"));
                    if (!receipt.requestId().equals(requestId)
                            || !receipt.tenantId().equals(tenant)) {
                        throw new IllegalArgumentException(
                                "--receipt is the receipt of request "
                                        + receipt.requestId()
                                        + " in tenant "
                                        + receipt.tenantId()
                                        + ", not of "
                                        + requestId
                                        + " in "
                                        + tenant);
                    }
                    Caller caller = identity(o, env, err);
                    String sha =
                            java.util.HexFormat.of()
                                    .formatHex(
                                            io.decisionledger.decision.FieldDigests.sha256()
                                                    .digest(bytes));
                    RequestEntry e =
                            log.transition(
                                    caller,
                                    tenant,
                                    requestId,
                                    RequestEntry.State.EXECUTED,
                                    new RequestLog.Change(
                                            null,
                                            sha,
                                            "plan "
                                                    + receipt.planSequence()
                                                    + ": "
                                                    + receipt.recordsErased()
                                                    + (receipt.scope()
                                                                    == io.decisionledger.rights
                                                                            .ErasurePlan.Scope
                                                                            .RESTRICT
                                                            ? " record(s) removed from ops/"
                                                                    + " (restricted; audit"
                                                                    + " keeps them), "
                                                            : " record(s) erased, ")
                                                    + receipt.files().size()
                                                    + " file(s) rewritten",
                                            null,
                                            latestRestricted(lake, caller, tenant, requestId)));
                    out.println(
                            "request "
                                    + requestId
                                    + ": EXECUTED (receipt sha256 "
                                    + sha
                                    + ") as entry "
                                    + e.seq());
                    return OK;
                }
                case "restrict", "lift", "refuse", "complete" -> {
                    if (requestId == null) {
                        throw new OptionTable.InvalidOptionException(
                                action + " needs --request-id");
                    }
                    RequestEntry.State state =
                            switch (action) {
                                case "restrict" -> RequestEntry.State.RESTRICTED;
                                case "lift" -> RequestEntry.State.LIFTED;
                                case "refuse" -> RequestEntry.State.REFUSED;
                                default -> RequestEntry.State.COMPLETED;
                            };
                    Caller caller = identity(o, env, err);
                    RequestEntry e =
                            log.transition(
                                    caller,
                                    tenant,
                                    requestId,
                                    state,
                                    new RequestLog.Change(
                                            null,
                                            null,
                                            o.optional("reason"),
                                            null,
                                            state == RequestEntry.State.RESTRICTED));
                    out.println(
                            "request "
                                    + requestId
                                    + ": "
                                    + state
                                    + " as entry "
                                    + e.seq()
                                    + (e.subjectRestricted()
                                            ? "; the subject's records are restricted"
                                            : "; this request no longer restricts the subject"));
                    return OK;
                }
                default ->
                        throw new OptionTable.InvalidOptionException(
                                "unknown action '"
                                        + action
                                        + "'; name one of: log, show, verify, record-execution,"
                                        + " restrict, lift, refuse, complete");
            }
        }

        int timestampHeads(OptionTable.Parsed o) throws Exception {
            LakeLayout lake = LakeOptions.lake(o);
            TimeStampAuthority tsa =
                    TimeStampAuthority.at(
                            o.value("tsa-url"),
                            o.bool("allow-insecure-tsa"),
                            o.duration("tsa-timeout"));
            String tenant = o.optional("tenant");
            java.time.LocalDate since = date(o, "since");
            initFileSystems();
            HeadTimestamps.StampResult r;
            try {
                r = new HeadTimestamps(lake).stamp(tsa, tenant, since, out);
            } catch (TimeStampAuthority.TsaException e) {
                err.println("timestamp-heads: " + e.getMessage() + "; no token written for it");
                return NOT_VERIFIED;
            }
            out.println(
                    r.stamped()
                            + " heads file(s) time-stamped, "
                            + r.alreadyStamped()
                            + " already time-stamped");
            return OK;
        }

        int verifyTimestamps(OptionTable.Parsed o) throws Exception {
            LakeLayout lake = LakeOptions.lake(o);
            List<java.security.cert.X509Certificate> trust;
            try {
                trust = HeadTimestamps.loadTrust(Path.of(o.value("tsa-trust")));
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--tsa-trust: " + e.getMessage());
            }
            String tenant = o.optional("tenant");
            initFileSystems();
            List<HeadTimestamps.Finding> findings = new HeadTimestamps(lake).verify(trust, tenant);
            long bad =
                    findings.stream()
                            .filter(f -> f.status() == HeadTimestamps.Status.BAD_TIMESTAMP)
                            .count();
            long none =
                    findings.stream()
                            .filter(f -> f.status() == HeadTimestamps.Status.NO_TIMESTAMP)
                            .count();
            if (o.bool("json")) {
                com.fasterxml.jackson.databind.node.ArrayNode a =
                        RecordJson.MAPPER.createArrayNode();
                for (HeadTimestamps.Finding f : findings) {
                    a.addObject()
                            .put("status", f.status().name())
                            .put("file", f.file())
                            .put("detail", f.detail());
                }
                out.println(a.toPrettyString());
            } else {
                for (HeadTimestamps.Finding f : findings) {
                    out.println(f.toText());
                }
                out.println(
                        (findings.size() - bad - none)
                                + " TIMESTAMP_OK, "
                                + bad
                                + " BAD_TIMESTAMP, "
                                + none
                                + " NO_TIMESTAMP");
            }
            return bad > 0 ? NOT_VERIFIED : OK;
        }

        int report(OptionTable.Parsed o) throws Exception {
            LakeLayout lake = LakeOptions.lake(o);
            java.time.LocalDate from = date(o, "from");
            java.time.LocalDate to = date(o, "to");
            if (to.isBefore(from)) {
                throw new OptionTable.InvalidOptionException("--to is before --from");
            }
            int minGroup;
            try {
                minGroup = Integer.parseInt(o.value("min-group-size"));
            } catch (NumberFormatException e) {
                minGroup = 0;
            }
            if (minGroup < 2) {
                throw new OptionTable.InvalidOptionException(
                        "--min-group-size must be a whole number of at least 2");
            }
            io.decisionledger.report.HeadlessChromium chromium = null;
            if (o.bool("pdf")) {
                chromium = io.decisionledger.report.HeadlessChromium.find(o.value("chromium"));
                if (chromium == null) {
                    throw new OptionTable.InvalidOptionException(
                            "--pdf needs Chromium: '"
                                    + o.value("chromium")
                                    + "' is not an executable (install chromium or name it with"
                                    + " --chromium)");
                }
            }
            Path html = Path.of(o.value("out")).toAbsolutePath();
            String tenant = o.value("tenant");
            Caller caller = identity(o, env, err);
            initFileSystems();
            io.decisionledger.report.ReportWriter.Produced r;
            try {
                r =
                        new io.decisionledger.report.ReportWriter(lake, clock)
                                .produce(
                                        caller,
                                        o.optional("purpose"),
                                        new io.decisionledger.report.ComplianceReport.Period(
                                                tenant, from, to),
                                        minGroup,
                                        html,
                                        chromium);
            } catch (java.io.IOException e) {
                if (chromium != null
                        && e.getMessage() != null
                        && e.getMessage().contains("chromium")) {
                    err.println(
                            "report: the PDF could not be printed: "
                                    + e.getMessage()
                                    + "; nothing written");
                    return NOT_VERIFIED;
                }
                throw e;
            }
            out.println(
                    "Compliance report written to "
                            + r.html()
                            + " (sha256 "
                            + r.htmlSha256()
                            + ")"
                            + (r.pdf() == null
                                    ? ""
                                    : "\n  and " + r.pdf() + " (sha256 " + r.pdfSha256() + ")")
                            + "\n  access logged as #"
                            + r.logged().getLogSeq());
            return OK;
        }

        int verifyBundle(OptionTable.Parsed o) throws Exception {
            if (o.positionals().size() != 1) {
                throw new IllegalArgumentException("verify-bundle needs one bundle folder or zip");
            }
            LakeLayout lake = LakeOptions.optionalLake(o);
            if (lake != null) {
                initFileSystems();
            }
            String keysFile = o.optional("trusted-keys");
            TrustedKeys keys;
            try {
                keys = keysFile == null ? null : TrustedKeys.load(Path.of(keysFile));
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("--trusted-keys: " + e.getMessage());
            }
            BundleVerifier.Report report =
                    BundleVerifier.verify(Path.of(o.positionals().get(0)), lake, keys);
            out.print(report.toText());
            return report.ok() ? OK : NOT_VERIFIED;
        }
    }

    /** The authenticated caller (see {@link IdentityOptions}); warns when it is self-asserted. */
    static Caller identity(OptionTable.Parsed o, Map<String, String> env, PrintStream err)
            throws java.io.IOException {
        Caller caller = IdentityOptions.caller(o, env);
        if (caller.selfAsserted()) {
            err.println(
                    "WARNING: --insecure-self-asserted-identity: nothing verified who you are;"
                            + " the access log marks these reads "
                            + caller.channelName());
        }
        return caller;
    }

    static Subject subject(OptionTable.Parsed o) {
        Subject s = null;
        int given = 0;
        for (Subject.Kind k : Subject.Kind.values()) {
            String value = o.optional(option(k));
            if (value != null) {
                given++;
                s = new Subject(k, value);
            }
        }
        if (given != 1) {
            throw new OptionTable.InvalidOptionException(
                    "name exactly one of --user, --case, --user-pseudonym, --case-pseudonym");
        }
        return s;
    }

    /** The subject of an export or a request: exactly one of --user, --case (real ids). */
    static Subject realSubject(OptionTable.Parsed o) {
        String user = o.optional("user");
        String kase = o.optional("case");
        if ((user == null) == (kase == null)) {
            throw new OptionTable.InvalidOptionException("name exactly one of --user, --case");
        }
        return user != null ? Subject.user(user) : Subject.caseId(kase);
    }

    /** Whether the request's latest entry keeps its subject restricted. */
    static boolean latestRestricted(LakeLayout lake, Caller caller, String tenant, String requestId)
            throws java.io.IOException {
        List<RequestEntry> h =
                new RequestLog(lake, Clock.systemUTC()).history(caller, tenant, requestId);
        return !h.isEmpty() && h.get(h.size() - 1).subjectRestricted();
    }

    /** Reading the request log names subjects: the read is in the access log. */
    static void logRequestRead(
            LakeLayout lake,
            Caller caller,
            OptionTable.Parsed o,
            String tenant,
            List<RequestEntry> entries)
            throws java.io.IOException {
        Map<String, String> query = new java.util.LinkedHashMap<>();
        query.put("tenant", tenant);
        if (o.optional("request-id") != null) {
            query.put("request_id", o.optional("request-id"));
        }
        new io.decisionledger.access.AccessLog(lake, Clock.systemUTC())
                .record(
                        new io.decisionledger.access.AccessLog.Access(
                                caller,
                                io.decisionledger.access.AccessLog.Action.RIGHTS_REQUESTS,
                                o.optional("purpose") == null
                                        ? "data-subject request handling"
                                        : o.optional("purpose"),
                                RequestLog.REQUESTS,
                                tenant,
                                List.of(),
                                query));
    }

    /** A date option of the access log, or null when not given. */
    private static java.time.LocalDate date(OptionTable.Parsed o, String name) {
        if (o.optional(name) == null) {
            return null;
        }
        java.time.LocalDate d = TimeBounds.date(o.value(name));
        if (d == null) {
            throw new OptionTable.InvalidOptionException(
                    "--" + name + " must be a date (yyyy-MM-dd)");
        }
        return d;
    }

    /** Lets {@code s3://} lakes work from a plain JVM when Flink's plugins and config are set. */
    static void initFileSystems() {
        String confDir = System.getenv("FLINK_CONF_DIR");
        if (confDir == null && System.getenv("FLINK_PLUGINS_DIR") == null) {
            return;
        }
        Configuration conf =
                confDir == null
                        ? new Configuration()
                        : GlobalConfiguration.loadConfiguration(confDir);
        FileSystem.initialize(conf, PluginUtils.createPluginManagerFromRootFolder(conf));
    }
}
