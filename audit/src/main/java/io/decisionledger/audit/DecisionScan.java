package io.decisionledger.audit;

import io.decisionledger.decision.DecisionParser;
import io.decisionledger.lake.FooterCache;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetScan;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;
import org.apache.parquet.filter2.predicate.FilterApi;
import org.apache.parquet.filter2.predicate.FilterPredicate;
import org.apache.parquet.io.api.Binary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Point and range lookups over one tenant's partitioned decisions ({@code audit/decisions} or the
 * masked {@code ops/decisions}), reading as little as possible: partition folders are chosen by
 * date ({@code event_date} is the UTC date of the event time, so a late event is in the folder of
 * the day it happened), and within a folder every file is read through {@link ParquetScan} with the
 * subject, time bound or event id pushed down as a Parquet predicate.
 *
 * <p>The folder name is not trusted for the tenant: every row's own {@code tenant_id} is compared
 * with the tenant asked for, and a row of another tenant (a misfiled or planted file) is never
 * returned; it is counted in the query's {@link ScanStats} and logged with its file (no values).
 */
final class DecisionScan<T extends SpecificRecordBase> {

    private static final Logger LOG = LoggerFactory.getLogger(DecisionScan.class);

    /**
     * Files read concurrently, shared by all queries of the JVM: on an object store a file's footer
     * is I/O-bound; locally it is CPU-bound and this changes little.
     */
    static final int PARALLEL_READS = 8;

    /**
     * Partition folders read at once while a point lookup walks back from the newest: enough to
     * overlap the footer and bloom-filter reads of the folders the filters rule out, few enough
     * that the reads wasted past the answer stay small.
     */
    static final int LOOK_AHEAD = 4;

    private static final ExecutorService READERS =
            Executors.newFixedThreadPool(
                    PARALLEL_READS,
                    r -> {
                        Thread t = new Thread(r, "audit-lake-reader");
                        t.setDaemon(true);
                        return t;
                    });

    /**
     * Footers and bloom filters of the files read, shared by all queries of the JVM (the API serves
     * many; a CLI run may ask several questions): a lookup's walk back through a tenant's
     * partitions then rules most of them out in memory. Bounded by {@link #FOOTER_CACHE_BYTES}.
     */
    static final long FOOTER_CACHE_BYTES = 64L * 1024 * 1024;

    private static final FooterCache FOOTERS = new FooterCache(FOOTER_CACHE_BYTES);

    /** A record and the file it was read from. */
    record Found<T>(T record, String file) {}

    private final Path dataset;
    private final Schema schema;
    private final SpecificData model;
    private final Function<T, Instant> eventTime;
    private final Function<T, Instant> ingestTime;
    private final Function<T, String> eventId;
    private final Comparator<Found<T>> order;

    private DecisionScan(
            Path dataset,
            Class<T> type,
            Function<T, Instant> eventTime,
            Function<T, Instant> ingestTime,
            Function<T, String> eventId) {
        this.dataset = dataset;
        this.model = SpecificData.getForClass(type);
        this.schema = model.getSchema(type);
        this.eventTime = eventTime;
        this.ingestTime = ingestTime;
        this.eventId = eventId;
        // Latest = latest event time; two decisions in the same microsecond are ordered by when
        // they were ingested, then by event id, so the answer never depends on file order.
        this.order =
                Comparator.comparing((Found<T> f) -> eventTime.apply(f.record()))
                        .thenComparing(f -> ingestTime.apply(f.record()))
                        .thenComparing(f -> eventId.apply(f.record()));
    }

    static DecisionScan<DecisionRecord> audit(LakeLayout lake) {
        return new DecisionScan<>(
                lake.auditDecisions(),
                DecisionRecord.class,
                DecisionRecord::getEventTime,
                DecisionRecord::getIngestTime,
                DecisionRecord::getEventId);
    }

    static DecisionScan<OpsDecisionRecord> ops(LakeLayout lake) {
        return new DecisionScan<>(
                lake.opsDecisions(),
                OpsDecisionRecord.class,
                OpsDecisionRecord::getEventTime,
                OpsDecisionRecord::getIngestTime,
                OpsDecisionRecord::getEventId);
    }

    Comparator<Found<T>> order() {
        return order;
    }

    /** The latest record about {@code subject} with event time at or before {@code at}. */
    Optional<Found<T>> latestAtOrBefore(String tenant, Subject subject, Instant at, ScanStats stats)
            throws IOException {
        LocalDate last = utcDate(at);
        FilterPredicate filter =
                FilterApi.and(
                        subjectIs(subject),
                        FilterApi.ltEq(FilterApi.longColumn("event_time"), micros(at)));
        List<LocalDate> newestFirst = new ArrayList<>();
        for (LocalDate d : partitions(tenant)) {
            if (!d.isAfter(last)) {
                newestFirst.add(0, d);
            }
        }
        // Every record of an older folder happened on an earlier day: the newest folder with a
        // match holds the answer.
        return newestWithHits(tenant, newestFirst, filter, stats, false).stream().max(order);
    }

