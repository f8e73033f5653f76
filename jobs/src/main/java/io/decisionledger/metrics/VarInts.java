package io.decisionledger.metrics;

import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * LEB128 variable-length integers for the window state: most counters in a window are small, so one
 * or two bytes instead of eight keeps the state per key small on RocksDB and in checkpoints.
 */
final class VarInts {

    private VarInts() {}

    static void writeUnsigned(long value, DataOutputView out) throws IOException {
        if (value < 0) {
            throw new IllegalArgumentException("negative value in an unsigned varint");
        }
        while ((value & ~0x7FL) != 0) {
            out.writeByte((int) ((value & 0x7F) | 0x80));
            value >>>= 7;
        }
        out.writeByte((int) value);
    }

    static long readUnsigned(DataInputView in) throws IOException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = in.readUnsignedByte();
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IOException("varint longer than 64 bits");
    }
}
