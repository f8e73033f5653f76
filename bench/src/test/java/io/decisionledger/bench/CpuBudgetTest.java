package io.decisionledger.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Stacks as JFR records them (leaf first), from the 1 M-event profiles, and the step each is. */
class CpuBudgetTest {

    private static final String CHAIN_TASK =
            "dedup-link-chain -> (chain-heads-sink: Writer -> chain-heads-sink: Committer) (1/2)#0";

    @Test
    void theSingleShuffleOperatorsAuditWriterIsTheAuditWriter() {
        assertThat(
                        CpuBudget.classify(
                                CHAIN_TASK,
                                List.of(
                                        "org.apache.parquet.column.impl.ColumnWriterBase.write",
                                        "org.apache.parquet.avro.AvroWriteSupport.write",
                                        "io.decisionledger.lake.MeteredFileSink$OpenPartFiles$1.addElement",
                                        "org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperator.processElement",
                                        "io.decisionledger.ingest.DedupLinkChainOperator.processElement1")))
                .isEqualTo("Parquet: audit writer");
    }

    @Test
    void theMaskingMapsWriterIsTheOpsWriter() {
        assertThat(
                        CpuBudget.classify(
                                CHAIN_TASK,
                                List.of(
                                        "org.apache.parquet.io.api.Binary.equals",
                                        "io.decisionledger.lake.MeteredFileSink$OpenPartFiles$1.addElement",
                                        "org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperator.processElement",
                                        "org.apache.flink.streaming.api.operators.StreamMap.processElement",
                                        "io.decisionledger.ingest.DedupLinkChainOperator.processElement1")))
                .isEqualTo("Parquet: ops writer (masked copy)");
    }

    @Test
    void openingAPartFileIsItsOwnLineWhicheverWriterOpensIt() {
        assertThat(
                        CpuBudget.classify(
                                CHAIN_TASK,
                                List.of(
                                        "org.apache.parquet.hadoop.ParquetWriter.<init>",
                                        "io.decisionledger.lake.ParquetFormats$SpecificRecordParquetBuilder.createWriter",
                                        "io.decisionledger.lake.MeteredFileSink$OpenPartFiles.create",
                                        "org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperator.processElement",
                                        "io.decisionledger.ingest.DedupLinkChainOperator.processElement1")))
                .isEqualTo("Parquet: opening part files (writer set-up, all writers)");
    }

    @Test
    void headsWrittenAtTheBarrierAreTheHeadsWriterAndClosingIsClosing() {
        assertThat(
                        CpuBudget.classify(
                                CHAIN_TASK,
                                List.of(
                                        "org.apache.parquet.avro.AvroWriteSupport.write",
                                        "org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperator.processElement",
                                        "io.decisionledger.ingest.DedupLinkChainOperator.publishHeads",
                                        "io.decisionledger.ingest.DedupLinkChainOperator.prepareSnapshotPreBarrier")))
                .isEqualTo("Parquet: chain-heads writers");
        assertThat(
                        CpuBudget.classify(
                                CHAIN_TASK,
                                List.of(
                                        "org.apache.parquet.hadoop.ParquetFileWriter.end",
                                        "io.decisionledger.lake.MeteredFileSink$OpenPartFiles$1.finish",
                                        "org.apache.flink.streaming.runtime.operators.sink.SinkWriterOperator.prepareSnapshotPreBarrier")))
                .isEqualTo("Parquet: close part files at checkpoints (all writers)");
    }

    @Test
    void theSqlBaselinesFilesystemSinkIsTheSqlWriter() {
        assertThat(
                        CpuBudget.classify(
                                "Source: decisions[1] -> Calc[2] -> StreamingFileWriter (1/2)#0",
                                List.of(
                                        "org.apache.parquet.io.api.Binary.hashCode",
                                        "org.apache.flink.formats.parquet.ParquetBulkWriter.addElement",
                                        "org.apache.flink.connector.file.table.stream.StreamingFileWriter.processElement")))
                .isEqualTo("Parquet: writer (SQL filesystem sink)");
    }

