package io.decisionledger.rewrite;

import io.decisionledger.lake.FlinkOutputFile;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.ParquetSettings;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.hadoop.ParquetWriter;

/**
 * Writes the rows of one partition, already in their dataset's order, as merged Parquet files in a
 * staging folder: files that roll just under the target size, with the dataset's bloom filters and
 * row-group statistics, each destined to become {@code compacted-<run>-<n>.parquet} in the
 * partition. The staging step of every rewrite (compaction's merge, the rows retention keeps).
 */
public final class MergedFileWriter implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Merged files roll a little before the target, as the footer and filters come on top. */
    static final double ROLL_AT = 0.8;

    private final ParquetSettings parquet;
    private final long targetFileBytes;

    public MergedFileWriter(ParquetSettings parquet, long targetFileBytes) {
        this.parquet = parquet;
        this.targetFileBytes = targetFileBytes;
    }

    /**
     * Writes {@code records} (sorted) to {@code staging} as {@code part-<n>.parquet}, each with its
     * final place in {@code task}'s partition. Refuses a run id whose merged file is already there.
     */
    public List<SwapManifest.Output> writeStaged(
            PartitionTask task, Path staging, List<? extends IndexedRecord> records)
            throws IOException {
        return writeStaged(task, staging, records.iterator(), records.size());
    }

    /**
     * Writes {@code count} records (sorted), as {@code records} hands them on, to {@code staging}
     * as {@code part-<n>.parquet}: the streaming form of {@link #writeStaged(PartitionTask, Path,
     * List)}, holding one row group in memory. A record handed on may be reused for the next.
     */
    public List<SwapManifest.Output> writeStaged(
            PartitionTask task,
            Path staging,
            java.util.Iterator<? extends IndexedRecord> records,
            long count)
            throws IOException {
        return writeStaged(task, staging, records, count, task.sourceBytes());
    }

    /**
     * As {@link #writeStaged(PartitionTask, Path, java.util.Iterator, long)}, the records being a
     * part of the partition's that {@code inputBytes} of its source files hold (a slice of a split
     * partition), which sizes the bloom filters.
     */
    public List<SwapManifest.Output> writeStaged(
            PartitionTask task,
            Path staging,
            java.util.Iterator<? extends IndexedRecord> records,
            long count,
            long inputBytes)
            throws IOException {
        Dataset dataset = task.dataset();
        FileSystem fs = staging.getFileSystem();
        fs.mkdirs(staging);
        long sourceBytes = Math.max(1, inputBytes);
        // Bloom filters are sized for the rows one file is expected to hold.
        long expectedRows =
                Math.min(
                        count,
                        Math.max(1, (long) (count * ((double) targetFileBytes / sourceBytes))));
        long rollAt = (long) (targetFileBytes * ROLL_AT);
        // The writer's size estimate counts open pages and dictionaries uncompressed, so it runs
        // ahead of the real file size. The first file rolls on the estimate alone (it stays under
        // the target); later ones on the estimate scaled by what the first file really came to.
        double estimateToBytes = 1.0;
        List<SwapManifest.Output> outputs = new ArrayList<>();
        while (records.hasNext()) {
            int n = outputs.size();
            Path staged = new Path(staging, "part-" + n + ".parquet");
            Path target = new Path(task.targetDir(), PartitionRewrite.targetName(task.runId(), n));
            if (target.getFileSystem().exists(target)) {
                throw new IllegalStateException(
                        "run id " + task.runId() + " was already used in " + task.targetDir());
            }
            long rows = 0;
            long estimate;
            FSDataOutputStream out = fs.create(staged, FileSystem.WriteMode.NO_OVERWRITE);
            try (ParquetWriter<IndexedRecord> writer =
                    writer(dataset, new FlinkOutputFile(out), expectedRows)) {
                do {
                    writer.write(records.next());
                    rows++;
                } while (records.hasNext() && writer.getDataSize() * estimateToBytes < rollAt);
                estimate = writer.getDataSize();
            }
            long bytes = fs.getFileStatus(staged).getLen();
            if (n == 0 && estimate > 0) {
                estimateToBytes = Math.min(1.0, (double) bytes / estimate);
            }
            outputs.add(new SwapManifest.Output(staged.toString(), target.toString(), bytes, rows));
        }
        return outputs;
    }

    /**
     * Files roll on the writer's data size, which counts compressed pages as written and the open
     * page of each column uncompressed: pages small against the target keep that estimate close (at
     * the 256 MB default, 1 MiB pages; a 64 KiB test target gets 1 KiB pages).
     */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private ParquetWriter<IndexedRecord> writer(
            Dataset dataset, FlinkOutputFile out, long expectedRows) throws IOException {
        int page = (int) Math.min(parquet.pageBytes(), Math.max(1024, targetFileBytes / 64));
        // the dataset's schema and typed model: it writes typed records and raw ones alike
        // (strings as Utf8 go to Parquet as their bytes, timestamps as longs as they are)
        return (ParquetWriter)
                ParquetFormats.compactedWriter(
                        (Class<SpecificRecordBase>) dataset.recordClass(),
                        out,
                        new ParquetSettings(parquet.compression(), parquet.rowGroupBytes(), page),
                        dataset.bloomColumns(),
                        expectedRows);
    }
}
