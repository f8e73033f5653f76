package io.decisionledger.cli;

import io.decisionledger.access.ApiTokens;
import io.decisionledger.access.Caller;
import io.decisionledger.access.CliIdentity;
import io.decisionledger.audit.AuditQueries;
import io.decisionledger.audit.BundleVerifier;
import io.decisionledger.audit.EvidenceBundle;
import io.decisionledger.audit.QueryResult;
import io.decisionledger.audit.Subject;
import io.decisionledger.compaction.CompactionOptions;
import io.decisionledger.compaction.CompactionReport;
import io.decisionledger.compaction.CompactionRunner;
import io.decisionledger.decision.ErasedColumns;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.ingest.IngestOptions;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.metrics.MetricsJob;
import io.decisionledger.metrics.MetricsOptions;
import io.decisionledger.metrics.TodayDashboard;
import io.decisionledger.options.Command;
import io.decisionledger.options.Exit;
import io.decisionledger.options.OptionTable;
import io.decisionledger.privacy.PseudonymKey;
import io.decisionledger.testkit.LocalKafkaBroker;
import io.decisionledger.testkit.SampleDecisions;
import io.decisionledger.verify.VerifyJob;
import io.decisionledger.verify.VerifyReport;
import io.decisionledger.verify.VerifyRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The newcomer's tour in one command: starts a real Kafka broker on 127.0.0.1, produces a realistic
 * sample of loan decisions (with malformed records and producer re-sends), runs the real IngestJob
 * on a local Flink until the sample is consumed, summarises the lake it wrote (reading the files
 * back), verifies its hash chains, and answers a compliance officer's question about one applicant
 * with an evidence bundle, compacts and (on a copy, seven years ahead) applies retention, and takes
 * another applicant's access and erasure requests through the request log, the evaluation, the
 * erasure job and the verifier. Nothing here is a mock; only the cluster is local.
 */
public final class Demo {

    private static final String TOPIC = "ai-decisions";

    private Demo() {}

    /** The demo's options: where it works and how many decisions it sends. */
    private record Options(Path work, int events) {}

    private static final Command<Options> COMMAND =
            Command.of(
                            "demo",
                            "demo: a Kafka broker on 127.0.0.1, a sample of decisions, IngestJob on a"
                                    + " local Flink, the lake summarised and verified, an audit"
                                    + " question answered, compaction and retention, an"
                                    + " applicant's access and erasure requests.\n\nUsage:"
                                    + " deploy/local/demo.sh"
                                    + " [options]\n\n",
                            new OptionTable()
                                    .add(
                                            "work",
                                            ".demo",
                                            "The demo's folder (lake, Kafka, evidence).")
                                    .add("events", "10000", "Valid decisions to send."),
                            given ->
                                    new Options(
                                            Path.of(given.value("work")),
                                            given.integer("events", 1)))
                    .withFooter(
                            "\nNeeds 'mvn -B -DskipTests install' to have run"
                                    + " (deploy/local/*/target/lib).\n");

