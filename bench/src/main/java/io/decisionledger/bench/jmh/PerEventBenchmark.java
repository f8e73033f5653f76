package io.decisionledger.bench.jmh;

import io.decisionledger.bench.events.DecisionEventGenerator;
import io.decisionledger.bench.events.EventMix;
import io.decisionledger.bench.events.GeneratedEvent;
import io.decisionledger.decision.DecisionParser;
import io.decisionledger.decision.ParseOutcome;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.table.data.RowData;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The per-event work of ingest without Flink around it, on one thread: the reference ceiling for
 * one core. {@code ingestParse} is what the ingest job's Kafka source does per record (strict UTF-8
 * decode, parse, validate, canonical SHA-256, Avro record); {@code ingestParseAndParquet} adds the
 * Snappy Parquet encoding of the audit sink. The {@code flinkJson*} pair is the baseline doing the
 * same steps the way the Flink SQL baseline job does: flink-json into nested {@code RowData}, then
 * the projection to flat columns and flink-parquet's row writer. One op = one event; the events are
 * the generator's valid ones, cycling through a pool that does not fit in a core's L2 cache. {@link
 * CpuCounters} adds the thread's CPU time, for a figure per CPU-second.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class PerEventBenchmark {

    private static final int POOL = 4096;

    private byte[][] events;
    private int next;
    private Instant ingestTime;
    private DecisionParser parser;
    private BulkWriter<DecisionRecord> ingestWriter;
    private FlinkJsonToParquet flink;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        List<GeneratedEvent> generated =
                DecisionEventGenerator.generate(EventMix.validOnly(42, POOL));
        events = generated.stream().map(GeneratedEvent::value).toArray(byte[][]::new);
        ingestTime = Instant.now().truncatedTo(ChronoUnit.MICROS);
        parser = new DecisionParser(ParserLimits.defaults());
        ingestWriter =
                ParquetFormats.writerFor(DecisionRecord.class, ParquetSettings.defaults())
                        .create(new DiscardingOutputStream());
        flink = new FlinkJsonToParquet(new DiscardingOutputStream());
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        ingestWriter.finish();
        flink.finish();
    }

    private byte[] nextEvent() {
        byte[] e = events[next];
        next = (next + 1) % POOL;
        return e;
    }

    private DecisionRecord parse() {
        ParseOutcome outcome = parser.parse(nextEvent(), "bench", 0, next, ingestTime);
        if (!outcome.isAccepted()) {
            throw new IllegalStateException("a valid benchmark event was refused: " + outcome);
        }
        return outcome.decision();
    }

    @Benchmark
    public DecisionRecord ingestParse(CpuCounters cpu) {
        cpu.ops++;
        return parse();
    }

    @Benchmark
    public void ingestParseAndParquet(CpuCounters cpu) throws IOException {
        cpu.ops++;
        ingestWriter.addElement(parse());
    }

    @Benchmark
    public RowData flinkJsonParse(CpuCounters cpu) throws IOException {
        cpu.ops++;
        return flink.parse(nextEvent());
    }

    @Benchmark
    public void flinkJsonParseAndParquet(CpuCounters cpu) throws IOException {
        cpu.ops++;
        flink.write(flink.flatten(flink.parse(nextEvent()), next));
    }
}
