package io.decisionledger.bench.jmh;

import static org.apache.flink.table.api.DataTypes.ARRAY;
import static org.apache.flink.table.api.DataTypes.BIGINT;
import static org.apache.flink.table.api.DataTypes.BOOLEAN;
import static org.apache.flink.table.api.DataTypes.DOUBLE;
import static org.apache.flink.table.api.DataTypes.FIELD;
import static org.apache.flink.table.api.DataTypes.INT;
import static org.apache.flink.table.api.DataTypes.MAP;
import static org.apache.flink.table.api.DataTypes.ROW;
import static org.apache.flink.table.api.DataTypes.STRING;
import static org.apache.flink.table.api.DataTypes.TIMESTAMP_LTZ;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.formats.common.TimestampFormat;
import org.apache.flink.formats.json.JsonRowDataDeserializationSchema;
import org.apache.flink.formats.parquet.row.ParquetRowDataBuilder;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.table.data.GenericRowData;
import org.apache.flink.table.data.RowData;
import org.apache.flink.table.data.StringData;
import org.apache.flink.table.data.TimestampData;
import org.apache.flink.table.runtime.typeutils.InternalTypeInfo;
import org.apache.flink.table.types.logical.LogicalType;
import org.apache.flink.table.types.logical.RowType;
import org.apache.flink.util.SimpleUserCodeClassLoader;
import org.apache.flink.util.UserCodeClassLoader;
import org.apache.hadoop.conf.Configuration;

/**
 * The Flink SQL baseline's per-event work outside Flink, for the JMH baseline: the same row types
 * as its DDL, flink-json's deserializer with parse errors ignored and ISO-8601 timestamps, a
 * projection from the nested row to the flat sink columns (what the planner's generated code does
 * for the {@code SELECT}), and flink-parquet's row writer with the same codec and sizes.
 */
final class FlinkJsonToParquet {

    static final RowType SOURCE =
            (RowType)
                    ROW(
                                    FIELD("eventId", STRING()),
                                    FIELD("eventType", STRING()),
                                    FIELD("timestamp", TIMESTAMP_LTZ(3)),
                                    FIELD("tenantId", STRING()),
                                    FIELD("userId", STRING()),
                                    FIELD("caseId", STRING()),
                                    FIELD(
                                            "aiInteraction",
                                            ROW(
                                                    FIELD("model", STRING()),
                                                    FIELD("modelVersion", STRING()),
                                                    FIELD("modelMetadataId", STRING()),
                                                    FIELD("prompt", STRING()),
                                                    FIELD("systemPrompt", STRING()),
                                                    FIELD(
                                                            "context",
                                                            ROW(
                                                                    FIELD(
                                                                            "userHistory",
                                                                            ARRAY(STRING())),
                                                                    FIELD(
                                                                            "relevantDocuments",
                                                                            ARRAY(STRING())),
                                                                    FIELD(
                                                                            "metadata",
                                                                            MAP(
                                                                                    STRING(),
                                                                                    STRING())))),
                                                    FIELD(
                                                            "parameters",
                                                            ROW(
                                                                    FIELD("temperature", DOUBLE()),
                                                                    FIELD("maxTokens", BIGINT()),
                                                                    FIELD("topP", DOUBLE()))),
                                                    FIELD(
                                                            "response",
                                                            ROW(
                                                                    FIELD("content", STRING()),
                                                                    FIELD("tokens", BIGINT()),
                                                                    FIELD(
                                                                            "finishReason",
                                                                            STRING()))),
                                                    FIELD(
                                                            "decision",
                                                            ROW(
                                                                    FIELD("approved", BOOLEAN()),
                                                                    FIELD("confidence", DOUBLE()),
                                                                    FIELD(
                                                                            "reasoning",
                                                                            STRING()))))))
                            .getLogicalType();