    /**
     * Every record about {@code subject} with {@code from <= event time < toExclusive}, ordered.
     */
    List<Found<T>> between(
            String tenant, Subject subject, Instant from, Instant toExclusive, ScanStats stats)
            throws IOException {
        FilterPredicate filter =
                FilterApi.and(
                        subjectIs(subject),
                        FilterApi.and(
                                FilterApi.gtEq(FilterApi.longColumn("event_time"), micros(from)),
                                FilterApi.lt(
                                        FilterApi.longColumn("event_time"), micros(toExclusive))));
        LocalDate first = utcDate(from);
        LocalDate last = utcDate(toExclusive.minusNanos(1));
        List<Found<T>> hits = new ArrayList<>();
        for (LocalDate d : partitions(tenant)) {
            if (!d.isBefore(first) && !d.isAfter(last)) {
                hits.addAll(scanPartition(tenant, d, filter, stats, false));
            }
        }
        hits.sort(order);
        return hits;
    }

    /**
     * The record with this event id, newest partitions first, stopping at the first hit (ingest
     * stores each event id once per tenant, and VerifyJob checks it).
     */
    Optional<Found<T>> byEventId(String tenant, String id, ScanStats stats) throws IOException {
        FilterPredicate filter =
                FilterApi.eq(FilterApi.binaryColumn("event_id"), Binary.fromString(id));
        List<LocalDate> newestFirst = new ArrayList<>(partitions(tenant));
        java.util.Collections.reverse(newestFirst);
        return newestWithHits(tenant, newestFirst, filter, stats, true).stream().findFirst();
    }

    /**
     * The matches of the first partition of {@code newestFirst} that has any (empty if none),
     * reading up to {@link #LOOK_AHEAD} partitions at once: a walk back usually passes many
     * partitions that the bloom filters rule out, and waiting for each in turn would add up their
     * latencies. Partitions read ahead of the one with the answer are not counted in {@code stats}
     * (their reads are abandoned; those not started yet are cancelled).
     */
    private List<Found<T>> newestWithHits(
            String tenant,
            List<LocalDate> newestFirst,
            FilterPredicate filter,
            ScanStats stats,
            boolean first)
            throws IOException {
        java.util.ArrayDeque<List<Future<FileHits<T>>>> pending = new java.util.ArrayDeque<>();
        int next = 0;
        try {
            while (next < newestFirst.size() || !pending.isEmpty()) {
                while (next < newestFirst.size() && pending.size() < LOOK_AHEAD) {
                    pending.add(submit(tenant, newestFirst.get(next++), filter, first));
                }
                List<Found<T>> hits = collect(pending.poll(), stats, first);
                if (!hits.isEmpty()) {
                    return hits;
                }
            }
            return List.of();
        } finally {
            // running reads finish on their own; an interrupt would close a shared stream
            pending.forEach(reads -> reads.forEach(r -> r.cancel(false)));
        }
    }

    /**
     * One page of {@link #between}: at most {@code limit} records in order, strictly after {@code
     * after} (null: from the start). Partitions are read in date order and the scan stops after the
     * first partition that brings the matches to {@code limit + 1}; within a partition (whose files
     * are in no order) only the {@code limit + 1} smallest matches are kept, so memory is bounded
     * by the page, not by the subject's history.
     *
     * @return the page, with one more record than {@code limit} when there are more
     */
    List<Found<T>> betweenPage(
            String tenant,
            Subject subject,
            Instant from,
            Instant toExclusive,
            Position after,
            int limit,
            ScanStats stats)
            throws IOException {
        Instant start =
                after == null || after.eventTime().isBefore(from) ? from : after.eventTime();
        FilterPredicate filter =
                FilterApi.and(
                        subjectIs(subject),
                        FilterApi.and(
                                FilterApi.gtEq(FilterApi.longColumn("event_time"), micros(start)),
                                FilterApi.lt(
                                        FilterApi.longColumn("event_time"), micros(toExclusive))));
        LocalDate first = utcDate(start);
        LocalDate last = utcDate(toExclusive.minusNanos(1));
        Smallest<T> kept = new Smallest<>(order, limit + 1, after == null ? null : after::isBefore);
        for (LocalDate d : partitions(tenant)) {
            if (!d.isBefore(first) && !d.isAfter(last)) {
                scanPartitionInto(tenant, d, filter, stats, kept);
                if (kept.full()) {
                    // every record of a later folder happened on a later day
                    break;
                }
            }
        }
        return kept.sorted();
    }

