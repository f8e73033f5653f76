package io.decisionledger.metrics;

import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Tells Flink to keep a type with our own serializer instead of falling back to Kryo: the window
 * state's {@link MetricsAccumulator} ({@link #ACCUMULATOR}) and the pre-aggregated {@link
 * MetricsPartial}s the window shuffle carries ({@link #PARTIAL}).
 */
public final class SerializerTypeInfo<T> extends TypeInformation<T> {
    private static final long serialVersionUID = 1L;

    public static final SerializerTypeInfo<MetricsAccumulator> ACCUMULATOR =
            new SerializerTypeInfo<>(
                    MetricsAccumulator.class, MetricsAccumulatorSerializer.INSTANCE);

    public static final SerializerTypeInfo<MetricsPartial> PARTIAL =
            new SerializerTypeInfo<>(MetricsPartial.class, MetricsPartialSerializer.INSTANCE);

    private final Class<T> type;
    private final TypeSerializer<T> serializer;

    private SerializerTypeInfo(Class<T> type, TypeSerializer<T> serializer) {
        this.type = type;
        this.serializer = serializer;
    }

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<T> getTypeClass() {
        return type;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<T> createSerializer(SerializerConfig config) {
        return serializer;
    }

    @Override
    public String toString() {
        return type.getSimpleName();
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof SerializerTypeInfo<?> o && o.type == type;
    }

    @Override
    public int hashCode() {
        return Objects.hash(SerializerTypeInfo.class, type);
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof SerializerTypeInfo;
    }
}