    /** Source paths of the flat sink columns, in sink order (partition columns excluded). */
    private static final int[][] PROJECTION = {
        {0}, {1}, {2}, {4}, {5}, //
        {6, 0}, {6, 1}, {6, 2}, {6, 3}, {6, 4}, //
        {6, 5, 0}, {6, 5, 1}, {6, 5, 2}, //
        {6, 6, 0}, {6, 6, 1}, {6, 6, 2}, //
        {6, 7, 0}, {6, 7, 1}, {6, 7, 2}, //
        {6, 8, 0}, {6, 8, 1}, {6, 8, 2}
    };

    private final JsonRowDataDeserializationSchema json;
    private final RowData.FieldGetter[] getters;
    private final int[][] parents;
    private final int[][] parentArity;
    private final BulkWriter<RowData> writer;
    private final StringData topic = StringData.fromString("bench");

    FlinkJsonToParquet(FSDataOutputStream out) throws Exception {
        json =
                new JsonRowDataDeserializationSchema(
                        SOURCE, InternalTypeInfo.of(SOURCE), false, true, TimestampFormat.ISO_8601);
        json.open(
                new DeserializationSchema.InitializationContext() {
                    @Override
                    public MetricGroup getMetricGroup() {
                        return new UnregisteredMetricsGroup();
                    }

                    @Override
                    public UserCodeClassLoader getUserCodeClassLoader() {
                        return SimpleUserCodeClassLoader.create(
                                FlinkJsonToParquet.class.getClassLoader());
                    }
                });
        getters = new RowData.FieldGetter[PROJECTION.length];
        parents = new int[PROJECTION.length][];
        parentArity = new int[PROJECTION.length][];
        List<RowType.RowField> sinkFields = new ArrayList<>();
        for (int c = 0; c < PROJECTION.length; c++) {
            int[] path = PROJECTION[c];
            RowType type = SOURCE;
            parents[c] = new int[path.length - 1];
            parentArity[c] = new int[path.length - 1];
            for (int i = 0; i < path.length - 1; i++) {
                type = (RowType) type.getTypeAt(path[i]);
                parents[c][i] = path[i];
                parentArity[c][i] = type.getFieldCount();
            }
            int leaf = path[path.length - 1];
            LogicalType leafType = type.getTypeAt(leaf);
            getters[c] = RowData.createFieldGetter(leafType, leaf);
            sinkFields.add(new RowType.RowField("c" + c, leafType));
        }
        sinkFields.add(new RowType.RowField("source_topic", STRING().getLogicalType()));
        sinkFields.add(new RowType.RowField("source_partition", INT().getLogicalType()));
        sinkFields.add(new RowType.RowField("source_offset", BIGINT().getLogicalType()));
        sinkFields.add(new RowType.RowField("ingest_time", TIMESTAMP_LTZ(3).getLogicalType()));
        Configuration conf = new Configuration();
        conf.set("parquet.compression", "SNAPPY");
        conf.set("parquet.block.size", "16777216");
        conf.set("parquet.page.size", "1048576");
        writer =
                ParquetRowDataBuilder.createWriterFactory(new RowType(sinkFields), conf, true)
                        .create(out);
    }

    RowData parse(byte[] value) throws IOException {
        RowData row = json.deserialize(value);
        if (row == null) {
            throw new IllegalStateException("flink-json refused a valid benchmark event");
        }
        return row;
    }

    RowData flatten(RowData source, long offset) {
        GenericRowData flat = new GenericRowData(PROJECTION.length + 4);
        for (int c = 0; c < PROJECTION.length; c++) {
            RowData row = source;
            for (int i = 0; i < parents[c].length && row != null; i++) {
                row =
                        row.isNullAt(parents[c][i])
                                ? null
                                : row.getRow(parents[c][i], parentArity[c][i]);
            }
            flat.setField(c, row == null ? null : getters[c].getFieldOrNull(row));
        }
        flat.setField(PROJECTION.length, topic);
        flat.setField(PROJECTION.length + 1, 0);
        flat.setField(PROJECTION.length + 2, offset);
        flat.setField(
                PROJECTION.length + 3, TimestampData.fromEpochMillis(System.currentTimeMillis()));
        return flat;
    }

    void write(RowData row) throws IOException {
        writer.addElement(row);
    }

    void finish() throws IOException {
        writer.finish();
    }
}