    /**
     * Every record with this event id, at most {@code cap}: ingest stores each event id once per
     * tenant within its de-duplication window, but a re-send after it is stored again, so every
     * partition is read and all of them are returned (oldest first), never just the first found.
     */
    List<Found<T>> allByEventId(String tenant, String id, int cap, ScanStats stats)
            throws IOException {
        FilterPredicate filter =
                FilterApi.eq(FilterApi.binaryColumn("event_id"), Binary.fromString(id));
        Smallest<T> kept = new Smallest<>(order, cap, null);
        for (LocalDate d : partitions(tenant)) {
            scanPartitionInto(tenant, d, filter, stats, kept);
        }
        return kept.sorted();
    }

    /** Where a page ended: the order's key of its last record. */
    record Position(Instant eventTime, Instant ingestTime, String eventId) {
        /** True when {@code f} comes strictly after this position. */
        <R extends SpecificRecordBase> boolean isBefore(Found<R> f) {
            Instant t = (Instant) f.record().get("event_time");
            Instant i = (Instant) f.record().get("ingest_time");
            String e = String.valueOf(f.record().get("event_id"));
            int c = t.compareTo(eventTime);
            if (c == 0) {
                c = i.compareTo(ingestTime);
            }
            if (c == 0) {
                c = e.compareTo(eventId);
            }
            return c > 0;
        }

        static <R extends SpecificRecordBase> Position of(Found<R> f) {
            return new Position(
                    (Instant) f.record().get("event_time"),
                    (Instant) f.record().get("ingest_time"),
                    String.valueOf(f.record().get("event_id")));
        }
    }

    /** The {@code cap} smallest records offered, in a bounded max-heap; thread-safe. */
    private static final class Smallest<T> {
        private final Comparator<Found<T>> order;
        private final int cap;
        private final java.util.function.Predicate<Found<T>> accept;
        private final java.util.PriorityQueue<Found<T>> heap;

        Smallest(
                Comparator<Found<T>> order,
                int cap,
                java.util.function.Predicate<Found<T>> accept) {
            this.order = order;
            this.cap = cap;
            this.accept = accept;
            this.heap = new java.util.PriorityQueue<>(Math.min(cap, 1024) + 1, order.reversed());
        }

        synchronized void offer(Found<T> f) {
            if (accept != null && !accept.test(f)) {
                return;
            }
            if (heap.size() < cap) {
                heap.add(f);
            } else if (order.compare(f, heap.peek()) < 0) {
                heap.poll();
                heap.add(f);
            }
        }

        synchronized boolean full() {
            return heap.size() >= cap;
        }

        synchronized List<Found<T>> sorted() {
            List<Found<T>> out = new ArrayList<>(heap);
            out.sort(order);
            return out;
        }
    }

