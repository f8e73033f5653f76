package io.decisionledger.lake;

import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.src.FileSourceSplit;
import org.apache.flink.connector.file.src.impl.StreamFormatAdapter;
import org.apache.flink.connector.file.src.reader.BulkFormat;
import org.apache.flink.connector.file.src.reader.StreamFormat;

/**
 * A {@code FileSource} format that names the file when reading it fails. A {@link StreamFormat}
 * only sees a stream, so a truncated or corrupt lake file would fail a batch job (the metrics
 * rebuild) with Parquet's message and no path; wrapped in this, the failure is an {@link
 * UnreadableLakeFile} naming the file of the split, and the job fails with it (never skipping the
 * file). Reading is otherwise Flink's own {@link StreamFormatAdapter}, so splits, checkpointed
 * positions and batching are unchanged.
 */
public final class FileNamingFormat<T> implements BulkFormat<T, FileSourceSplit> {
    private static final long serialVersionUID = 1L;

    private final BulkFormat<T, FileSourceSplit> format;

    private FileNamingFormat(BulkFormat<T, FileSourceSplit> format) {
        this.format = format;
    }

    public static <T> FileNamingFormat<T> of(StreamFormat<T> format) {
        return new FileNamingFormat<>(new StreamFormatAdapter<>(format));
    }

    @Override
    public Reader<T> createReader(Configuration config, FileSourceSplit split) throws IOException {
        try {
            return new Named<>(format.createReader(config, split), split);
        } catch (IOException | RuntimeException e) {
            throw UnreadableLakeFile.of(split.path().toString(), e);
        }
    }

    @Override
    public Reader<T> restoreReader(Configuration config, FileSourceSplit split) throws IOException {
        try {
            return new Named<>(format.restoreReader(config, split), split);
        } catch (IOException | RuntimeException e) {
            throw UnreadableLakeFile.of(split.path().toString(), e);
        }
    }

    @Override
    public boolean isSplittable() {
        return format.isSplittable();
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return format.getProducedType();
    }

    /** The adapter reads a batch of records per call: that is where a bad page fails. */
    private record Named<T>(Reader<T> reader, FileSourceSplit split) implements Reader<T> {
        @Override
        public RecordIterator<T> readBatch() throws IOException {
            try {
                return reader.readBatch();
            } catch (IOException | RuntimeException e) {
                throw UnreadableLakeFile.of(split.path().toString(), e);
            }
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