    @Test
    void theOperatorsOwnCodeAndStateIsOneLine() {
        assertThat(
                        CpuBudget.classify(
                                CHAIN_TASK,
                                List.of(
                                        "org.rocksdb.RocksDB.get",
                                        "org.apache.flink.state.rocksdb.RocksDBMapState.get",
                                        "io.decisionledger.ingest.DedupLinkChainOperator.processElement1")))
                .isEqualTo("de-duplication + card link + chain (one operator: code + state)");
    }

    @Test
    void eachThreadsSamplesAreWeightedByTheCpuItUsed() {
        // two task threads sampled alike, but the second got three times the CPU: the first was
        // pre-empted while in Java code (still sampled) for most of the run
        CpuBudget.Samples samples =
                new CpuBudget.Samples(
                        Map.of("A", 100, "B", 100),
                        200,
                        Map.of(11L, Map.of("A", 100), 12L, Map.of("B", 100)));
        Map<Long, ThreadCpu.Task> threads =
                Map.of(
                        11L, new ThreadCpu.Task(11, "task a", 1.0),
                        12L, new ThreadCpu.Task(12, "task b", 3.0),
                        13L, new ThreadCpu.Task(13, "rocksdb:low", 0.5),
                        14L, new ThreadCpu.Task(14, "GC Thread#0", 2.0),
                        15L, new ThreadCpu.Task(15, "C2 CompilerThre", 0.5));

        Map<String, Double> us =
                CpuBudget.microsPerEvent(samples, threads, 7.0, 2.0, 0.5, 1_000_000);

        assertThat(us)
                .containsOnlyKeys(
                        "A",
                        "B",
                        CpuBudget.UNSAMPLED,
                        "GC (collector time)",
                        "JIT (compiler threads)");
        assertThat(us.get("A")).isCloseTo(1.0, within(1e-9));
        assertThat(us.get("B")).isCloseTo(3.0, within(1e-9));
        assertThat(us.get(CpuBudget.UNSAMPLED)).isCloseTo(0.5, within(1e-9));
        assertThat(us.get("GC (collector time)")).isCloseTo(2.0, within(1e-9));
        // by samples alone the two steps would look alike
        Map<String, Double> bySamples = CpuBudget.microsPerEvent(samples, 7.0, 2.0, 0.5, 1_000_000);
        assertThat(bySamples.get("A")).isCloseTo(2.25, within(1e-9));
        assertThat(bySamples.get("B")).isCloseTo(2.25, within(1e-9));
    }

    @Test
    void aThreadWithoutAReadingIsChargedTheAverageAndTheLinesAddUpToTheProcessCpu() {
        CpuBudget.Samples samples =
                new CpuBudget.Samples(
                        Map.of("A", 150, "B", 100),
                        250,
                        Map.of(
                                11L, Map.of("A", 100),
                                12L, Map.of("B", 100),
                                16L, Map.of("A", 50)));
        Map<Long, ThreadCpu.Task> threads =
                Map.of(
                        11L, new ThreadCpu.Task(11, "task a", 1.0),
                        12L, new ThreadCpu.Task(12, "task b", 3.0));

        // thread 16 ended before its first reading: 50 samples at 4 s / 200 samples = 1 s; the
        // Java threads' 10 s (12 - 1.5 - 0.5) are then split 2 : 3 between A and B
        Map<String, Double> us =
                CpuBudget.microsPerEvent(samples, threads, 12.0, 1.5, 0.5, 1_000_000);

        assertThat(us.get("A")).isCloseTo(4.0, within(1e-9));
        assertThat(us.get("B")).isCloseTo(6.0, within(1e-9));
        assertThat(us.values().stream().mapToDouble(Double::doubleValue).sum())
                .isCloseTo(12.0, within(1e-9));
    }
}
