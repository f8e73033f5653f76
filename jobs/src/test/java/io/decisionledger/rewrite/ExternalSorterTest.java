package io.decisionledger.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.testing.SmallFileLake;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.avro.util.Utf8;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The sort hands the writer each record as it was read: the record object itself while the
 * partition fits in the sort buffer (no decode of its encoding), decoded from the encoding once the
 * buffer has spilled; either way the record's encoding is the one the read digest counted.
 */
class ExternalSorterTest {

    private static final LocalDate DAY = LocalDate.of(2026, 3, 10);

    @TempDir Path work;

    private final Map<String, SpecificRecordBase> read = new HashMap<>();
    private final List<FileStatus> files = new ArrayList<>();

    @BeforeEach
    void partition() throws IOException {
        LakeLayout lake = LakeLayout.at(work.resolve("lake").toUri().toString());
        SmallFileLake.write(lake, 400, List.of(DAY), 10, 0, 21);
        Path audit = work.resolve("lake/audit/decisions");
        Path partition;
        try (Stream<Path> dirs = Files.walk(audit)) {
            partition =
                    dirs.filter(d -> d.getFileName().toString().equals("event_date=" + DAY))
                            .findFirst()
                            .orElseThrow();
        }
        files.addAll(LakeFiles.parquetFiles(new org.apache.flink.core.fs.Path(partition.toUri())));
        assertThat(files).hasSizeGreaterThan(3);
        for (FileStatus f : files) {
            try (LakeFiles.RecordStream<? extends SpecificRecordBase> in =
                    LakeFiles.openRecords(f, Dataset.AUDIT.recordClass())) {
                SpecificRecordBase r;
                while ((r = in.next()) != null) {
                    read.put(Dataset.AUDIT.eventId(r), r);
                }
            }
        }
    }

    @ParameterizedTest(name = "raw read: {0}")
    @ValueSource(booleans = {false, true})
    void aPartitionThatFitsTheBufferIsWrittenFromTheRecordsReadNotFromTheirEncoding(boolean raw)
            throws Exception {
        try (ExternalSorter sorter = sorter(64L * 1024 * 1024)) {
            addAll(sorter, raw);
            assertThat(sorter.spilledRuns()).isZero();

            List<SortEntry> merged = drain(sorter);

            assertThat(merged).hasSize(read.size());
            for (SortEntry e : merged) {
                assertThat(e.record).as("entry %s keeps its record", e.id).isNotNull();
                assertThat(sorter.decode(e)).isSameAs(e.record);
                assertThat(sorter.encode(e.record)).isEqualTo(e.bytes);
                assertSameRecord(sorter, e.record, read.get(e.id));
                assertThat(e.record.get(PROMPT)).isInstanceOf(raw ? Utf8.class : String.class);
            }
            assertThat(written(merged).same(sorter.readDigest())).isTrue();
        }
    }

    @ParameterizedTest(name = "raw read: {0}")
    @ValueSource(booleans = {false, true})
    void onceTheBufferSpillsEntriesHoldOnlyTheirEncodingAndAreDecodedToTheRecordsRead(boolean raw)
            throws Exception {
        // a buffer of a few records: the first file already spills
        try (ExternalSorter sorter = sorter(32 * 1024)) {
            addAll(sorter, raw);
            assertThat(sorter.spilledRuns()).isGreaterThan(1);

            List<SortEntry> merged = drain(sorter);

            assertThat(merged).hasSize(read.size());
            for (SortEntry e : merged) {
                assertThat(e.record).as("entry %s after a spill", e.id).isNull();
                assertSameRecord(sorter, sorter.decode(e), read.get(e.id));
            }
            assertThat(written(merged).same(sorter.readDigest())).isTrue();
        }
    }

    @Test
    void keptRecordsCountAgainstTheBufferSoThatAPartitionBeyondItSpillsSooner() throws Exception {
        long encoded = 0;
        try (ExternalSorter probe = sorter(Long.MAX_VALUE)) {
            for (SpecificRecordBase r : read.values()) {
                encoded += probe.encode(r).length;
            }
        }
        // a buffer that would hold every encoding, but not every encoding and its decoded record
        try (ExternalSorter sorter = sorter(encoded + 96L * read.size() + 400L * read.size())) {
            for (FileStatus f : files) {
                sorter.addFile(f, null);
            }
            assertThat(sorter.spilledRuns()).isPositive();
            assertThat(drain(sorter)).hasSize(read.size());
        }
    }

    /**
     * Typed and raw reads admit the same entries: same keys, same encodings, same read digest (what
     * a rewrite is verified against), in the same order.
     */
    @Test
    void typedAndRawReadsGiveTheSameEntriesAndDigest() throws Exception {
        try (ExternalSorter typed = sorter(32 * 1024);
                ExternalSorter raw = sorter(32 * 1024)) {
            addAll(typed, false);
            addAll(raw, true);
            List<SortEntry> a = drain(typed);
            List<SortEntry> b = drain(raw);
            assertThat(b).hasSameSizeAs(a).hasSize(read.size());
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.get(i).id).isEqualTo(a.get(i).id);
                assertThat(b.get(i).s1).isEqualTo(a.get(i).s1);
                assertThat(b.get(i).n1).isEqualTo(a.get(i).n1);
                assertThat(b.get(i).bytes).isEqualTo(a.get(i).bytes);
            }
            assertThat(raw.readDigest().same(typed.readDigest())).isTrue();
        }
    }

    private static final int PROMPT =
            io.decisionledger.schema.DecisionRecord.getClassSchema().getField("prompt").pos();

    private void addAll(ExternalSorter sorter, boolean raw) throws IOException {
        for (FileStatus f : files) {
            if (raw) {
                sorter.addRawFile(f, null);
            } else {
                sorter.addFile(f, null);
            }
        }
    }

    /** The same record: the same Avro encoding (typed and raw records of one row have it). */
    private static void assertSameRecord(
            ExternalSorter sorter, IndexedRecord actual, SpecificRecordBase expected)
            throws IOException {
        assertThat(sorter.encode(actual)).isEqualTo(sorter.encode(expected));
    }

    private ExternalSorter sorter(long bufferBytes) throws IOException {
        return new ExternalSorter(
                Dataset.AUDIT,
                bufferBytes,
                new File[] {work.resolve("tmp").toFile()},
                "audit test partition");
    }

    private static List<SortEntry> drain(ExternalSorter sorter) throws IOException {
        List<SortEntry> out = new ArrayList<>();
        Iterator<SortEntry> it = sorter.merged();
        SortEntry last = null;
        while (it.hasNext()) {
            SortEntry e = it.next();
            if (last != null) {
                assertThat(SortEntry.ORDER.compare(last, e)).isLessThanOrEqualTo(0);
            }
            out.add(e);
            last = e;
        }
        return out;
    }

    private static RecordDigest written(List<SortEntry> entries) {
        RecordDigest d = new RecordDigest();
        for (SortEntry e : entries) {
            d.add(e.bytes, e.id);
        }
        return d;
    }
}
