package io.decisionledger.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
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
}
