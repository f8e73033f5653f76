package io.decisionledger.metrics;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.base.TypeSerializerSingleton;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Network format of {@link MetricsPartial} (it is never kept in state): the key, a tag, then either
 * the one decision's facts or the accumulator in its window state format ({@link
 * MetricsAccumulatorSerializer}).
 */
public final class MetricsPartialSerializer extends TypeSerializerSingleton<MetricsPartial> {
    private static final long serialVersionUID = 1L;

    public static final MetricsPartialSerializer INSTANCE = new MetricsPartialSerializer();

    private static final int SINGLE = 1;
    private static final int ACCUMULATED = 2;

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public MetricsPartial createInstance() {
        return MetricsPartial.of("", "", "", new MetricsAccumulator());
    }

    @Override
    public MetricsPartial copy(MetricsPartial from) {
        if (from.decision != null) {
            return MetricsPartial.of(from.decision.copy());
        }
        return MetricsPartial.of(
                from.tenantId, from.model, from.modelVersion, from.accumulator.copy());
    }

    @Override
    public MetricsPartial copy(MetricsPartial from, MetricsPartial reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(MetricsPartial p, DataOutputView out) throws IOException {
        out.writeUTF(p.tenantId);
        out.writeUTF(p.model);
        out.writeUTF(p.modelVersion);
        DecisionFacts f = p.decision;
        if (f == null) {
            out.writeByte(ACCUMULATED);
            MetricsAccumulatorSerializer.INSTANCE.serialize(p.accumulator, out);
            return;
        }
        out.writeByte(SINGLE);
        out.writeUTF(f.eventId);
        out.writeLong(f.eventTimeMicros);
        out.writeByte(f.outcome);
        out.writeDouble(f.confidence);
        out.writeLong(f.responseTokens);
        out.writeByte(f.finishReason);
        out.writeLong(f.userHash);
    }

    @Override
    public MetricsPartial deserialize(DataInputView in) throws IOException {
        String tenantId = in.readUTF();
        String model = in.readUTF();
        String modelVersion = in.readUTF();
        int tag = in.readUnsignedByte();
        if (tag == ACCUMULATED) {
            return MetricsPartial.of(
                    tenantId,
                    model,
                    modelVersion,
                    MetricsAccumulatorSerializer.INSTANCE.deserialize(in));
        }
        if (tag != SINGLE) {
            throw new IOException("unknown metrics partial tag " + tag);
        }
        DecisionFacts f = new DecisionFacts();
        f.tenantId = tenantId;
        f.model = model;
        f.modelVersion = modelVersion;
        f.eventId = in.readUTF();
        f.eventTimeMicros = in.readLong();
        f.outcome = in.readByte();
        f.confidence = in.readDouble();
        f.responseTokens = in.readLong();
        f.finishReason = in.readByte();
        f.userHash = in.readLong();
        return MetricsPartial.of(f);
    }

    @Override
    public MetricsPartial deserialize(MetricsPartial reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView in, DataOutputView out) throws IOException {
        serialize(deserialize(in), out);
    }

    @Override
    public TypeSerializerSnapshot<MetricsPartial> snapshotConfiguration() {
        return new Snapshot();
    }

    /** Required of every serializer; partials are only ever on the wire, never in a savepoint. */
    public static final class Snapshot extends SimpleTypeSerializerSnapshot<MetricsPartial> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}
