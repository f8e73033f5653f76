package io.decisionledger.bench.jmh;

import io.decisionledger.bench.events.DecisionEventGenerator;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The audit writer as the ingest job's FileSink uses it: one part file per bucket and checkpoint,
 * written through {@link ParquetFormats#writerFor} (the streaming column choices) to a discarding
 * stream, with the page and row-group sizes as parameters ({@code --parquet-page-bytes}, {@code
 * --parquet-row-group-bytes}). One operation is one part file of {@code rows} parsed decisions; the
 * CPU counters give the writer's thread CPU per file. {@code rows=550} is the benchmark lake's mean
 * part file (1 M decisions in 1,800 files at 10 s checkpoints), {@code rows=11000} a busy tenant's
 * file at a one-minute checkpoint interval.
 *
 * <pre>{@code
 * java -cp "bench/target/classes:$(cat bench/target/runtime-classpath.txt)" \
 *   org.openjdk.jmh.Main PartFileBenchmark -f 1 -wi 3 -i 5 -w 5s -r 5s
 * }</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class PartFileBenchmark {

    private static final int POOL = 4096;

    @Param({"262144", "1048576", "4194304"})
    public int pageBytes;

    @Param({"16777216", "67108864"})
    public int rowGroupBytes;

    @Param({"550", "11000"})
    public int rows;

    private List<DecisionRecord> records;
    private BulkWriter.Factory<DecisionRecord> writers;
    private int next;

    @Setup
    public void setUp() {
        records = DecisionEventGenerator.parsedValid(42, POOL);
        writers =
                ParquetFormats.writerFor(
                        DecisionRecord.class,
                        new ParquetSettings(
                                ParquetSettings.DEFAULT_COMPRESSION, rowGroupBytes, pageBytes));
    }

    @Benchmark
    public long partFile(CpuCounters cpu) throws IOException {
        cpu.ops++;
        DiscardingOutputStream out = new DiscardingOutputStream();
        BulkWriter<DecisionRecord> writer = writers.create(out);
        for (int i = 0; i < rows; i++) {
            writer.addElement(records.get(next));
            next = (next + 1) % POOL;
        }
        writer.finish();
        return out.getPos();
    }
}
