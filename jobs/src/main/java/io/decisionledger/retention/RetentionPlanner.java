package io.decisionledger.retention;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.PartitionTask;
import java.io.IOException;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Finds the partitions past retention in the lake of record, on the job's client before the Flink
 * job starts: per tenant and date the audit and ops partitions together (so a held decision's
 * masked copy stays with it), and quarantine ingest dates old enough for the shortest period (their
 * rows are judged one by one in the task). A tenant under a tenant-wide legal hold is left out, and
 * the log says so. Listing only: what each partition keeps is decided in the task ({@link
 * PartitionRetainer}), where the user and case holds are read.
 */
public final class RetentionPlanner {

    /**
     * What retention takes in a run: its tasks, and every dataset partition it covers (planned or
     * not, e.g. empty), which no other rewrite of the run may touch.
     */
    public record Plan(List<RetentionTask> tasks, Set<String> partitions) {

        public static Plan none() {
            return new Plan(List.of(), Set.of());
        }

        /** Whether {@code partition} of {@code dataset} is retention's in this run. */
        public boolean covers(Dataset dataset, String partition) {
            return partitions.contains(dataset.label() + "/" + partition);
        }
    }

    private final LakeLayout lake;
    private final Path staging;
    private final String runId;
    private final LocalDate asOf;
    private final RetentionPolicy policy;
    private final LegalHolds holds;
    private final Map<String, Long> tenantHoldRows = new TreeMap<>();

    /**
     * @param lake the lake of record
     * @param staging the run's retention staging folder; each task gets a folder under it
     * @param runId the run
     * @param asOf "today" for the retention periods
     */
    public RetentionPlanner(
            LakeLayout lake,
            Path staging,
            String runId,
            LocalDate asOf,
            RetentionPolicy policy,
            LegalHolds holds) {
        this.lake = lake;
        this.staging = staging;
        this.runId = runId;
        this.asOf = asOf;
        this.policy = policy;
        this.holds = holds;
    }

