package io.decisionledger.metrics;

import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * Tells Flink to keep {@link MetricsAccumulator} window state with {@link
 * MetricsAccumulatorSerializer} instead of falling back to Kryo.
 */
public final class MetricsAccumulatorTypeInfo extends TypeInformation<MetricsAccumulator> {
    private static final long serialVersionUID = 1L;

    public static final MetricsAccumulatorTypeInfo INSTANCE = new MetricsAccumulatorTypeInfo();

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
    public Class<MetricsAccumulator> getTypeClass() {
        return MetricsAccumulator.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<MetricsAccumulator> createSerializer(SerializerConfig config) {
        return MetricsAccumulatorSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "MetricsAccumulator";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof MetricsAccumulatorTypeInfo;
    }

    @Override
    public int hashCode() {
        return MetricsAccumulatorTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof MetricsAccumulatorTypeInfo;
    }
}
