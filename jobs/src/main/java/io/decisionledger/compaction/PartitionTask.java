package io.decisionledger.compaction;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * One closed partition to compact, as the planner found it: the files to merge (fixed at planning
 * time, so files that arrive later are left for the next run), where the merged files go, and stale
 * in-progress files to remove. Travels from the job's client to the task that rewrites it as JSON
 * text.
 *
 * @param dataset which dataset
 * @param partition relative partition path, e.g. {@code tenant_id=T/event_date=D}
 * @param targetDir partition folder the merged files are moved into
 * @param stagingDir this partition's folder in the run's staging area (outside every dataset)
 * @param runId the run
 * @param sources committed files to merge, with their sizes
 * @param staleInProgress hidden in-progress files old enough to delete
 */
public record PartitionTask(
        Dataset dataset,
        String partition,
        String targetDir,
        String stagingDir,
        String runId,
        List<FileRef> sources,
        List<String> staleInProgress) {

    static final ObjectMapper JSON =
            new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** A file and its size in bytes. */
    public record FileRef(String path, long bytes) {}

    public long sourceBytes() {
        return sources.stream().mapToLong(FileRef::bytes).sum();
    }

    public String toJson() {
        return write(this);
    }

    public static PartitionTask fromJson(String json) {
        return read(json, PartitionTask.class);
    }

    static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static <T> T read(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
