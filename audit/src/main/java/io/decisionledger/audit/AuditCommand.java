package io.decisionledger.audit;

import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.LakeLayout;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.PluginUtils;

/**
 * The {@code audit} command: temporal queries, evidence bundles and the access log, from a
 * terminal. {@code Main audit <decision-at|history|event|bundle|verify-bundle|access-log>
 * [options]}. The caller's identity comes from {@code --identity-file} (a properties file with
 * {@code user=} and {@code role=}) or the environment variable {@value Caller#ENV} ({@code
 * user:role}); results print as text, or as JSON with {@code --json}.
 *
 * <p>Exit codes: 0 done (also when the answer is "none"), 1 a bundle did not verify, 2 bad options,
 * 3 refused for the caller's role.
 */
public final class AuditCommand {

    static final int OK = 0;
    static final int NOT_VERIFIED = 1;
    static final int BAD_OPTIONS = 2;
    static final int REFUSED = 3;

    /** The end of a history without --to: after any event the lake can hold. */
    static final Instant OPEN_END = Instant.parse("9999-01-01T00:00:00Z");

    private static final Set<String> FLAGS = Set.of("json", "zip", "verify");

    private AuditCommand() {}

    public static void main(String[] args) throws Exception {
        initFileSystems();
        System.exit(run(args, System.getenv(), Clock.systemUTC(), System.out, System.err));
    }

