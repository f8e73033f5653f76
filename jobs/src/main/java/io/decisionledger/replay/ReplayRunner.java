package io.decisionledger.replay;

import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.schema.ReplayResult;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.fs.FileStatus;

/**
 * The replay's work on the client, around {@link ReplayPipeline}: who is replaying, the selection
 * ({@link ReplaySelection}) and its access-log entries before anything is sent, and the {@link
 * ReplaySummary} of the results once the job has finished.
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
        List<ReplaySelection.Selected> selected = ReplaySelection.select(options);
        Map<String, List<String>> idsPerTenant = new TreeMap<>();
        for (ReplaySelection.Selected d : selected) {
            idsPerTenant.computeIfAbsent(d.tenantId(), t -> new ArrayList<>()).add(d.eventId());
        }
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

    /** The caller: {@code --identity-file}, else {@value Caller#ENV}; never guessed. */
    static Caller caller(ReplayOptions options, Map<String, String> env) {
        if (options.identityFile() != null) {
            return Caller.fromIdentityFile(java.nio.file.Path.of(options.identityFile()));
        }
        String value = env.get(Caller.ENV);
        if (value != null && !value.isBlank()) {
            return Caller.fromEnvironmentValue(value);
        }
        throw new IllegalArgumentException(
                "who is replaying? pass --identity-file FILE (user=..., role=...) or set "
                        + Caller.ENV
                        + "=user:role");
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
