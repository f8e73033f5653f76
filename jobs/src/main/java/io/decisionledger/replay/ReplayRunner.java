package io.decisionledger.replay;

import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.access.CliIdentity;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.rights.RequestLog;
import io.decisionledger.rights.SubjectRecords;
import io.decisionledger.schema.ReplayResult;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.flink.core.fs.FileStatus;

/**
 * The replay's work on the client, around {@link ReplayPipeline}: who is replaying, the selection
 * ({@link ReplaySelection}) without the decisions of subjects whose processing is restricted (GDPR
 * Art. 18), and its access-log entries before anything is sent, and the {@link ReplaySummary} of
 * the results once the job has finished.
 */
public final class ReplayRunner {

    private ReplayRunner() {}

    /**
     * Selects the decisions to replay and records the read in the access log, one entry per tenant,
     * before anything is sent: a replay reads full records (prompts, context), so like every other
     * read of audit/ it is a compliance officer's action with a stated purpose. Returns the plan of
     * what the job's tasks read (files and event ids, no record content).
     */
    public static ReplayPlan selectAndLog(ReplayOptions options, Caller caller) throws IOException {
        if (caller.role() != AuditRole.COMPLIANCE_OFFICER) {
            throw new AccessRefusedException(
                    "role "
                            + caller.role().id()
                            + " may not replay decisions: a replay reads full records (prompts"
                            + " and context); ask a compliance officer");
        }
        if (options.purpose() == null) {
            throw new IllegalArgumentException(
                    "--purpose is required: a replay reads full records, and the purpose is"
                            + " written to the access log");
        }
        Map<String, String> query = query(options);
        if (!caller.tenants().permits(options.tenant())) {
            // refused before the lake is read, and the refusal logged, as on the audit CLI
            new AccessLog(options.lake(), Clock.systemUTC())
                    .record(
                            AccessLog.Access.refused(
                                    caller,
                                    AccessLog.Action.REPLAY,
                                    options.purpose(),
                                    AccessLog.DATASET_DECISIONS,
                                    options.tenant(),
                                    query));
            throw new AccessRefusedException(
                    (options.tenant() == null
                                    ? "replaying every tenant (no --tenant) needs a grant of all"
                                            + " tenants (*)"
                                    : "tenant "
                                            + options.tenant()
                                            + " is not granted to this caller")
                            + " (granted: "
                            + caller.tenants()
                            + "); the refusal is in the access log");
        }
        List<ReplaySelection.Selected> selected = new ArrayList<>();
        long otherTenant = 0;
        for (ReplaySelection.Selected d : ReplaySelection.select(options)) {
            // the row's own tenant_id, not its folder, decides: a misfiled row of a tenant the
            // caller is not granted (or not asked for) is never replayed
            if (caller.tenants().permits(d.tenantId())
                    && (options.tenant() == null || options.tenant().equals(d.tenantId()))) {
                selected.add(d);
            } else {
                otherTenant++;
            }
        }
        if (otherTenant > 0) {
            System.err.printf(
                    "skipped %d selected row(s) whose tenant_id is not the tenant asked for or"
                            + " granted (misfiled rows)%n",
                    otherTenant);
        }
        Restricted restricted = withoutRestricted(options.lake(), selected);
        if (restricted.skipped() > 0) {
            System.err.printf(
                    "skipped %d selected decision(s) of data subjects whose processing is"
                            + " restricted (GDPR Art. 18; see 'audit request show')%n",
                    restricted.skipped());
        }
        selected = restricted.kept();
        Map<String, List<String>> idsPerTenant = new TreeMap<>();
        for (ReplaySelection.Selected d : selected) {
            idsPerTenant.computeIfAbsent(d.tenantId(), t -> new ArrayList<>()).add(d.eventId());
        }
        AccessLog log = new AccessLog(options.lake(), Clock.systemUTC());
        for (Map.Entry<String, List<String>> tenant : idsPerTenant.entrySet()) {
            log.record(
                    new AccessLog.Access(
                            caller,
                            AccessLog.Action.REPLAY,
                            options.purpose(),
                            AccessLog.DATASET_DECISIONS,
                            tenant.getKey(),
                            tenant.getValue(),
                            query));
        }
        return ReplayPlan.of(selected);
    }

    /** The selection without the decisions of restricted subjects, and how many those were. */
    record Restricted(List<ReplaySelection.Selected> kept, long skipped) {}

    /**
     * Leaves out the decisions of data subjects whose processing is restricted (GDPR Art. 18: the
     * tenant's request log, {@link RequestLog#restrictedSubjects}): a replay re-sends records to a
     * model endpoint, a processing a restricted subject's records must not undergo. Reads the id
     * columns of a tenant only when the tenant has a restricted subject.
     */
    static Restricted withoutRestricted(
            io.decisionledger.lake.LakeLayout lake, List<ReplaySelection.Selected> selected)
            throws IOException {
        Map<String, Set<String>> restrictedIds = new TreeMap<>();
        RequestLog requests = new RequestLog(lake, Clock.systemUTC());
        for (ReplaySelection.Selected d : selected) {
            if (!restrictedIds.containsKey(d.tenantId())) {
                Set<RequestLog.Subject> subjects = requests.restrictedSubjects(d.tenantId());
                Set<String> ids = new HashSet<>();
                SubjectRecords.find(lake, d.tenantId(), subjects)
                        .forEach(l -> ids.add(l.eventId()));
                restrictedIds.put(d.tenantId(), ids);
            }
        }
        List<ReplaySelection.Selected> kept = new ArrayList<>();
        for (ReplaySelection.Selected d : selected) {
            if (!restrictedIds.get(d.tenantId()).contains(d.eventId())) {
                kept.add(d);
            }
        }
        return new Restricted(kept, selected.size() - kept.size());
    }

    private static Map<String, String> query(ReplayOptions options) {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("run_id", options.runId());
        query.put("model", options.model() == null ? "(recorded)" : options.model());
        query.put("base_url", options.baseUrl());
        if (options.from() != null) {
            query.put("from", options.from().toString());
        }
        if (options.to() != null) {
            query.put("to", options.to().toString());
        }
        if (options.modelVersion() != null) {
            query.put("model_version", options.modelVersion());
        }
        return query;
    }

    /**
     * The caller, authenticated like on the audit CLI ({@link CliIdentity}): {@code --token-file}
     * (or {@value CliIdentity#TOKEN_FILE_ENV}) holding an API token or a JWT; never guessed.
     */
    static Caller caller(ReplayOptions options, Map<String, String> env) throws IOException {
        Caller caller =
                CliIdentity.resolve(
                        options.tokenFile(),
                        options.authConfig(),
                        options.insecureSelfAssertedIdentity(),
                        env);
        if (caller.selfAsserted()) {
            System.err.println(
                    "WARNING: --insecure-self-asserted-identity: nothing verified who you are;"
                            + " the access log marks this replay "
                            + caller.channelName());
        }
        return caller;
    }

    /** The results of a finished run, read back from its folder. */
    public static List<ReplayResult> readResults(ReplayOptions options) throws IOException {
        List<ReplayResult> out = new ArrayList<>();
        for (FileStatus f : LakeFiles.parquetFiles(ReplayJob.runFolder(options))) {
            LakeFiles.forEachRecord(f, ReplayResult.class, out::add);
        }
        return out;
    }

    /** The summary of a finished run, from its folder. */
    public static ReplaySummary summary(ReplayOptions options) throws IOException {
        return ReplaySummary.of(readResults(options), options.worst());
    }
}