    public static void main(String[] args) throws Exception {
        Options given = COMMAND.parseOrExit(args);
        if (given == null) {
            return; // --help
        }
        Path work = given.work();
        int valid = given.events();
        int malformed = 150;
        int duplicates = 100;
        work = work.toAbsolutePath().normalize();
        Path stackDir = Path.of(System.getProperty("decisionledger.stack.dir", "deploy/local"));
        Path lake = work.resolve("lake");
        // Start from nothing, but keep the folder itself: the log file is already open in it.
        deleteRecursively(lake);
        deleteRecursively(work.resolve("kafka"));
        deleteRecursively(work.resolve("evidence"));
        deleteRecursively(work.resolve("checkpoints"));
        Files.createDirectories(work);

        step(
                "Starting a Kafka broker (KRaft, 127.0.0.1) from "
                        + stackDir.resolve("kafka/target/lib"));
        long t0 = System.nanoTime();
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(stackDir, work.resolve("kafka"))) {
            System.out.printf("  ready at %s in %.1f s%n", kafka.bootstrapServers(), seconds(t0));
            kafka.createTopic(TOPIC, 2);

            Instant now = Instant.now();
            SampleDecisions.Sample generated =
                    SampleDecisions.generate(2026, valid, malformed, duplicates, now);
            // the applicant of the rights step also has two decisions from 30 months ago (past
            // Reg B's 25 months), one of them re-sent by the producer (a quarantined copy)
            Applicant applicant = applicant(generated, now);
            // every decision declares its applicant's name and address (context metadata the
            // masking policy marks personal), so the ops copy masks them wherever they occur
            SampleDecisions.Sample sample =
                    SampleDecisions.declaringApplicants(withOldDecisions(generated, applicant));
            step(
                    String.format(
                            "Producing %,d records to topic '%s': %,d loan decisions over %d tenants and %d model"
                                    + " versions, %,d malformed, %,d re-sent duplicates",
                            sample.events().size(),
                            TOPIC,
                            sample.acceptedTotal(),
                            SampleDecisions.TENANTS.size(),
                            SampleDecisions.MODEL_VERSIONS.size(),
                            malformed,
                            duplicates + 1));
            long bytes = kafka.produce(TOPIC, sample.events());

            IngestOptions options =
                    IngestOptions.parse(
                            new String[] {
                                "--bootstrap-servers",
                                kafka.bootstrapServers(),
                                "--topic",
                                TOPIC,
                                "--starting-offsets",
                                "earliest",
                                "--bounded",
                                "true",
                                "--lake",
                                lake.toUri().toString(),
                                "--checkpoint-interval",
                                "PT2S",
                                "--pseudonym-key-file",
                                pseudonymKey(work).toString()
                            });
            step("Running IngestJob on a local Flink (parallelism 2) until the topic is consumed");
            long t1 = System.nanoTime();
            runIngest(options, work.resolve("checkpoints"));
            double ingestSeconds = seconds(t1);
            System.out.printf(
                    "  done in %.1f s: %,.0f records/s (%.1f MB/s) including job start-up, on %d cores,"
                            + " load average %.2f%n",
                    ingestSeconds,
                    sample.events().size() / ingestSeconds,
                    bytes / ingestSeconds / 1e6,
                    Runtime.getRuntime().availableProcessors(),
                    java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                            .getSystemLoadAverage());

            boolean exact = summarise(LakeLayout.at(lake.toUri().toString()), lake, sample);
            boolean clean = verify(lake);
            boolean metricsMatch = metrics(lake, sample);
            boolean audited = audit(lake, work, sample);
            boolean compacted = compactAndRetain(lake, work, sample);
            boolean rights = rights(lake, work, applicant);
            boolean reported = report(lake, work, sample);
            explore(lake);
            if (!exact
                    || !clean
                    || !metricsMatch
                    || !audited
                    || !compacted
                    || !rights
                    || !reported) {
                Exit.with(1);
            }
        }
    }

    /** Runs VerifyJob over the demo lake, as an auditor would, and prints its summary. */
    private static boolean verify(Path lake) throws Exception {
        step(
                "Verifying the trail: content hashes, hash chains and published chain heads (VerifyJob)");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(2, localConfiguration());
        Path reportFile = lake.resolveSibling("verify-report.json");
        VerifyJob.Options options =
                new VerifyJob.Options(LakeLayout.at(lake.toUri().toString()), null, reportFile);
        VerifyReport report = new VerifyRunner(options).run(env, System.out);
        report.writeTo(reportFile);
        System.out.printf(
                "  %s%n  %.0f records/s; report: %s%n",
                report.summary(), report.records() / report.seconds(), reportFile);
        return report.clean();
    }

    /**
     * Mints the demo officer's API token: a random token in {@code officer.token} (readable by its
     * owner only), its digest granted compliance_officer on every tenant in {@code api-tokens}, and
     * an {@code auth.properties} naming that file, all under {@code dir}.
     */
    static Path mintOfficerToken(Path dir) throws IOException {
        Files.createDirectories(dir);
        byte[] random = new byte[32];
        new java.security.SecureRandom().nextBytes(random);
        String token = java.util.HexFormat.of().formatHex(random);
        Path tokenFile = dir.resolve("officer.token");
        Files.deleteIfExists(tokenFile);
        Files.createFile(
                tokenFile,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tokenFile, token + "\n");
        Files.writeString(
                dir.resolve("api-tokens"),
                "# minted by the demo: <sha256 of token> <user> <role> <tenants>\n"
                        + ApiTokens.digestHex(token)
                        + " demo.officer compliance_officer *\n");
        Files.writeString(
                dir.resolve("auth.properties"), "# minted by the demo\ntokens = api-tokens\n");
        return tokenFile;
    }

    /**
     * Answers a compliance officer's question about one sample applicant ("what did the AI decide
     * for this user, as of now, and why?"), builds the decision's evidence bundle, and checks the
     * bundle offline, as a regulator receiving it would.
     */
    private static boolean audit(Path lake, Path work, SampleDecisions.Sample sample)
            throws IOException {
        SampleDecisions.Event first = sample.valid().get(0);
        String userId = userIdOf(first);
        Path tokenFile = mintOfficerToken(work.resolve("auth"));
        Path authConfig = work.resolve("auth/auth.properties");
        // the demo proves the officer's identity the way the audit CLI does: a token file checked
        // against the token digests of the authentication configuration
        Caller officer =
                CliIdentity.resolve(tokenFile.toString(), authConfig.toString(), null, Map.of());
        String purpose = "Demo: applicant asks why (GDPR Art. 15(1)(h))";
        step(
                "Audit: what did the AI decide for the first sample applicant of tenant "
                        + first.tenantId()
                        + ", as of now, and why? (as "
                        + officer.user()
                        + ", compliance_officer, purpose \""
                        + purpose
                        + "\")");
        AuditQueries queries =
                new AuditQueries(LakeLayout.at(lake.toUri().toString()), Clock.systemUTC());
        QueryResult answer =
                queries.decisionAt(
                        officer, purpose, first.tenantId(), Subject.user(userId), Instant.now());
        // The officer sees the full record; the demo's own output carries no personal data.
        System.out.print(withoutPersonalData(answer.toText(), userId).indent(2));
        if (!answer.found()) {
            System.out.println("  MISSING: the applicant's decision is not in the lake.");
            return false;
        }
        String eventId = (String) answer.records().get(0).get("event_id");
        Path folder = work.resolve("evidence").resolve(eventId);
        deleteRecursively(folder);
        Files.deleteIfExists(folder.resolveSibling(eventId + ".zip"));
        EvidenceBundle.Result bundle =
                new EvidenceBundle(queries, Clock.systemUTC())
                        .create(officer, purpose, first.tenantId(), eventId, folder, true);
        BundleVerifier.Report check =
                BundleVerifier.verify(bundle.zip(), LakeLayout.at(lake.toUri().toString()));
        System.out.printf(
                "  Evidence bundle: %s (and %s)%n  open %s in a browser; offline check of the zip:"
                        + " %s (%d checks)%n  Every read above is in %s/access-log/ (the bundle's"
                        + " own access is #%d); 'Main audit --help' for more.%n  The officer's"
                        + " token: --token-file %s --auth-config %s%n",
                bundle.folder(),
                bundle.zip().getFileName(),
                bundle.folder().resolve("evidence.html"),
                check.ok() ? "VERIFIED" : "NOT VERIFIED",
                check.checks().size(),
                lake,
                bundle.logged().getLogSeq(),
                tokenFile,
                authConfig);
        if (!check.ok()) {
            System.out.print(check.toText());
        }
        return check.ok();
    }

    /**
     * Tonight's compaction of the demo lake (today's partitions taken as closed), then, on a copy
     * of the lake, the run seven years from now: retention deletes everything except the first
     * sample applicant's records, held for an appeal, after summarising and archiving them, and the
     * chains still verify across the hole.
     */
    private static boolean compactAndRetain(Path lake, Path work, SampleDecisions.Sample sample)
            throws Exception {
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        step(
                "Tonight's compaction (CompactionJob, batch): merge the day's small files into"
                        + " sorted, verified files with bloom filters");
        long auditRows = rows(lake.resolve("audit/decisions"));
        CompactionReport tonight =
                new CompactionRunner(
                                // compaction only (retention runs below); the command line
                                // refuses a future --as-of, the demo takes today's partitions
                                // as closed
                                CompactionOptions.parse(
                                                new String[] {
                                                    "--lake",
                                                    lake.toUri().toString(),
                                                    "--retention",
                                                    "false",
                                                    "--run-id",
                                                    "demo-tonight"
                                                })
                                        .simulatedAt(today.plusDays(2)))
                        .run(
                                StreamExecutionEnvironment.createLocalEnvironment(
                                        2, localConfiguration()),
                                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        System.out.println("  " + tonight.summary());
        boolean same = rows(lake.resolve("audit/decisions")) == auditRows;
        System.out.printf(
                "  audit/decisions: %,d rows before and %,d after%s%n",
                auditRows,
                rows(lake.resolve("audit/decisions")),
                same ? ", every one verified against its source" : " -- MISMATCH");

        LocalDate later = today.plusYears(7).plusDays(2);
        Path future = work.resolve("lake-" + later);
        deleteRecursively(future);
        deleteRecursively(work.resolve("archive"));
        copyRecursively(lake, future);
        SampleDecisions.Event first = sample.valid().get(0);
        String userId = userIdOf(first);
        Path holds = work.resolve("legal-holds.json");
        Files.writeString(
                holds,
                "{\"holds\": [{\"id\": \"LH-DEMO-1\", \"tenant_id\": \""
                        + first.tenantId()
                        + "\", \"user_id\": \""
                        + userId
                        + "\", \"reason\": \"Applicant appeal of the adverse action notice\","
                        + " \"placed_by\": \"demo.officer\"}]}\n");
        step(
                "Seven years later ("
                        + later
                        + ", on a copy of the lake): retention deletes expired partitions after"
                        + " summarising and archiving them, except the first applicant's records"
                        + " (legal hold LH-DEMO-1)");
        CompactionReport retention =
                new CompactionRunner(
                                // "seven years later" on a copy: only the demo can simulate a
                                // date after today, the command line refuses it
                                CompactionOptions.parse(
                                                new String[] {
                                                    "--lake",
                                                    future.toUri().toString(),
                                                    "--run-id",
                                                    "demo-retention",
                                                    "--legal-holds",
                                                    holds.toString(),
                                                    "--archive",
                                                    work.resolve("archive").toUri().toString()
                                                })
                                        .simulatedAt(later))
                        .run(
                                StreamExecutionEnvironment.createLocalEnvironment(
                                        2, localConfiguration()),
                                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        System.out.print(retention.summary().indent(2));
        long left = rows(future.resolve("audit/decisions"));
        long summarised = rows(future.resolve(LakeLayout.RETENTION_SUMMARIES), "records");
        System.out.printf(
                "  audit/decisions now holds %,d rows (the held applicant's); summaries/ accounts"
                        + " for %,d deleted decisions; the archive keeps a copy of every deleted"
                        + " file under %s%n",
                left, summarised, work.resolve("archive"));
        VerifyReport report =
                new VerifyRunner(
                                new VerifyJob.Options(
                                        LakeLayout.at(future.toUri().toString()),
                                        null,
                                        future.resolveSibling("verify-report-" + later + ".json")))
                        .run(
                                StreamExecutionEnvironment.createLocalEnvironment(
                                        2, localConfiguration()),
                                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        System.out.println("  VerifyJob on it: " + report.summary());
        return same && left > 0 && left + summarised == auditRows && report.clean();
    }

    /**
     * The applicant of the rights step (not the first applicant, who is under a legal hold): their
     * recent decisions from the sample, which Reg B still requires, and two decisions from 30
     * months ago, past every obligation.
     */
    record Applicant(
            String tenantId,
            String userId,
            List<SampleDecisions.Event> recent,
            List<SampleDecisions.Event> old) {}

    static Applicant applicant(SampleDecisions.Sample sample, Instant now) throws IOException {
        String heldUser = userIdOf(sample.valid().get(0));
        SampleDecisions.Event chosen = null;
        for (SampleDecisions.Event e : sample.valid()) {
            if (!userIdOf(e).equals(heldUser)) {
                chosen = e;
                break;
            }
        }
        if (chosen == null) {
            throw new IllegalStateException("the sample has a single applicant");
        }
        String tenant = chosen.tenantId();
        String user = userIdOf(chosen);
        List<SampleDecisions.Event> recent = new java.util.ArrayList<>();
        for (SampleDecisions.Event e : sample.valid()) {
            if (e.tenantId().equals(tenant) && userIdOf(e).equals(user)) {
                recent.add(e);
            }
        }
        List<SampleDecisions.Event> old = new java.util.ArrayList<>();
        java.time.ZonedDateTime thirtyMonthsAgo = now.atZone(ZoneOffset.UTC).minusMonths(30);
        for (int k = 0; k < 2; k++) {
            SampleDecisions.Event e =
                    SampleDecisions.eventAt(
                            2026,
                            900_001 + k,
                            tenant,
                            thirtyMonthsAgo
                                    .minusDays(3L * k)
                                    .toInstant()
                                    .truncatedTo(java.time.temporal.ChronoUnit.MILLIS));
            com.fasterxml.jackson.databind.ObjectMapper json =
                    new com.fasterxml.jackson.databind.ObjectMapper();
            com.fasterxml.jackson.databind.node.ObjectNode value =
                    (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(e.value());
            value.put("userId", user);
            old.add(
                    new SampleDecisions.Event(
                            e.key(), json.writeValueAsBytes(value), tenant, e.eventId()));
        }
        return new Applicant(tenant, user, List.copyOf(recent), List.copyOf(old));
    }

    /** {@code sample} with the applicant's old decisions and a re-send of the first of them. */
    static SampleDecisions.Sample withOldDecisions(SampleDecisions.Sample sample, Applicant a) {
        List<SampleDecisions.Event> events = new java.util.ArrayList<>(sample.events());
        events.addAll(a.old());
        events.add(a.old().get(0)); // after its original, same key: same partition
        List<SampleDecisions.Event> valid = new java.util.ArrayList<>(sample.valid());
        valid.addAll(a.old());
        Map<String, Long> perTenant = new TreeMap<>(sample.acceptedPerTenant());
        perTenant.merge(a.tenantId(), (long) a.old().size(), Long::sum);
        Map<io.decisionledger.decision.ReasonCode, Long> perReason =
                new java.util.EnumMap<>(sample.quarantinedPerReason());
        perReason.merge(io.decisionledger.decision.ReasonCode.DUPLICATE_EVENT_ID, 1L, Long::sum);
        return new SampleDecisions.Sample(
                List.copyOf(events), List.copyOf(valid), perTenant, perReason);
    }

    /**
     * The data-subject rights step: the applicant asks for access (request log, subject export),
     * then for erasure; the request is evaluated against the tenant's obligations (Reg B defers the
     * recent decisions, the old ones are erased now), the erasure job runs the plan, its receipt
     * goes into the request log, the request log and the lake verify, and no file of audit/, ops/
     * or quarantine/ still holds an erased value, while the deferred records are intact. Everything
     * runs in-process, through the same commands an operator uses.
     */
    private static boolean rights(Path lake, Path work, Applicant a) throws Exception {
        String lakeUri = lake.toUri().toString();
        Path auth = work.resolve("auth");
        String[] identity = {
            "--token-file",
            auth.resolve("officer.token").toString(),
            "--auth-config",
            auth.resolve("auth.properties").toString()
        };
        Path policy = work.resolve("retention-policy.json");
        Files.writeString(
                policy,
                "{\"version\": \"demo-1\", \"default\": {\"period\": \"P7Y\"},\n \"tenants\": {\""
                        + a.tenantId()
                        + "\": {\"period\": \"P7Y\", \"obligations\": [\n"
                        + "    {\"regulation\": \"Reg B (12 CFR 1002.12(b))\", \"period\":"
                        + " \"P25M\"},\n"
                        + "    {\"regulation\": \"EU AI Act Art. 19/26(6)\", \"period\":"
                        + " \"P6M\"}]}}}\n");
        long t0 = System.nanoTime();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        String access = "DSR-DEMO-ACCESS";
        String erasure = "DSR-DEMO-ERASURE";
        step(
                "Data-subject rights: an applicant of tenant "
                        + a.tenantId()
                        + " ("
                        + (a.recent().size() + a.old().size())
                        + " decisions, "
                        + a.old().size()
                        + " of them 30 months old) asks for access, then for erasure (as"
                        + " demo.officer, compliance_officer; retention policy "
                        + policy
                        + ": P7Y, Reg B P25M, EU AI Act P6M)");
        Path export = work.resolve("rights-export");
        deleteRecursively(export);
        boolean ok =
                audit(
                                "request",
                                "log",
                                "--lake",
                                lakeUri,
                                "--tenant",
                                a.tenantId(),
                                "--request-id",
                                access,
                                "--kind",
                                "access",
                                "--user",
                                a.userId(),
                                "--received",
                                today.toString(),
                                "--requester-ref",
                                "demo letter",
                                identity[0],
                                identity[1],
                                identity[2],
                                identity[3])
                        && audit(
                                "subject-export",
                                "--lake",
                                lakeUri,
                                "--tenant",
                                a.tenantId(),
                                "--user",
                                a.userId(),
                                "--purpose",
                                access,
                                "--out",
                                export.toString(),
                                "--request-id",
                                access,
                                identity[0],
                                identity[1],
                                identity[2],
                                identity[3]);
        if (!ok) {
            return false;
        }
        System.out.printf(
                "  open %s in a browser: the applicant's %d decisions, with who read them%n",
                export.resolve("subject-export.html"), a.recent().size() + a.old().size());
        ok =
                audit(
                        "request",
                        "log",
                        "--lake",
                        lakeUri,
                        "--tenant",
                        a.tenantId(),
                        "--request-id",
                        erasure,
                        "--kind",
                        "erasure",
                        "--user",
                        a.userId(),
                        "--received",
                        today.toString(),
                        "--requester-ref",
                        "demo e-mail",
                        identity[0],
                        identity[1],
                        identity[2],
                        identity[3]);
        if (!ok) {
            return false;
        }
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code =
                io.decisionledger.retention.ErasureRequests.run(
                        new String[] {
                            "evaluate",
                            "--lake",
                            lakeUri,
                            "--tenant",
                            a.tenantId(),
                            "--request-id",
                            erasure,
                            "--retention-policy",
                            policy.toString(),
                            "--legal-holds",
                            work.resolve("legal-holds.json").toString(),
                            identity[0],
                            identity[1],
                            identity[2],
                            identity[3]
                        },
                        Map.of(),
                        Clock.systemUTC(),
                        new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                        new java.io.PrintStream(
                                err, true, java.nio.charset.StandardCharsets.UTF_8));
        System.out.print(("Jobs rights evaluate: " + out).indent(2));
        if (code != 0) {
            System.out.print(err.toString().indent(2));
            return false;
        }
        Scan before = scan(lake, a);
        // plan 1 erases the old records now; plan 2 (RESTRICT) takes the deferred one out of ops/
        ok = true;
        for (int sequence = 1; ok && sequence <= 2; sequence++) {
            Path plan =
                    lake.resolve(
                            io.decisionledger.retention.ErasureRequests.PLANS
                                    + "/tenant_id="
                                    + a.tenantId()
                                    + "/request_id="
                                    + erasure
                                    + "/plan-"
                                    + sequence
                                    + ".json");
            if (Files.exists(plan)) {
                ok = executePlan(lakeUri, plan.toString(), a.tenantId(), erasure, identity);
            }
        }
        ok =
                ok
                        && audit(
                                "request",
                                "verify",
                                "--lake",
                                lakeUri,
                                "--tenant",
                                a.tenantId(),
                                identity[0],
                                identity[1],
                                identity[2],
                                identity[3]);
        VerifyReport report =
                new VerifyRunner(
                                new VerifyJob.Options(
                                        LakeLayout.at(lakeUri),
                                        null,
                                        lake.resolveSibling("verify-report-erased.json")))
                        .run(
                                StreamExecutionEnvironment.createLocalEnvironment(
                                        2, localConfiguration()),
                                new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        System.out.println("  VerifyJob on the lake: " + report.summary());
        boolean gone = erasedEverywhere(lake, a, before);
        // the officer's reads of the applicant (the access export above) were erased from the
        // access log too, and its chain still verifies from the kept commitments
        io.decisionledger.access.AccessLog.Verification accessLog =
                new io.decisionledger.access.AccessLog(LakeLayout.at(lakeUri), Clock.systemUTC())
                        .verify();
        System.out.printf(
                "  access log: %s, %d entries%s%n",
                accessLog.intact() ? "INTACT" : "BROKEN " + accessLog.problems(),
                accessLog.entries(),
                accessLog.erasureNotes().isEmpty()
                        ? " (none erased: the applicant's reads are still named there)"
                        : "; " + String.join("; ", accessLog.erasureNotes()));
        boolean accessLogErased =
                accessLog.intact() && accessLog.erasedByRequest().containsKey(erasure);
        System.out.printf("  (the rights step took %.1f s)%n", seconds(t0));
        return ok && report.clean() && gone && accessLogErased;
    }

    /**
     * Produces each tenant's compliance report for the last seven days (Main audit report): one
     * self-contained HTML page with the charts, the traceability matrix and the SQL behind every
     * figure, and its PDF where headless Chromium is installed; the report's SHA-256 goes into the
     * access log.
     */
    private static boolean report(Path lake, Path work, SampleDecisions.Sample sample)
            throws Exception {
        Path auth = work.resolve("auth");
        Path out = work.resolve("reports");
        deleteRecursively(out);
        Files.createDirectories(out);
        boolean pdf = chromiumOnPath();
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        java.util.SortedSet<String> tenants = new java.util.TreeSet<>();
        sample.events().stream()
                .map(SampleDecisions.Event::tenantId)
                .filter(java.util.Objects::nonNull)
                .forEach(tenants::add);
        step(
                "Compliance reports for the last seven days, one per tenant (Main audit report"
                        + (pdf
                                ? ", printed to PDF with headless Chromium"
                                : "; no chromium on" + " PATH, so no PDF")
                        + ")");
        boolean ok = true;
        for (String tenant : tenants) {
            Path html = out.resolve("report-" + tenant + ".html");
            List<String> args =
                    new java.util.ArrayList<>(
                            List.of(
                                    "report",
                                    "--lake",
                                    lake.toUri().toString(),
                                    "--tenant",
                                    tenant,
                                    "--from",
                                    today.minusDays(7).toString(),
                                    "--to",
                                    today.toString(),
                                    "--purpose",
                                    "demo: periodic compliance report",
                                    "--out",
                                    html.toString(),
                                    "--token-file",
                                    auth.resolve("officer.token").toString(),
                                    "--auth-config",
                                    auth.resolve("auth.properties").toString()));
            if (pdf) {
                args.add("--pdf");
            }
            ok = audit(args.toArray(String[]::new)) && ok;
        }
        System.out.printf("  open the reports in %s in a browser%n", out);
        return ok;
    }

    private static boolean chromiumOnPath() {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "chromium"))) {
                return true;
            }
        }
        return false;
    }

    /** Runs the erasure job on one plan and records its receipt in the request log. */
    private static boolean executePlan(
            String lakeUri, String plan, String tenant, String request, String[] identity)
            throws Exception {
        io.decisionledger.erasure.ErasureOptions erasureOptions =
                io.decisionledger.erasure.ErasureOptions.parse(
                        "--lake", lakeUri, "--plan", plan, "--operator", "demo.officer");
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(2, localConfiguration());
        env.getConfig()
                .setGlobalJobParameters(Configuration.fromMap(erasureOptions.jobParameters()));
        io.decisionledger.erasure.ErasureRunner.Report erased =
                new io.decisionledger.erasure.ErasureRunner(erasureOptions)
                        .run(env, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        System.out.print(("ErasureJob: " + erased.summary()).indent(2));
        return audit(
                "request",
                "record-execution",
                "--lake",
                lakeUri,
                "--tenant",
                tenant,
                "--request-id",
                request,
                "--receipt",
                erased.receiptPath(),
                identity[0],
                identity[1],
                identity[2],
                identity[3]);
    }

    /** Runs one audit command in-process, its output indented; true on exit code 0. */
    private static boolean audit(String... args) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code =
                io.decisionledger.audit.AuditCommand.run(
                        args,
                        Map.of(),
                        Clock.systemUTC(),
                        new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8),
                        new java.io.PrintStream(
                                err, true, java.nio.charset.StandardCharsets.UTF_8));
        String name = args[0].equals("request") ? "request " + args[1] : args[0];
        System.out.print(("audit " + name + ": " + out).indent(2));
        if (code != 0) {
            System.out.print(err.toString().indent(2));
        }
        return code == 0;
    }

    /**
     * What a read of every record of audit/, ops/ and quarantine/ found: files read, records
     * holding a case id of the decisions to erase, the deferred decisions stored with their user
     * id, and the decisions to erase stored erased (erased_columns_json set, user id gone).
     */
    record Scan(
            long files, long hits, long deferredIntact, long erasedMarked, long deferredInOps) {}

    /**
     * Checks, after the erasure, that the personal values of the erased decisions (their case ids)
     * are in no record of audit/, ops/ and quarantine/ ({@code before}: the same read before the
     * erasure, so the check is seen to find them), and that the deferred decisions still hold
     * theirs. Prints counts only.
     */
    static boolean erasedEverywhere(Path lake, Applicant a, Scan before) throws IOException {
        Scan after = scan(lake, a);
        boolean ok =
                before.hits() > 0
                        && after.hits() == 0
                        && after.deferredIntact() == a.recent().size()
                        && after.erasedMarked() == a.old().size()
                        && before.deferredInOps() == a.recent().size()
                        && after.deferredInOps() == 0;
        System.out.printf(
                "  %s: read all %,d files of audit/, ops/ and quarantine/: the erased decisions'"
                        + " case ids were in %d records before, are in %d now (%d audit records"
                        + " keep %s markers and commitments); %d of %d deferred decision(s) still"
                        + " there, intact, restricted: their masked rows left ops/ (%d before, %d"
                        + " now)%n",
                ok ? "ERASED" : "NOT ERASED",
                after.files(),
                before.hits(),
                after.hits(),
                after.erasedMarked(),
                ErasedColumns.MARKER,
                after.deferredIntact(),
                a.recent().size(),
                before.deferredInOps(),
                after.deferredInOps());
        return ok;
    }

    /**
     * Reads every record of audit/, ops/ and quarantine/ of {@code lake}, looking for {@code a}.
     */
    static Scan scan(Path lake, Applicant a) throws IOException {
        List<String> erased = new java.util.ArrayList<>();
        for (SampleDecisions.Event e : a.old()) {
            com.fasterxml.jackson.databind.JsonNode v =
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(e.value());
            // the case id is unique to the decision; names and prompts may recur in the sample
            erased.add(v.get("caseId").asText());
        }
        java.util.Set<String> deferredIds = new java.util.HashSet<>();
        a.recent().forEach(e -> deferredIds.add(e.eventId()));
        java.util.Set<String> erasedIds = new java.util.HashSet<>();
        a.old().forEach(e -> erasedIds.add(e.eventId()));
        long[] files = {0};
        long[] hits = {0};
        long[] deferredIntact = {0};
        long[] erasedMarked = {0};
        long[] deferredInOps = {0};
        for (String area : List.of("audit", "ops", "quarantine")) {
            if (!Files.exists(lake.resolve(area))) {
                continue;
            }
            for (FileStatus f :
                    LakeFiles.parquetFiles(
                            org.apache.flink.core.fs.Path.fromLocalFile(
                                    lake.resolve(area).toFile()))) {
                files[0]++;
                LakeFiles.forEachRecord(
                        f,
                        r -> {
                            String text = text(r);
                            for (String value : erased) {
                                if (text.contains(value)) {
                                    hits[0]++;
                                }
                            }
                            if (area.equals("ops")
                                    && deferredIds.contains(String.valueOf(r.get("event_id")))) {
                                deferredInOps[0]++;
                            }
                            if (area.equals("audit")
                                    && r.getSchema().getField("event_id") != null) {
                                String id = String.valueOf(r.get("event_id"));
                                if (deferredIds.contains(id)
                                        && a.userId().equals(String.valueOf(r.get("user_id")))) {
                                    deferredIntact[0]++;
                                }
                                if (erasedIds.contains(id)
                                        && r.get("erased_columns_json") != null
                                        && !a.userId().equals(String.valueOf(r.get("user_id")))) {
                                    erasedMarked[0]++;
                                }
                            }
                        });
            }
        }
        return new Scan(files[0], hits[0], deferredIntact[0], erasedMarked[0], deferredInOps[0]);
    }

    /** Every value of {@code r} as text (byte columns read as UTF-8), for searching. */
    private static String text(org.apache.avro.generic.GenericRecord r) {
        StringBuilder s = new StringBuilder();
        for (org.apache.avro.Schema.Field field : r.getSchema().getFields()) {
            Object v = r.get(field.pos());
            if (v instanceof java.nio.ByteBuffer b) {
                byte[] bytes = new byte[b.remaining()];
                b.duplicate().get(bytes);
                s.append(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
            } else if (v != null) {
                s.append(v);
            }
            s.append('\u0000');
        }
        return s.toString();
    }

    /** Rows in the Parquet files under {@code dir}, or the sum of a long column. */
    private static long rows(Path dir, String... sumColumn) throws IOException {
        org.apache.flink.core.fs.Path root =
                org.apache.flink.core.fs.Path.fromLocalFile(dir.toFile());
        if (!Files.exists(dir)) {
            return 0;
        }
        long total = 0;
        for (org.apache.flink.core.fs.FileStatus f : LakeFiles.parquetFiles(root)) {
            if (sumColumn.length == 0) {
                total += LakeFiles.rowCount(f);
            } else {
                long[] sum = {0};
                LakeFiles.forEachRecord(
                        f, r -> sum[0] += ((Number) r.get(sumColumn[0])).longValue());
                total += sum[0];
            }
        }
        return total;
    }

    private static void copyRecursively(Path from, Path to) throws IOException {
        try (java.util.stream.Stream<Path> files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static String userIdOf(SampleDecisions.Event event) throws IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper()
                .readTree(event.value())
                .get("userId")
                .asText();
    }

    /** The lines of a full answer that hold personal data, as the terminal shows them. */
    private static final java.util.regex.Pattern PERSONAL_LINES =
            java.util.regex.Pattern.compile(
                    "(?m)^(\\s*(?:User|Case|Prompt|System prompt|Context|History|Documents):\\s+).*$");

    private static String withoutPersonalData(String text, String userId) {
        return PERSONAL_LINES
                .matcher(text.replace(userId, "[user id]"))
                .replaceAll("$1[personal data: in the evidence bundle, for compliance officers]");
    }

    /** The demo's pseudonymisation key: made once, kept across demo runs like a real secret. */
    private static Path pseudonymKey(Path work) throws IOException {
        return PseudonymKey.createKeyFileIfAbsent(work.resolve("pseudonym.key"));
    }

    /**
     * Rebuilds the metrics read model from the audit lake in batch (as a backfill would), checks
     * its daily totals against the lake, and answers today's dashboard question from it.
     */
    private static boolean metrics(Path lake, SampleDecisions.Sample sample) throws Exception {
        step(
                "Rebuilding the metrics read model from the audit lake (MetricsJob, batch: 1m, 1h"
                        + " and 1d windows per tenant and model version)");
        LakeLayout layout = LakeLayout.at(lake.toUri().toString());
        MetricsOptions options =
                MetricsOptions.parse(new String[] {"--source", "lake", "--lake", layout.root()});
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(2, localConfiguration());
        MetricsJob.configureEnvironment(env, options);
        MetricsJob.fromOptions(options).build(env);
        long t0 = System.nanoTime();
        env.execute(MetricsJob.REBUILD_JOB_NAME + " (demo)");
        double rebuildSeconds = seconds(t0);

        long rows = 0;
        long dailyTotal = 0;
        List<FileStatus> files = LakeFiles.parquetFiles(layout.decisionMetrics());
        for (FileStatus f : files) {
            rows += LakeFiles.rowCount(f);
            if (f.getPath().toString().contains("/granularity=1d/")) {
                long[] sum = {0};
                LakeFiles.forEachRecord(f, r -> sum[0] += (Long) r.get("total_decisions"));
                dailyTotal += sum[0];
            }
        }
        System.out.printf(
                "  %,d rows in %d files under %s in %.1f s (%,.0f decisions/s including job"
                        + " start-up)%n",
                rows,
                files.size(),
                layout.decisionMetrics(),
                rebuildSeconds,
                sample.acceptedTotal() / rebuildSeconds);
        boolean match = dailyTotal == sample.acceptedTotal();
        System.out.printf(
                "  daily rows add up to %,d decisions: %s%n",
                dailyTotal, match ? "the audit lake's count" : "MISMATCH with the audit lake");

        step("Today's dashboard, read from the read model only (Main metrics-today)");
        TodayDashboard.print(
                new TodayDashboard.Options(layout, null, LocalDate.now(ZoneOffset.UTC), null),
                System.out);
        return match;
    }

    private static Configuration localConfiguration() {
        Configuration conf = new Configuration();
        // parquet-hadoop caches codecs in statics that hold the first job's class loader.
        conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        return conf;
    }

    private static void runIngest(IngestOptions options, Path checkpoints) throws Exception {
        Configuration conf = localConfiguration();
        // The JobManager's in-memory checkpoint storage caps a state snapshot at 5 MB; the
        // de-duplication state of --events 100000 is larger. Checkpoint to files, as a cluster
        // does.
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(2, conf);
        IngestJob.configureEnvironment(env, options);
        IngestJob.fromOptions(options).build(env);
        env.execute(IngestJob.JOB_NAME + " (demo)");
    }

    private static boolean summarise(LakeLayout layout, Path lake, SampleDecisions.Sample sample)
            throws IOException {
        step("The lake at " + lake);
        Map<String, Long> perTenant = new TreeMap<>();
        List<FileStatus> auditFiles = LakeFiles.parquetFiles(layout.auditDecisions());
        long auditBytes = 0;
        TreeMap<String, Integer> partitions = new TreeMap<>();
        for (FileStatus f : auditFiles) {
            String tenantFolder = f.getPath().getParent().getParent().getName();
            perTenant.merge(
                    tenantFolder.substring("tenant_id=".length()),
                    LakeFiles.rowCount(f),
                    Long::sum);
            partitions.merge(
                    f.getPath().getParent().getParent().getName()
                            + "/"
                            + f.getPath().getParent().getName(),
                    1,
                    Integer::sum);
            auditBytes += f.getLen();
        }
        long accepted = perTenant.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf(
                "  audit/decisions: %,d decisions in %d files, %d partitions, %.1f MB (expected %,d)%n",
                accepted,
                auditFiles.size(),
                partitions.size(),
                auditBytes / 1e6,
                sample.acceptedTotal());
        perTenant.forEach((t, n) -> System.out.printf("    tenant_id=%-18s %,7d%n", t, n));

        long opsRows = 0;
        long opsMasked = 0;
        List<FileStatus> opsFiles = LakeFiles.parquetFiles(layout.opsDecisions());
        for (FileStatus f : opsFiles) {
            opsRows += LakeFiles.rowCount(f);
        }
        long[] masked = {0};
        for (FileStatus f : opsFiles) {
            LakeFiles.forEachRecord(f, r -> masked[0] += (Integer) r.get("masked_values"));
        }
        opsMasked = masked[0];
        System.out.printf(
                "  ops/decisions:   %,d masked copies in %d files, %,d personal-data values replaced"
                        + " (pseudonymised users, [NAME], [ADDRESS], [EMAIL], [PHONE], ...)%n",
                opsRows, opsFiles.size(), opsMasked);
        long[] naming = namingTheirApplicant(layout, sample);
        System.out.printf(
                "  declared names:  %,d of %,d ops rows name their applicant anywhere (audit/: %,d of"
                        + " %,d prompts do)%n",
                naming[0], opsRows, naming[1], accepted);

        Map<String, Long> perReason = new TreeMap<>();
        List<FileStatus> quarantineFiles = LakeFiles.parquetFiles(layout.quarantine());
        for (FileStatus f : quarantineFiles) {
            LakeFiles.forEachRecord(
                    f, r -> perReason.merge(r.get("reason_code").toString(), 1L, Long::sum));
        }
        long quarantined = perReason.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf(
                "  quarantine:      %,d records in %d files (expected %,d)%n",
                quarantined, quarantineFiles.size(), sample.quarantinedTotal());
        perReason.forEach((r, n) -> System.out.printf("    %-24s %,7d%n", r, n));

        boolean exact =
                accepted == sample.acceptedTotal()
                        && quarantined == sample.quarantinedTotal()
                        && naming[0] == 0;
        System.out.println(
                exact
                        ? "  Every record is in exactly one place: nothing lost, nothing stored twice."
                        : "  MISMATCH: the lake does not hold what was produced.");

        return exact;
    }

    /**
     * How many ops rows still contain the name their event declared as {@code applicant_name}, in
     * any text column (expected 0), and how many audit prompts contain it (the contrast).
     */
    private static long[] namingTheirApplicant(LakeLayout layout, SampleDecisions.Sample sample)
            throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json =
                new com.fasterxml.jackson.databind.ObjectMapper();
        Map<String, String> nameOf = new java.util.HashMap<>();
        for (SampleDecisions.Event e : sample.valid()) {
            String name =
                    json.readTree(e.value())
                            .path("aiInteraction")
                            .path("context")
                            .path("metadata")
                            .path("applicant_name")
                            .asText("");
            if (!name.isEmpty()) {
                nameOf.put(e.tenantId() + "/" + e.eventId(), name.toLowerCase(Locale.ROOT));
            }
        }
        long[] counts = {0, 0};
        for (FileStatus f : LakeFiles.parquetFiles(layout.opsDecisions())) {
            LakeFiles.forEachRecord(
                    f,
                    r -> {
                        String name = nameOf.get(r.get("tenant_id") + "/" + r.get("event_id"));
                        if (name != null && r.toString().toLowerCase(Locale.ROOT).contains(name)) {
                            counts[0]++;
                        }
                    });
        }
        for (FileStatus f : LakeFiles.parquetFiles(layout.auditDecisions())) {
            LakeFiles.forEachRecord(
                    f,
                    r -> {
                        String name = nameOf.get(r.get("tenant_id") + "/" + r.get("event_id"));
                        Object prompt = r.get("prompt");
                        if (name != null
                                && prompt != null
                                && prompt.toString().toLowerCase(Locale.ROOT).contains(name)) {
                            counts[1]++;
                        }
                    });
        }
        return counts;
    }

    private static void explore(Path lake) {
        step("Look at it with DuckDB (or Spark, Trino, Athena: Hive-partitioned Parquet)");
        System.out.printf(
                "  duckdb -c \"SELECT tenant_id, event_date, count(*) AS decisions,"
                        + " avg(decision_confidence) AS confidence FROM read_parquet('%s/audit/decisions/**/*.parquet',"
                        + " hive_partitioning=true, union_by_name=true) GROUP BY ALL ORDER BY ALL\"%n",
                lake);
        System.out.printf(
                "  duckdb -c \"SELECT tenant_id, model_version, window_start, revision, total_decisions,"
                        + " approval_rate, confidence_p90, distinct_users FROM"
                        + " read_parquet('%s/metrics/decision_metrics/**/*.parquet', hive_partitioning=true,"
                        + " union_by_name=true) WHERE granularity = '1h' QUALIFY row_number() OVER (PARTITION BY"
                        + " tenant_id, model, model_version, window_start ORDER BY revision DESC) = 1"
                        + " ORDER BY window_start DESC LIMIT 20\"%n",
                lake);
        System.out.printf(
                "  duckdb -c \"SELECT reason_code, detail, source_offset FROM read_parquet('%s/quarantine/**/*.parquet',"
                        + " hive_partitioning=true) LIMIT 20\"%n",
                lake);
    }

    private static void step(String text) {
        System.out.println("\n== " + text);
    }

    private static double seconds(long startNanos) {
        return Duration.ofNanos(System.nanoTime() - startNanos).toMillis() / 1000.0;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
