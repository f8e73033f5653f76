package io.decisionledger.lake;

import java.io.IOException;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * A Parquet {@link OutputFile} over an already opened Flink file system stream, so that a plain
 * {@code ParquetWriter} (not the FileSink's bulk writer) can write to {@code file://} and {@code
 * s3://} alike. Compaction needs the plain writer: it rolls files by their written size, which the
 * bulk writer does not expose. Closing the Parquet writer closes the stream.
 */
public final class FlinkOutputFile implements OutputFile {

    private final FSDataOutputStream out;

    public FlinkOutputFile(FSDataOutputStream out) {
        this.out = out;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
        return new PositionOutputStream() {
            @Override
            public long getPos() throws IOException {
                return out.getPos();
            }

            @Override
            public void write(int b) throws IOException {
                out.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
        return create(blockSizeHint);
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }
}
