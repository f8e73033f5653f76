package io.decisionledger.lake;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.ChainHead;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.file.sink.FileSinkCommittable;
import org.apache.flink.connector.file.sink.writer.FileWriter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.metrics.groups.InternalSinkWriterMetricGroup;
import org.apache.flink.runtime.metrics.util.InterceptingOperatorMetricGroup;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The open-part-files gauge of the lake sinks: registered in the writer's metric group, it counts
 * the Parquet part files a writer holds open (one per bucket written since the last checkpoint) and
 * drops to zero when the checkpoint rolls them; each deserialized copy of the sink (one per
 * subtask) counts its own writer.
 */
class MeteredFileSinkTest {

    private static final Instant T0 = Instant.parse("2026-11-27T08:00:00Z");

    @TempDir Path dir;

    @Test
    void gaugeCountsOpenPartFilesUntilTheCheckpointRollsThem() throws Exception {
        // given the heads sink as a subtask gets it: serialized with the job and read back
        MeteredFileSink<ChainHead> built =
                ParquetFormats.meteredSink(
                        new org.apache.flink.core.fs.Path(dir.toUri()),
                        ChainHead.class,
                        ParquetSettings.defaults(),
                        new ChainHeadBucketAssigner());
        MeteredFileSink<ChainHead> sink =
                InstantiationUtil.clone(built, getClass().getClassLoader());
        InterceptingOperatorMetricGroup metrics = new InterceptingOperatorMetricGroup();

        // when its writer receives heads of two tenants (two buckets), one of them twice
        FileWriter<ChainHead> writer = sink.createWriter(context(metrics));
        @SuppressWarnings("unchecked")
        Gauge<Integer> gauge = (Gauge<Integer>) metrics.get(MeteredFileSink.OPEN_PART_FILES);
        assertThat(gauge).as("gauge registered in the writer's metric group").isNotNull();
        assertThat(gauge.getValue()).isZero();
        writer.write(head("bank_123", 1), NO_CONTEXT);
        assertThat(gauge.getValue()).isEqualTo(1);
        writer.write(head("bank_456", 1), NO_CONTEXT);
        writer.write(head("bank_123", 2), NO_CONTEXT);

        // then two part files are open, in this copy only
        assertThat(gauge.getValue()).isEqualTo(2);
        assertThat(sink.openPartFiles()).isEqualTo(2);
        assertThat(built.openPartFiles()).isZero();

        // and the checkpoint rolls both: none open, two files to commit
        writer.flush(false);
        List<FileSinkCommittable> committables = List.copyOf(writer.prepareCommit());
        assertThat(gauge.getValue()).isZero();
        assertThat(committables).hasSize(2).allMatch(FileSinkCommittable::hasPendingFile);

        // and the next write opens a new one
        writer.write(head("bank_456", 2), NO_CONTEXT);
        assertThat(gauge.getValue()).isEqualTo(1);
        writer.close();
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(p -> p.toString().contains("tenant_id=bank_")))
                    .as("bucket folders")
                    .isNotEmpty();
        }
    }

    private static ChainHead head(String tenant, long seq) {
        return ChainHead.newBuilder()
                .setTenantId(tenant)
                .setChainShard(0)
                .setChainSeq(seq)
                .setHash("a".repeat(64))
                .setEventId("evt-" + seq)
                .setPublishedAt(T0)
                .build();
    }

    private static final SinkWriter.Context NO_CONTEXT =
            new SinkWriter.Context() {
                @Override
                public long currentWatermark() {
                    return Long.MIN_VALUE;
                }

                @Override
                public Long timestamp() {
                    return null;
                }
            };

    /**
     * The two things the FileSink's writer asks of its context: the metric group and a processing
     * time service (for its bucket inspection timer, which this test never fires).
     */
    private static WriterInitContext context(InterceptingOperatorMetricGroup metrics) {
        ProcessingTimeService time =
                (ProcessingTimeService)
                        Proxy.newProxyInstance(
                                MeteredFileSinkTest.class.getClassLoader(),
                                new Class<?>[] {ProcessingTimeService.class},
                                (proxy, method, args) ->
                                        method.getName().equals("getCurrentProcessingTime")
                                                ? 0L
                                                : null);
        InternalSinkWriterMetricGroup group = InternalSinkWriterMetricGroup.wrap(metrics);
        return (WriterInitContext)
                Proxy.newProxyInstance(
                        MeteredFileSinkTest.class.getClassLoader(),
                        new Class<?>[] {WriterInitContext.class},
                        (proxy, method, args) ->
                                switch (method.getName()) {
                                    case "metricGroup" -> group;
                                    case "getProcessingTimeService" -> time;
                                    default ->
                                            throw new UnsupportedOperationException(
                                                    method.getName());
                                });
    }
}
