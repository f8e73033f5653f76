package io.decisionledger.lake;

import java.io.IOException;
import java.io.Serializable;
import java.util.Collection;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.SupportsConcurrentExecutionAttempts;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.sink.FileSinkCommittable;
import org.apache.flink.connector.file.sink.writer.FileWriter;
import org.apache.flink.connector.file.sink.writer.FileWriterBucketState;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.streaming.api.connector.sink2.CommittableMessage;
import org.apache.flink.streaming.api.connector.sink2.SupportsPreCommitTopology;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * A lake {@link FileSink} that reports how many part files its writer holds open: the gauge {@value
 * #OPEN_PART_FILES} in the writer's metric group (Prometheus: {@code
 * flink_taskmanager_job_task_operator_open_part_files}, one series per sink and subtask). Each
 * in-progress Parquet file is an open bucket with its row group buffered in memory until the next
 * checkpoint rolls it, so the number tracks the tenants and days a subtask writes between two
 * checkpoints: a burst of late or backfilled days shows here before it shows as memory pressure.
 *
 * <p>Flink's FileSink has no hook for this (its writer's bucket map is private and it registers no
 * such metric), so the sink's Parquet writer factory is wrapped in a counting one: a part file is
 * open from the moment the FileSink creates its writer until it finishes it when rolling. Every
 * other call goes to the FileSink unchanged, the writer, committer, state serializers and
 * pre-commit topology included, so state written by the plain FileSink restores into this one and
 * back (IngestSavepointCompatibilityITCase).
 */
public final class MeteredFileSink<IN>
        implements Sink<IN>,
                SupportsWriterState<IN, FileWriterBucketState>,
                SupportsWriterState.WithCompatibleState,
                SupportsCommitter<FileSinkCommittable>,
                SupportsPreCommitTopology<FileSinkCommittable, FileSinkCommittable>,
                SupportsConcurrentExecutionAttempts {

    private static final long serialVersionUID = 1L;

    /** Part files (buckets) this subtask of the sink holds open, waiting for the next roll. */
    public static final String OPEN_PART_FILES = "open_part_files";

    private final FileSink<IN> sink;

    /**
     * The same object as the factory inside {@link #sink}: both are serialized in one graph, so
     * every deserialized copy of this sink (one per subtask) counts its own writer's files.
     */
    private final OpenPartFiles<IN> counted;

    private MeteredFileSink(FileSink<IN> sink, OpenPartFiles<IN> counted) {
        this.sink = sink;
        this.counted = counted;
    }

    /**
     * Builds the FileSink with {@code build} given the counting wrapper of {@code writers}: {@code
     * build} must hand that factory (and no other) to {@code FileSink.forBulkFormat}.
     */
    public static <IN> MeteredFileSink<IN> of(
            BulkWriter.Factory<IN> writers,
            java.util.function.Function<BulkWriter.Factory<IN>, FileSink<IN>> build) {
        OpenPartFiles<IN> counted = new OpenPartFiles<>(writers);
        return new MeteredFileSink<>(build.apply(counted), counted);
    }

    /** Part files open now in this copy of the sink (one copy per subtask). */
    public int openPartFiles() {
        return counted.open.get();
    }

    @Override
    public FileWriter<IN> createWriter(WriterInitContext context) throws IOException {
        register(context);
        return sink.createWriter(context);
    }

    @Override
    public FileWriter<IN> restoreWriter(
            WriterInitContext context, Collection<FileWriterBucketState> recoveredState)
            throws IOException {
        register(context);
        return sink.restoreWriter(context, recoveredState);
    }

    private void register(WriterInitContext context) {
        context.metricGroup().gauge(OPEN_PART_FILES, (Gauge<Integer>) counted.open::get);
    }

    @Override
    public SimpleVersionedSerializer<FileWriterBucketState> getWriterStateSerializer() {
        return sink.getWriterStateSerializer();
    }

    @Override
    public Collection<String> getCompatibleWriterStateNames() {
        return sink.getCompatibleWriterStateNames();
    }

    @Override
    public Committer<FileSinkCommittable> createCommitter(CommitterInitContext context)
            throws IOException {
        return sink.createCommitter(context);
    }

    @Override
    public SimpleVersionedSerializer<FileSinkCommittable> getCommittableSerializer() {
        return sink.getCommittableSerializer();
    }

    @Override
    public DataStream<CommittableMessage<FileSinkCommittable>> addPreCommitTopology(
            DataStream<CommittableMessage<FileSinkCommittable>> committables) {
        return sink.addPreCommitTopology(committables);
    }

    @Override
    public SimpleVersionedSerializer<FileSinkCommittable> getWriteResultSerializer() {
        return sink.getWriteResultSerializer();
    }

    /**
     * Counts the writers its factory created and has not finished. A writer the FileSink disposes
     * without finishing (the task fails or is cancelled) stays counted, but its task and the gauge
     * go with it; the restored task starts from a fresh copy at zero.
     */
    static final class OpenPartFiles<IN> implements BulkWriter.Factory<IN>, Serializable {
        private static final long serialVersionUID = 1L;

        private final BulkWriter.Factory<IN> writers;
        private final AtomicInteger open = new AtomicInteger();

        OpenPartFiles(BulkWriter.Factory<IN> writers) {
            this.writers = writers;
        }

        @Override
        public BulkWriter<IN> create(FSDataOutputStream out) throws IOException {
            BulkWriter<IN> writer = writers.create(out);
            open.incrementAndGet();
            return new BulkWriter<>() {
                private boolean finished;

                @Override
                public void addElement(IN element) throws IOException {
                    writer.addElement(element);
                }

                @Override
                public void flush() throws IOException {
                    writer.flush();
                }

                @Override
                public void finish() throws IOException {
                    try {
                        writer.finish();
                    } finally {
                        if (!finished) {
                            finished = true;
                            open.decrementAndGet();
                        }
                    }
                }
            };
        }
    }
}