    /**
     * The partitions of {@code datasets} past retention, only {@code tenant}'s when it is not null
     * (quarantine, which is not per tenant, is then skipped). Tenant holds are logged to {@code
     * log}; nothing else is, and no user or case id ever is.
     */
    public Plan plan(Set<Dataset> datasets, String tenant, PrintStream log) throws IOException {
        List<RetentionTask> tasks = new ArrayList<>();
        Set<String> covered = new HashSet<>();
        Map<String, Map<Dataset, String>> perTenantDate = new TreeMap<>();
        for (Dataset dataset : List.of(Dataset.AUDIT, Dataset.OPS)) {
            if (!datasets.contains(dataset)) {
                continue;
            }
            Path root = lake.resolve(dataset.directory());
            FileSystem fs = root.getFileSystem();
            if (!fs.exists(root)) {
                continue;
            }
            for (FileStatus tenantDir : list(fs, root)) {
                String tenantName = tenantDir.getPath().getName();
                if (!tenantDir.isDir() || !tenantName.startsWith("tenant_id=")) {
                    continue;
                }
                String tenantId = tenantName.substring("tenant_id=".length());
                if (tenant != null && !tenant.equals(tenantId)) {
                    continue;
                }
                for (FileStatus dateDir : list(fs, tenantDir.getPath())) {
                    String partition = tenantName + "/" + dateDir.getPath().getName();
                    LocalDate date = dateDir.isDir() ? dataset.date(partition) : null;
                    if (date != null && policy.expired(tenantId, date, asOf)) {
                        perTenantDate
                                .computeIfAbsent(partition, p -> new EnumMap<>(Dataset.class))
                                .put(dataset, tenantId);
                    }
                }
            }
        }
        Set<String> heldTenants = new TreeSet<>();
        for (Map.Entry<String, Map<Dataset, String>> e : perTenantDate.entrySet()) {
            String partition = e.getKey();
            String tenantId = e.getValue().values().iterator().next();
            LegalHolds.Hold hold = holds.tenantHold(tenantId);
            if (hold != null) {
                if (heldTenants.add(tenantId)) {
                    log.printf(
                            "  retention: tenant %s is under legal hold %s:"
                                    + " nothing of it is deleted%n",
                            tenantId, hold.id());
                }
                // the decisions it keeps: audit rows (their ops copies are the same decisions)
                long rows = 0;
                if (e.getValue().containsKey(Dataset.AUDIT)) {
                    RetentionTask.Part part = part(Dataset.AUDIT, partition);
                    if (part != null) {
                        for (PartitionTask.FileRef f : part.sources()) {
                            Path file = new Path(f.path());
                            rows += LakeFiles.rowCount(file.getFileSystem().getFileStatus(file));
                        }
                    }
                }
                tenantHoldRows.merge(hold.id(), rows, Long::sum);
                continue;
            }
            List<RetentionTask.Part> parts = new ArrayList<>();
            for (Dataset dataset : e.getValue().keySet()) {
                RetentionTask.Part part = part(dataset, partition);
                if (part != null) {
                    parts.add(part);
                }
                covered.add(dataset.label() + "/" + partition);
            }
            if (!parts.isEmpty()) {
                String date = partition.substring(partition.lastIndexOf('=') + 1);
                tasks.add(new RetentionTask(tenantId, date, parts, stagingOf(partition), runId));
            }
        }
        if (datasets.contains(Dataset.QUARANTINE) && tenant == null) {
            Path root = lake.resolve(Dataset.QUARANTINE.directory());
            FileSystem fs = root.getFileSystem();
            LocalDate newestExpired = asOf.minus(policy.shortest()).minusDays(1);
            if (fs.exists(root)) {
                for (FileStatus dateDir : list(fs, root)) {
                    String partition = dateDir.getPath().getName();
                    LocalDate date = dateDir.isDir() ? Dataset.QUARANTINE.date(partition) : null;
                    if (date == null || date.isAfter(newestExpired)) {
                        continue;
                    }
                    RetentionTask.Part part = part(Dataset.QUARANTINE, partition);
                    if (part != null) {
                        tasks.add(
                                new RetentionTask(
                                        null,
                                        date.toString(),
                                        List.of(part),
                                        stagingOf(partition),
                                        runId));
                    }
                    // rows of tenants with a longer period stay: compaction must not race them
                    covered.add(Dataset.QUARANTINE.label() + "/" + partition);
                }
            }
        }
        return new Plan(tasks, covered);
    }

    /**
     * Decisions (audit rows) past retention that tenant-wide holds kept out of the last {@link
     * #plan} (their partitions are not planned at all), by hold id; user and case holds, and
     * quarantined rows, are counted in the tasks.
     */
    public Map<String, Long> tenantHoldRows() {
        return Map.copyOf(tenantHoldRows);
    }

    private String stagingOf(String partition) {
        return new Path(staging, partition).toString();
    }

    /** One dataset partition with its committed files, or null when it has none. */
    private RetentionTask.Part part(Dataset dataset, String partition) throws IOException {
        Path dir = lake.resolve(dataset.directory() + "/" + partition);
        FileSystem fs = dir.getFileSystem();
        List<PartitionTask.FileRef> sources = new ArrayList<>();
        for (FileStatus f : list(fs, dir)) {
            String name = f.getPath().getName();
            if (!f.isDir()
                    && name.endsWith(".parquet")
                    && !name.startsWith(".")
                    && !name.startsWith("_")) {
                sources.add(new PartitionTask.FileRef(f.getPath().toString(), f.getLen()));
            }
        }
        return sources.isEmpty()
                ? null
                : new RetentionTask.Part(dataset, partition, dir.toString(), sources);
    }

    private static List<FileStatus> list(FileSystem fs, Path dir) throws IOException {
        FileStatus[] children = fs.listStatus(dir);
        List<FileStatus> out = new ArrayList<>();
        if (children != null) {
            out.addAll(List.of(children));
        }
        out.sort(Comparator.comparing(s -> s.getPath().getName()));
        return out;
    }
}
