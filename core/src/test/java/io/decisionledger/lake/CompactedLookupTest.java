package io.decisionledger.lake;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.schema.DecisionRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.core.fs.FileStatus;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A point lookup in a compacted file (sorted by user id, one large row group, bloom filters on the
 * lookup columns) decodes the page that holds its user, not the row group; and with a {@link
 * FooterCache} a file whose bloom filter rules the user out is not opened again.
 */
class CompactedLookupTest {

    private static final Instant T0 = Instant.parse("2026-11-27T08:00:00Z");
    private static final int USERS = 4_000;
    private static final int PER_USER = 3;

    @TempDir Path dir;

    @Test
    void compactedFilesHavePagesOfAtMostTheLookupRowCount() throws Exception {
        // given
        Path file = writeCompacted("compacted-0.parquet", 0);

        // then: one row group, and every column of it in pages of at most 1 000 rows
        try (ParquetFileReader reader = ParquetFileReader.open(new LocalInputFile(file))) {
            assertThat(reader.getFooter().getBlocks()).hasSize(1);
            for (ColumnChunkMetaData column : reader.getFooter().getBlocks().get(0).getColumns()) {
                OffsetIndex pages = reader.readOffsetIndex(column);
                assertThat(pages).as(column.getPath().toDotString()).isNotNull();
                assertThat(pages.getPageCount())
                        .as(column.getPath().toDotString())
                        .isGreaterThanOrEqualTo(
                                USERS * PER_USER / ParquetFormats.COMPACTED_PAGE_ROWS);
                for (int p = 0; p < pages.getPageCount(); p++) {
                    long rows =
                            pages.getLastRowIndex(p, USERS * PER_USER)
                                    - pages.getFirstRowIndex(p)
                                    + 1;
                    assertThat(rows).isLessThanOrEqualTo(ParquetFormats.COMPACTED_PAGE_ROWS);
                }
            }
        }
    }

    @Test
    void aLookupDecodesThePageOfItsUserNotTheRowGroup() throws Exception {
        // given: 12 000 decisions of 4 000 users in one row group
        FileStatus file = status(writeCompacted("compacted-0.parquet", 0));

        // when
        List<DecisionRecord> hits = new ArrayList<>();
        ParquetScan.FileCost cost = lookup(file, userIs("user_02000"), hits, null);

        // then: the user's three decisions, from one page of 1 000 rows (old writer: all 12 000)
        assertThat(hits)
                .extracting(DecisionRecord::getEventId)
                .containsExactly("evt-0-6000", "evt-0-6001", "evt-0-6002");
        assertThat(cost.rowGroups()).isEqualTo(1);
        assertThat(cost.rowGroupsRead()).isEqualTo(1);
        assertThat(cost.rowsMatched()).isEqualTo(3);
        assertThat(cost.rowsDecoded()).isLessThanOrEqualTo(ParquetFormats.COMPACTED_PAGE_ROWS);
    }

    @Test
    void theFooterCacheRulesOutAFileWithoutOpeningIt() throws Exception {
        // given: a file read once through the cache for a user it does not hold
        Path path = writeCompacted("compacted-0.parquet", 0);
        // as listed (a local file's status would otherwise follow the file once it is deleted)
        FileStatus file = Listed.of(status(path));
        FooterCache cache = new FooterCache(1 << 20);
        // between the file's smallest and largest user id: only the bloom filter rules it out
        FilterPredicate absent = userIs("user_02000x");
        ParquetScan.FileCost first = lookup(file, absent, new ArrayList<>(), cache);

        // when: the file is gone, and the same question is asked again
        Files.delete(path);
        ParquetScan.FileCost again = lookup(file, absent, new ArrayList<>(), cache);

        // then: answered from the cache; a user the file may hold still needs the file
        assertThat(first.rowGroups()).isEqualTo(1);
        assertThat(first.rowGroupsScanned()).isZero();
        assertThat(again).isEqualTo(new ParquetScan.FileCost(1, 0, 0, 0, 0));
        assertThatThrownBy(() -> lookup(file, userIs("user_02000"), new ArrayList<>(), cache))
                .isInstanceOf(UnreadableLakeFile.class);
        assertThatThrownBy(() -> lookup(file, absent, new ArrayList<>(), null))
                .isInstanceOf(UnreadableLakeFile.class);
    }

