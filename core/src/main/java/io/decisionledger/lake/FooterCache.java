package io.decisionledger.lake;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.core.fs.FileStatus;
import org.apache.parquet.column.values.bloomfilter.BloomFilter;
import org.apache.parquet.filter2.bloomfilterlevel.BloomFilterImpl;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.filter2.statisticslevel.StatisticsFilter;
import org.apache.parquet.hadoop.BloomFilterReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * Footers and bloom filters of lake files, kept across point queries in a long-running reader (the
 * audit API, or one audit CLI run answering many questions), so that a lookup rules out the files
 * that cannot hold its subject without opening them: a {@code decision-at} walks back through a
 * tenant's partitions and most of them are ruled out by the user-id bloom filter, which is then a
 * hash probe in memory instead of a file open, a footer parse and a read of the filter.
 *
 * <p>An entry is keyed by the file's path, length and modification time, so a rewritten file is a
 * new entry (lake files are written once under unique names; compaction and retention write new
 * ones). Only pruning uses the cache: rows are always read from the file itself, and a file whose
 * footer on disk differs from the cached one replaces the entry. Memory is bounded by {@code
 * maxBytes}, estimated from each footer's column chunks and each bloom filter's size, least
 * recently used first out. Thread-safe.
 */
public final class FooterCache {

    /** Estimated heap per column chunk of a parsed footer (metadata, statistics, paths). */
    private static final long BYTES_PER_COLUMN_CHUNK = 600;

    private final long maxBytes;
    private final LinkedHashMap<Key, Entry> entries = new LinkedHashMap<>(256, 0.75f, true);
    private long bytes;

    public FooterCache(long maxBytes) {
        if (maxBytes < 0) {
            throw new IllegalArgumentException("a footer cache's size cannot be negative");
        }
        this.maxBytes = maxBytes;
    }

    /** Which version of which file. */
    record Key(String path, long length, long modified) {
        static Key of(FileStatus file) {
            return new Key(file.getPath().toString(), file.getLen(), file.getModificationTime());
        }
    }

    /** Estimated bytes held. */
    public synchronized long bytes() {
        return bytes;
    }

    /** Files held. */
    public synchronized int size() {
        return entries.size();
    }

    synchronized Entry get(Key key) {
        return entries.get(key);
    }

    /** The entry for {@code key} with this footer: the cached one if its footer is the same. */
    Entry remember(Key key, ParquetMetadata footer) {
        synchronized (this) {
            Entry known = entries.get(key);
            if (known != null && sameLayout(known.footer, footer)) {
                return known;
            }
            if (known != null) {
                bytes -= known.weight;
                known.live = false;
            }
            Entry e = new Entry(this, footer);
            e.live = true;
            entries.put(key, e);
            bytes += e.weight;
            evict();
            return e;
        }
    }

    private synchronized void grew(Entry e, long by) {
        if (e.live) {
            e.weight += by;
            bytes += by;
            evict();
        }
    }

    private void evict() {
        Iterator<Map.Entry<Key, Entry>> it = entries.entrySet().iterator();
        while (bytes > maxBytes && it.hasNext()) {
            Entry e = it.next().getValue();
            bytes -= e.weight;
            e.live = false;
            it.remove();
        }
    }

    /** Same row groups at the same offsets with the same row counts. */
    private static boolean sameLayout(ParquetMetadata a, ParquetMetadata b) {
        List<BlockMetaData> x = a.getBlocks();
        List<BlockMetaData> y = b.getBlocks();
        if (x.size() != y.size()) {
            return false;
        }
        for (int i = 0; i < x.size(); i++) {
            if (x.get(i).getRowCount() != y.get(i).getRowCount()
                    || x.get(i).getStartingPos() != y.get(i).getStartingPos()
                    || x.get(i).getColumns().size() != y.get(i).getColumns().size()) {
                return false;
            }
        }
        return a.getFileMetaData().getSchema().equals(b.getFileMetaData().getSchema());
    }

    /** One file's footer and the bloom filters read from it so far. */
    static final class Entry {
        private static final Object ABSENT = new Object();

        private final FooterCache owner;
        final ParquetMetadata footer;

        /** Per row group: column path to its BloomFilter, or ABSENT when it has none. */
        private final List<Map<ColumnPath, Object>> blooms;

        /** Guarded by the owner's lock. */
        private long weight;

        /** Held by the cache (guarded by the owner's lock). */
        private boolean live;

        private Entry(FooterCache owner, ParquetMetadata footer) {
            this.owner = owner;
            this.footer = footer;
            List<Map<ColumnPath, Object>> perRowGroup = new ArrayList<>();
            for (int i = 0; i < footer.getBlocks().size(); i++) {
                perRowGroup.add(new ConcurrentHashMap<>());
            }
            this.blooms = perRowGroup;
            long chunks = 0;
            for (BlockMetaData b : footer.getBlocks()) {
                chunks += b.getColumns().size();
            }
            this.weight = 1024 + chunks * BYTES_PER_COLUMN_CHUNK;
        }

        int rowGroups() {
            return footer.getBlocks().size();
        }

        /**
         * True when no row group can match {@code filter}, judged by statistics and the bloom
         * filters already cached (a filter not read yet cannot rule anything out).
         */
        boolean rulesOut(FilterPredicate filter) {
            for (int i = 0; i < rowGroups(); i++) {
                if (!canDrop(i, filter, null)) {
                    return false;
                }
            }
            return true;
        }

        /**
         * True when row group {@code i} cannot match, by its statistics or its bloom filters
         * (reading those it lacks from {@code file} when given, and keeping them).
         */
        boolean canDrop(int i, FilterPredicate filter, ParquetFileReader file) {
            BlockMetaData block = footer.getBlocks().get(i);
            List<ColumnChunkMetaData> columns = block.getColumns();
            return StatisticsFilter.canDrop(filter, columns)
                    || BloomFilterImpl.canDrop(filter, columns, new Blooms(this, i, block, file));
        }

        private BloomFilter bloom(int i, ColumnChunkMetaData column, ParquetFileReader file) {
            Map<ColumnPath, Object> known = blooms.get(i);
            Object b = known.get(column.getPath());
            if (b == null && file != null) {
                BloomFilter read;
                try {
                    read = file.readBloomFilter(column);
                } catch (IOException e) {
                    // parquet-mr's own reader treats an unreadable filter as "no filter" too
                    read = null;
                }
                b = read == null ? ABSENT : read;
                if (known.putIfAbsent(column.getPath(), b) == null && read != null) {
                    owner.grew(this, read.getBitsetSize() + 64L);
                }
            }
            return b instanceof BloomFilter f ? f : null;
        }
    }

    /** The bloom filters of one row group, from the cache (and the file, when open). */
    private static final class Blooms extends BloomFilterReader {
        private final Entry entry;
        private final int rowGroup;
        private final ParquetFileReader file;

        Blooms(Entry entry, int rowGroup, BlockMetaData block, ParquetFileReader file) {
            super(file, block);
            this.entry = entry;
            this.rowGroup = rowGroup;
            this.file = file;
        }

        @Override
        public BloomFilter readBloomFilter(ColumnChunkMetaData meta) {
            return entry.bloom(rowGroup, meta, file);
        }
    }
}