    private void scanPartitionInto(
            String tenant,
            LocalDate date,
            FilterPredicate filter,
            ScanStats stats,
            Smallest<T> kept)
            throws IOException {
        stats.partition();
        Path dir = new Path(tenantDir(tenant), "event_date=" + date);
        List<FileStatus> files = LakeFiles.parquetFiles(dir);
        List<Future<ParquetScan.FileCost>> reads = new ArrayList<>(files.size());
        java.util.concurrent.atomic.AtomicLong otherTenant =
                new java.util.concurrent.atomic.AtomicLong();
        for (FileStatus file : files) {
            String path = file.getPath().toString();
            reads.add(
                    READERS.submit(
                            () ->
                                    ParquetScan.<T>read(
                                            file,
                                            filter,
                                            model,
                                            schema,
                                            r -> {
                                                // the row's own tenant_id decides, not the folder
                                                if (isOfTenant(r, tenant)) {
                                                    kept.offer(new Found<>(r, path));
                                                } else {
                                                    otherTenant.incrementAndGet();
                                                }
                                                return true;
                                            },
                                            FOOTERS)));
        }
        IOException failure = null;
        for (Future<ParquetScan.FileCost> read : reads) {
            try {
                stats.file(read.get());
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure =
                            e.getCause() instanceof IOException io
                                    ? io
                                    : new IOException("reading a lake file failed", e.getCause());
                }
            } catch (InterruptedException e) {
                reads.forEach(r -> r.cancel(true));
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading the lake", e);
            }
        }
        if (otherTenant.get() > 0) {
            stats.rowsOfAnotherTenant(otherTenant.get());
            warnOtherTenant(otherTenant.get(), dir.toString());
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The tenant's partition dates, ascending; empty for an unknown tenant. */
    List<LocalDate> partitions(String tenant) throws IOException {
        Path dir = tenantDir(tenant);
        FileSystem fs = dir.getFileSystem();
        List<LocalDate> dates = new ArrayList<>();
        if (!fs.exists(dir)) {
            return dates;
        }
        FileStatus[] children = fs.listStatus(dir);
        if (children == null) {
            return dates;
        }
        for (FileStatus child : children) {
            String name = child.getPath().getName();
            if (child.isDir() && name.startsWith("event_date=")) {
                try {
                    dates.add(LocalDate.parse(name.substring("event_date=".length())));
                } catch (DateTimeParseException e) {
                    // not a partition folder this layout writes: not ours to read
                }
            }
        }
        dates.sort(Comparator.naturalOrder());
        return dates;
    }

    /**
     * Reads every file of one partition folder, {@link #PARALLEL_READS} at a time: opening a file
     * costs a footer read, one or two round trips on an object store, and streaming partitions hold
     * many small files (one per checkpoint and writer) until compaction merges them.
     */
    private List<Found<T>> scanPartition(
            String tenant, LocalDate date, FilterPredicate filter, ScanStats stats, boolean first)
            throws IOException {
        return collect(submit(tenant, date, filter, first), stats, first);
    }

    /** Starts reading every file of one partition folder on the shared readers. */
    private List<Future<FileHits<T>>> submit(
            String tenant, LocalDate date, FilterPredicate filter, boolean first)
            throws IOException {
        Path dir = new Path(tenantDir(tenant), "event_date=" + date);
        List<FileStatus> files = LakeFiles.parquetFiles(dir);
        List<Future<FileHits<T>>> reads = new ArrayList<>(files.size());
        for (FileStatus file : files) {
            reads.add(READERS.submit(() -> read(file, tenant, filter, first)));
        }
        return reads;
    }

    /** Waits for one partition's reads (from {@link #submit}) and returns its matches. */
    private List<Found<T>> collect(List<Future<FileHits<T>>> reads, ScanStats stats, boolean first)
            throws IOException {
        stats.partition();
        List<Found<T>> hits = new ArrayList<>();
        IOException failure = null;
        for (Future<FileHits<T>> read : reads) {
            try {
                FileHits<T> h = read.get();
                stats.file(h.cost());
                stats.rowsOfAnotherTenant(h.otherTenant());
                hits.addAll(h.hits());
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure =
                            e.getCause() instanceof IOException io
                                    ? io
                                    : new IOException("reading a lake file failed", e.getCause());
                }
            } catch (InterruptedException e) {
                reads.forEach(r -> r.cancel(true));
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while reading the lake", e);
            }
        }
        if (failure != null) {
            throw failure;
        }
        return first && hits.size() > 1 ? hits.subList(0, 1) : hits;
    }

    private static void warnOtherTenant(long rows, String where) {
        LOG.warn(
                "skipped {} row(s) in {} whose tenant_id is not the folder's tenant: a misfiled or"
                        + " planted file; they are not returned",
                rows,
                where);
    }

    private static boolean isOfTenant(SpecificRecordBase r, String tenant) {
        Object rowTenant = r.get("tenant_id");
        return rowTenant != null && tenant.equals(rowTenant.toString());
    }

    /** One file's matches, the matching rows it held of another tenant, and what it cost. */
    private record FileHits<T>(ParquetScan.FileCost cost, List<Found<T>> hits, long otherTenant) {}

    private FileHits<T> read(FileStatus file, String tenant, FilterPredicate filter, boolean first)
            throws IOException {
        String path = file.getPath().toString();
        List<Found<T>> hits = new ArrayList<>();
        long[] otherTenant = {0};
        ParquetScan.FileCost cost =
                ParquetScan.<T>read(
                        file,
                        filter,
                        model,
                        schema,
                        r -> {
                            if (!isOfTenant(r, tenant)) {
                                otherTenant[0]++;
                                return true;
                            }
                            hits.add(new Found<>(r, path));
                            return !first;
                        },
                        FOOTERS);
        if (otherTenant[0] > 0) {
            warnOtherTenant(otherTenant[0], path);
        }
        return new FileHits<>(cost, hits, otherTenant[0]);
    }

    private Path tenantDir(String tenant) {
        if (tenant == null || !DecisionParser.isValidTenantId(tenant)) {
            throw new IllegalArgumentException(
                    "not a valid tenant id (letters, digits, '_', '-', single '.')");
        }
        return new Path(dataset, "tenant_id=" + tenant);
    }

    private static FilterPredicate subjectIs(Subject subject) {
        return FilterApi.eq(
                FilterApi.binaryColumn(subject.kind().column()),
                Binary.fromString(subject.value()));
    }

    static long micros(Instant t) {
        return Math.addExact(
                Math.multiplyExact(t.getEpochSecond(), 1_000_000L), t.getNano() / 1_000);
    }

    static LocalDate utcDate(Instant t) {
        return LocalDate.ofInstant(t, ZoneOffset.UTC);
    }
}
