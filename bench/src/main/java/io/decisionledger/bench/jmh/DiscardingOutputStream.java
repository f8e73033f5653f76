package io.decisionledger.bench.jmh;

import org.apache.flink.core.fs.FSDataOutputStream;

/**
 * A Flink output stream that counts and drops what is written, so the per-event benchmarks measure
 * Parquet encoding and compression without any file system or disk in the way.
 */
final class DiscardingOutputStream extends FSDataOutputStream {
    private long position;

    @Override
    public void write(int b) {
        position++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
        position += len;
    }

    @Override
    public long getPos() {
        return position;
    }

    @Override
    public void flush() {}

    @Override
    public void sync() {}

    @Override
    public void close() {}
}