    @Test
    void withTheCacheALookupFindsWhatAFreshReadFinds() throws Exception {
        // given
        FileStatus file = status(writeCompacted("compacted-0.parquet", 0));
        FooterCache cache = new FooterCache(1 << 20);

        for (String user : List.of("user_00000", "user_01234", "user_01234x", "user_03999")) {
            for (int pass = 0; pass < 2; pass++) {
                // when
                List<DecisionRecord> cached = new ArrayList<>();
                List<DecisionRecord> fresh = new ArrayList<>();
                ParquetScan.FileCost viaCache = lookup(file, userIs(user), cached, cache);
                lookup(file, userIs(user), fresh, null);

                // then
                assertThat(cached).as(user).isEqualTo(fresh);
                assertThat(viaCache.rowsMatched()).isEqualTo(fresh.size());
            }
        }
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void rowsComeFromTheFileEvenWhenItsFooterIsCached() throws Exception {
        // given: a cached file, then another file written under the same name
        Path path = writeCompacted("compacted-0.parquet", 0);
        FooterCache cache = new FooterCache(1 << 20);
        lookup(status(path), userIs("user_01000"), new ArrayList<>(), cache);
        Path other = writeCompacted("other.parquet", 7);
        Files.move(other, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        // when
        List<DecisionRecord> hits = new ArrayList<>();
        lookup(status(path), userIs("user_01000"), hits, cache);

        // then
        assertThat(hits).extracting(DecisionRecord::getEventId).first().isEqualTo("evt-7-3000");
    }

    @Test
    void theFooterCacheStaysWithinItsBound() throws Exception {
        // given: a cache with room for about two files' footers and bloom filters
        List<FileStatus> files = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            files.add(status(writeCompacted("compacted-" + i + ".parquet", i)));
        }
        FooterCache probe = new FooterCache(Long.MAX_VALUE);
        lookup(files.get(0), userIs("user_02000x"), new ArrayList<>(), probe);
        long perFile = probe.bytes();
        FooterCache cache = new FooterCache(perFile * 2 + perFile / 2);

        // when
        for (FileStatus f : files) {
            lookup(f, userIs("user_02000x"), new ArrayList<>(), cache);
        }

        // then
        assertThat(perFile).isGreaterThan(4_000);
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.bytes()).isLessThanOrEqualTo(perFile * 2 + perFile / 2);
    }

    private Path writeCompacted(String name, int file) throws Exception {
        Path p = dir.resolve(name);
        try (ParquetWriter<DecisionRecord> w =
                ParquetFormats.compactedWriter(
                        DecisionRecord.class,
                        new LocalOutputFile(p),
                        new ParquetSettings(
                                "ZSTD", 128 * 1024 * 1024, ParquetSettings.DEFAULT_PAGE_BYTES),
                        List.of("event_id", "user_id"),
                        (long) USERS * PER_USER)) {
            // sorted by user id, then event time, as compaction leaves a partition
            for (int i = 0; i < USERS * PER_USER; i++) {
                w.write(decision(file, i));
            }
        }
        return p;
    }

    /** A file status as a listing returned it. */
    private record Listed(long len, long modified, org.apache.flink.core.fs.Path path)
            implements FileStatus {
        static Listed of(FileStatus s) {
            return new Listed(s.getLen(), s.getModificationTime(), s.getPath());
        }

        @Override
        public long getLen() {
            return len;
        }

        @Override
        public long getBlockSize() {
            return 4096;
        }

        @Override
        public short getReplication() {
            return 1;
        }

        @Override
        public long getModificationTime() {
            return modified;
        }

        @Override
        public long getAccessTime() {
            return modified;
        }

        @Override
        public boolean isDir() {
            return false;
        }

        @Override
        public org.apache.flink.core.fs.Path getPath() {
            return path;
        }
    }

    private static FileStatus status(Path p) throws Exception {
        org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(p.toUri());
        return path.getFileSystem().getFileStatus(path);
    }

    private static ParquetScan.FileCost lookup(
            FileStatus file, FilterPredicate filter, List<DecisionRecord> out, FooterCache cache)
            throws Exception {
        return ParquetScan.read(
                file,
                filter,
                SpecificData.getForClass(DecisionRecord.class),
                DecisionRecord.getClassSchema(),
                (DecisionRecord r) -> {
                    out.add(r);
                    return true;
                },
                cache);
    }

    private static FilterPredicate userIs(String user) {
        return FilterApi.eq(FilterApi.binaryColumn("user_id"), Binary.fromString(user));
    }

    private static DecisionRecord decision(int file, int i) {
        DecisionRecord r = new DecisionRecord();
        r.setEventId("evt-" + file + "-" + i);
        r.setEventIdDerived(false);
        r.setEventType("AI_DECISION");
        r.setEventTime(T0.plusSeconds(i % PER_USER));
        r.setTenantId("bank_001");
        r.setUserId(String.format("user_%05d", i / PER_USER));
        r.setModel("gpt-4o");
        r.setModelVersion("gpt-4o-2024-08-06");
        r.setPrompt("Evaluate loan application " + i + " of file " + file);
        r.setSystemPrompt("You are a loan underwriting assistant for bank_001.");
        r.setContextUserHistory(List.of());
        r.setContextRelevantDocuments(List.of());
        r.setResponseContent("{\"approved\":" + (i % 3 == 0) + "}");
        r.setResponseTokens(12L);
        r.setResponseFinishReason("stop");
        r.setDecisionApproved(i % 3 == 0);
        r.setDecisionConfidence(0.5);
        r.setDecisionReasoning("Reason " + i);
        r.setSourceTopic("decisions");
        r.setSourcePartition(0);
        r.setSourceOffset((long) i);
        r.setIngestTime(T0.plusSeconds(1000 + i));
        r.setContentSha256(String.format("%064x", i));
        r.setChainShard(0);
        r.setChainSeq((long) i + 1);
        r.setPrevHash(String.format("%064x", 1000 + i));
        r.setHash(String.format("%064x", 1001 + i));
        r.setModelCardStatus("NO_CARD");
        return r;
    }
}
