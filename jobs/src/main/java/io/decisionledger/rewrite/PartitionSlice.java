package io.decisionledger.rewrite;

import io.decisionledger.lake.LakeFiles;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.IndexedRecord;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;

/**
 * One slice of a hot partition whose merge is split across subtasks: the rows whose first sort key
 * (audit: user_id, ops: user_pseudonym; see {@link Dataset#order()}) lies in {@code [fromKey,
 * toKey)}. The slices of a partition are contiguous ranges of that key, so each slice's merged
 * files are in the dataset's order and the slices' files, slice after slice, are the partition in
 * the order one task would have written it; a lookup by user reads the one slice whose range (the
 * files' user_id statistics) holds it. Every row of one user lands in one slice.
 *
 * <p>The ranges are planned on the client ({@link #plan}) from a sample of the keys, so every slice
 * task and every retry of one uses the same ranges. A range only decides which task sorts a row: an
 * unrepresentative sample makes slices uneven, never a row lost (the ranges cover every key, null
 * included, and the commit checks the union of the slices against the input).
 *
 * @param index this slice, 0-based, in key order
 * @param count slices of the partition
 * @param fromKey smallest key of the slice, inclusive; null: unbounded (null keys included)
 * @param toKey end of the slice's keys, exclusive; null: unbounded
 */
public record PartitionSlice(int index, int count, String fromKey, String toKey)
        implements Serializable {

    /** Bytes of source files the client reads at most to sample the keys of a partition. */
    public static final long SAMPLE_BYTES = 32L * 1024 * 1024;

    public PartitionSlice {
        if (count < 1 || index < 0 || index >= count) {
            throw new IllegalArgumentException("slice " + index + " of " + count);
        }
        if (fromKey != null && toKey != null && fromKey.compareTo(toKey) >= 0) {
            throw new IllegalArgumentException("empty key range of slice " + index);
        }
    }

    /** Whether a row whose first sort key is {@code key} (null: none) belongs to this slice. */
    public boolean contains(String key) {
        if (key == null) {
            return fromKey == null;
        }
        return (fromKey == null || key.compareTo(fromKey) >= 0)
                && (toKey == null || key.compareTo(toKey) < 0);
    }

    /** Whether {@code record} of {@code dataset} belongs to this slice. */
    public boolean contains(Dataset dataset, IndexedRecord record) {
        return contains(SortEntry.firstKey(dataset, record));
    }

    /** "slice 2/4", for logs (keys are personal data: never printed). */
    public String label() {
        return "slice " + (index + 1) + "/" + count;
    }

    /**
     * Up to {@code wanted} contiguous key ranges that cover every key, cut at quantiles of the
     * first sort keys of a sample of {@code task}'s source files (evenly spaced files, at most
     * {@code sampleBytes} of them, at least one). Fewer slices when the sample has fewer distinct
     * keys (quarantine, whose rows have no user, is never split); one slice means "do not split".
     * Deterministic: the same sources give the same ranges.
     */
    public static List<PartitionSlice> plan(PartitionTask task, int wanted, long sampleBytes)
            throws IOException {
        List<PartitionTask.FileRef> sources = task.sources();
        if (wanted < 2 || sources.isEmpty()) {
            return List.of(new PartitionSlice(0, 1, null, null));
        }
        // evenly spaced files within the byte budget (the sources are sorted by path)
        long total = Math.max(1, task.sourceBytes());
        int files =
                (int)
                        Math.max(
                                1,
                                Math.min(
                                        sources.size(),
                                        (long) sources.size() * sampleBytes / total));
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < files; i++) {
            PartitionTask.FileRef ref = sources.get((int) ((long) i * sources.size() / files));
            Path p = new Path(ref.path());
            FileStatus status = p.getFileSystem().getFileStatus(p);
            LakeFiles.forEachRecord(
                    status,
                    task.dataset().recordClass(),
                    r -> {
                        String key = SortEntry.firstKey(task.dataset(), r);
                        if (key != null) {
                            keys.add(key);
                        }
                    });
        }
        keys.sort(null);
        List<String> cuts = new ArrayList<>();
        for (int i = 1; i < wanted && !keys.isEmpty(); i++) {
            String cut = keys.get((int) ((long) i * keys.size() / wanted));
            boolean above = cuts.isEmpty() ? cut.compareTo(keys.get(0)) > 0 : true;
            if (above && (cuts.isEmpty() || cut.compareTo(cuts.get(cuts.size() - 1)) > 0)) {
                cuts.add(cut);
            }
        }
        int n = cuts.size() + 1;
        List<PartitionSlice> slices = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            slices.add(
                    new PartitionSlice(
                            i,
                            n,
                            i == 0 ? null : cuts.get(i - 1),
                            i == n - 1 ? null : cuts.get(i)));
        }
        return slices;
    }
}
