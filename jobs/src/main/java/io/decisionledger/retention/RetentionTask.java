package io.decisionledger.retention;

import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.PartitionTask;
import java.util.List;

/**
 * One partition past retention, as the planner found it: for a tenant and date, the audit and ops
 * partitions deleted together (so the masked copies of held records stay with them); for
 * quarantine, one ingest date whose rows are judged one by one (their tenants differ). Planned on
 * the job's client, carried out in a Flink task; holds no personal data (the task reads user and
 * case holds itself).
 *
 * @param tenantId the tenant (null for quarantine)
 * @param date the partition date, yyyy-MM-dd
 * @param parts the dataset partitions and their files
 * @param stagingDir this task's folder in the run's staging area
 * @param runId the run
 */
public record RetentionTask(
        String tenantId, String date, List<Part> parts, String stagingDir, String runId) {

    /** One dataset's partition: where it is and its committed files at planning time. */
    public record Part(
            Dataset dataset,
            String partition,
            String targetDir,
            List<PartitionTask.FileRef> sources) {}

    public long sourceBytes() {
        return parts.stream()
                .flatMap(p -> p.sources().stream())
                .mapToLong(PartitionTask.FileRef::bytes)
                .sum();
    }

    public int sourceFiles() {
        return parts.stream().mapToInt(p -> p.sources().size()).sum();
    }

    /** {@code tenant_id=T/event_date=D} or {@code ingest_date=D}: for progress lines. */
    public String label() {
        return parts.get(0).partition();
    }

    /** The compaction-style task the kept rows of one part are rewritten with. */
    PartitionTask rewriteOf(Part part) {
        return new PartitionTask(
                part.dataset(),
                part.partition(),
                part.targetDir(),
                stagingDir + "/" + part.dataset().label(),
                runId,
                part.sources(),
                List.of());
    }
}
