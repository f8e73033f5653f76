package io.decisionledger.metrics;

import java.io.IOException;
import org.apache.datasketches.hll.HllSketch;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Window state format of {@link MetricsAccumulator}: varint counters, the sparse histogram and the
 * HLL sketch in DataSketches' compact form. Hand-written rather than Kryo so the state per key is
 * small (a one-decision window is about 50 bytes, a busy day 2.5 to 5 KB) and its format is ours to
 * version: the first byte is the format version, and a change must keep reading version 1.
 */
public final class MetricsAccumulatorSerializer
        extends TypeSerializerSingleton<MetricsAccumulator> {
    private static final long serialVersionUID = 1L;

    public static final MetricsAccumulatorSerializer INSTANCE = new MetricsAccumulatorSerializer();

    private static final int FORMAT_VERSION = 1;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public MetricsAccumulator createInstance() {
        return new MetricsAccumulator();
    }

    @Override
    public MetricsAccumulator copy(MetricsAccumulator from) {
        return from.copy();
    }

    @Override
    public MetricsAccumulator copy(MetricsAccumulator from, MetricsAccumulator reuse) {
        return from.copy();
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(MetricsAccumulator a, DataOutputView out) throws IOException {
        out.writeByte(FORMAT_VERSION);
        VarInts.writeUnsigned(a.total, out);
        VarInts.writeUnsigned(a.approved, out);
        VarInts.writeUnsigned(a.denied, out);
        VarInts.writeUnsigned(a.noDecision, out);
        VarInts.writeUnsigned(a.confidenceSumNanos, out);
        a.confidences.serialize(out);
        if (a.confidences.count() > 0) {
            out.writeDouble(a.confidenceMin);
            out.writeDouble(a.confidenceMax);
        }
        VarInts.writeUnsigned(a.responseTokensSum, out);
        for (long n : a.finishReasons) {
            VarInts.writeUnsigned(n, out);
        }
        if (a.users == null) {
            VarInts.writeUnsigned(0, out);
        } else {
            byte[] sketch = a.users.toCompactByteArray();
            VarInts.writeUnsigned(sketch.length, out);
            out.write(sketch);
        }
    }

    @Override
    public MetricsAccumulator deserialize(DataInputView in) throws IOException {
        int version = in.readUnsignedByte();
        if (version != FORMAT_VERSION) {
            throw new IOException("unknown metrics accumulator format version " + version);
        }
        MetricsAccumulator a = new MetricsAccumulator();
        a.total = VarInts.readUnsigned(in);
        a.approved = VarInts.readUnsigned(in);
        a.denied = VarInts.readUnsigned(in);
        a.noDecision = VarInts.readUnsigned(in);
        a.confidenceSumNanos = VarInts.readUnsigned(in);
        a.confidences = ConfidenceHistogram.deserialize(in);
        if (a.confidences.count() > 0) {
            a.confidenceMin = in.readDouble();
            a.confidenceMax = in.readDouble();
        }
        a.responseTokensSum = VarInts.readUnsigned(in);
        for (int i = 0; i < a.finishReasons.length; i++) {
            a.finishReasons[i] = VarInts.readUnsigned(in);
        }
        int sketchBytes = (int) VarInts.readUnsigned(in);
        if (sketchBytes > 0) {
            byte[] sketch = new byte[sketchBytes];
            in.readFully(sketch);
            a.users = HllSketch.heapify(sketch);
        }
        return a;
    }

    @Override
    public MetricsAccumulator deserialize(MetricsAccumulator reuse, DataInputView in)
            throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<MetricsAccumulator> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Restores the serializer from a savepoint; the format version lives in the data itself. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<MetricsAccumulator> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