    /** Runs one sub-command; returns the exit code. */
    public static int run(
            String[] args, Map<String, String> env, Clock clock, PrintStream out, PrintStream err)
            throws Exception {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("help")) {
            out.println(help());
            return args.length == 0 ? BAD_OPTIONS : OK;
        }
        String command = args[0];
        Map<String, String> o;
        List<String> positional;
        try {
            Parsed p = parse(Arrays.copyOfRange(args, 1, args.length));
            o = p.options();
            positional = p.positional();
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage() + " ('audit --help' lists the options)");
            return BAD_OPTIONS;
        }
        if (o.containsKey("help")) {
            out.println(help());
            return OK;
        }
        try {
            if (command.equals("verify-bundle")) {
                if (positional.size() != 1) {
                    throw new IllegalArgumentException(
                            "verify-bundle needs one bundle folder or zip");
                }
                BundleVerifier.Report report =
                        BundleVerifier.verify(
                                Path.of(positional.get(0)),
                                o.containsKey("lake") ? LakeLayout.at(o.get("lake")) : null);
                out.print(report.toText());
                return report.ok() ? OK : NOT_VERIFIED;
            }
            if (!positional.isEmpty()) {
                throw new IllegalArgumentException("unexpected argument " + positional.get(0));
            }
            Caller caller = identity(o, env);
            LakeLayout lake = LakeLayout.at(require(o, "lake"));
            AuditQueries queries = new AuditQueries(lake, clock);
            String purpose = o.get("purpose");
            boolean json = o.containsKey("json");
            switch (command) {
                case "decision-at" -> {
                    QueryResult r =
                            queries.decisionAt(
                                    caller,
                                    purpose,
                                    require(o, "tenant"),
                                    subject(o),
                                    TimeBounds.at(require(o, "at")));
                    out.println(json ? r.toJson().toPrettyString() : r.toText());
                }
                case "history" -> {
                    QueryResult r =
                            queries.history(
                                    caller,
                                    purpose,
                                    require(o, "tenant"),
                                    subject(o),
                                    o.containsKey("from")
                                            ? TimeBounds.from(o.get("from"))
                                            : Instant.EPOCH,
                                    o.containsKey("to")
                                            ? TimeBounds.toExclusive(o.get("to"))
                                            : OPEN_END);
                    out.println(json ? r.toJson().toPrettyString() : r.toText());
                }
                case "event" -> {
                    AuditQueries.View view =
                            o.containsKey("view") ? AuditQueries.View.parse(o.get("view")) : null;
                    QueryResult r =
                            queries.event(
                                    caller,
                                    purpose,
                                    require(o, "tenant"),
                                    require(o, "event-id"),
                                    view);
                    out.println(json ? r.toJson().toPrettyString() : r.toText());
                }
                case "access-log" -> {
                    QueryResult r =
                            queries.readAccessLog(
                                    caller,
                                    purpose,
                                    o.get("tenant"),
                                    o.get("event-id"),
                                    o.get("actor"),
                                    o.containsKey("from") ? requireDate(o, "from") : null,
                                    o.containsKey("to") ? requireDate(o, "to") : null,
                                    o.containsKey("verify"));
                    out.println(json ? r.toJson().toPrettyString() : r.toText());
                    if (r.verification() != null && !r.verification().intact()) {
                        return NOT_VERIFIED;
                    }
                }
                case "bundle" -> {
                    EvidenceBundle.Result r =
                            new EvidenceBundle(queries, clock)
                                    .create(
                                            caller,
                                            purpose,
                                            require(o, "tenant"),
                                            require(o, "event-id"),
                                            Path.of(require(o, "out")).toAbsolutePath(),
                                            o.containsKey("zip"));
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
                }
                default ->
                        throw new IllegalArgumentException(
                                "unknown audit command '" + command + "'");
            }
            return OK;
        } catch (AccessRefusedException e) {
            err.println("refused: " + e.getMessage());
            return REFUSED;
        } catch (IllegalArgumentException e) {
            err.println("error: " + e.getMessage());
            return BAD_OPTIONS;
        }
    }

    static Caller identity(Map<String, String> o, Map<String, String> env) {
        if (o.containsKey("identity-file")) {
            return Caller.fromIdentityFile(Path.of(o.get("identity-file")));
        }
        String value = env.get(Caller.ENV);
        if (value != null && !value.isBlank()) {
            return Caller.fromEnvironmentValue(value);
        }
        throw new IllegalArgumentException(
                "who is asking? pass --identity-file FILE (user=..., role=...) or set "
                        + Caller.ENV
                        + "=user:role");
    }

    static Subject subject(Map<String, String> o) {
        Subject s = null;
        int given = 0;
        for (Subject.Kind k : Subject.Kind.values()) {
            String option = k.parameter().replace('_', '-');
            if (o.containsKey(option)) {
                given++;
                s = new Subject(k, o.get(option));
            }
        }
        if (given != 1) {
            throw new IllegalArgumentException(
                    "name exactly one of --user, --case, --user-pseudonym, --case-pseudonym");
        }
        return s;
    }

    private static java.time.LocalDate requireDate(Map<String, String> o, String name) {
        java.time.LocalDate d = TimeBounds.date(o.get(name));
        if (d == null) {
            throw new IllegalArgumentException("--" + name + " must be a date (yyyy-MM-dd)");
        }
        return d;
    }

    private static String require(Map<String, String> o, String name) {
        String v = o.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + name + " is required");
        }
        return v;
    }

    private record Parsed(Map<String, String> options, List<String> positional) {}

    private static Parsed parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        List<String> positional = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                positional.add(a);
                continue;
            }
            String name = a.substring(2);
            if (name.equals("help") || FLAGS.contains(name)) {
                options.put(name, "true");
                continue;
            }
            if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            if (options.put(name, args[++i]) != null) {
                throw new IllegalArgumentException(a + " is given twice");
            }
        }
        return new Parsed(options, positional);
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

    static String help() {
        return """
                audit: what did the AI decide, and why; evidence bundles; the access log.

                Usage: Main audit <command> [options]    (Main audit-api starts the HTTP API)

                  decision-at   the latest decision about a user or case at or before an instant
                                --tenant T (--user U | --case C | --user-pseudonym P | --case-pseudonym P)
                                --at TIME                       ISO-8601 instant, or a UTC date = end of that day
                  history       every decision about a user or case in a period, in order
                                --tenant T (--user U | ...) [--from TIME] [--to TIME]   both inclusive
                  event         one decision by id: --tenant T --event-id E [--view full|masked]
                  bundle        evidence bundle of one decision: --tenant T --event-id E --out DIR [--zip]
                  verify-bundle check a bundle offline: <DIR or ZIP> [--lake URI: its chain/heads must hold the head]
                  access-log    who read what, when and why: [--tenant T] [--event-id E] [--actor A]
                                [--from DATE] [--to DATE] [--verify: re-check the whole access-log chain]

                Common options:
                  --lake URI            lake root (file:///..., s3://bucket/prefix)
                  --identity-file FILE  properties file with user=... and role=compliance_officer|operator;
                                        or set DECISION_LEDGER_AUDIT_IDENTITY=user:role
                  --purpose TEXT        why (required to read full records; written to the access log)
                  --json                print JSON instead of text

                Roles: compliance_officer reads full records (audit/), the access log and bundles; every such read
                is logged first. operator reads masked copies (ops/) by --event-id, --user-pseudonym or
                --case-pseudonym; anything else is refused.
                Exit codes: 0 done (also for "none"), 1 not verified, 2 bad options, 3 refused.""";
    }
}
