package io.decisionledger.access;

import io.decisionledger.decision.FieldDigests;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.AccessLogEntry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * A per-event-id index of the access log, so an evidence bundle finds the accesses to one record
 * without reading every entry. It lives beside the log, under {@code access-log/_index/} (hidden
 * from every Parquet reader), and holds only empty files whose names carry the information, so
 * finding an event's entries is one folder listing:
 *
 * <pre>
 * _index/tenant=&lt;sha256 of the tenant id&gt;/event=&lt;sha256 of the event id&gt;/
 *        &lt;seq 20 digits&gt;_&lt;access date&gt;_&lt;access id&gt;   one per entry naming the event
 * _index/indexed/&lt;seq 20 digits&gt;     entry seq is fully indexed
 * _index/_COMPLETE_FROM_1              every entry since seq 1 is indexed (written after a backfill)
 * </pre>
 *
 * The writers keep it complete: before claiming the next seq a writer indexes the current head if a
 * crash left it unindexed (so only the head can ever be unindexed), and the first append on a log
 * without an index backfills it from the entries (one full read, once). A reader trusts it only
 * when {@code _COMPLETE_FROM_1} exists and the log's head (named by its file) is marked indexed;
 * otherwise it says so and falls back to a full read, so a missing or stale index costs time, never
 * a missed entry. Entries about the access log itself (their record ids are access ids) are not
 * indexed.
 */
public final class AccessLogIndex {

    static final String DIR = "_index";
    static final String COMPLETE = "_COMPLETE_FROM_1";
    private static final Pattern ENTRY_FILE =
            Pattern.compile("access-(\\d{20})-([0-9a-f-]{36})\\.parquet");
    private static final Pattern INDEX_FILE =
            Pattern.compile("(\\d{20})_(\\d{4}-\\d{2}-\\d{2})_([0-9a-f-]{36})");

    /**
     * What the index says about one event id.
     *
     * @param entryFiles the access-log files of the entries that name it, in seq order
     * @param complete false when the index could not be trusted (then entryFiles is empty)
     * @param reason why it could not be trusted, or "index" when it was used
     */
    public record Lookup(List<Path> entryFiles, boolean complete, String reason) {}

    private final LakeLayout lake;

    public AccessLogIndex(LakeLayout lake) {
        this.lake = lake;
    }

    /**
     * Called by a writer before it claims the seq after {@code headSeq} (0: empty log): builds the
     * index from the entries when there is none yet, and indexes the head if its writer stopped
     * between publishing it and indexing it. So every entry below the head is always indexed.
     */
    void beforeAppend(long headSeq, List<Path> headFiles) throws IOException {
        FileSystem fs = root().getFileSystem();
        if (!fs.exists(new Path(root(), COMPLETE))) {
            for (LocalDate d : dates()) {
                for (FileStatus f : LakeFiles.parquetFiles(dateDir(d))) {
                    List<AccessLogEntry> entries = new ArrayList<>();
                    LakeFiles.forEachRecord(f, AccessLogEntry.class, entries::add);
                    for (AccessLogEntry e : entries) {
                        add(e);
                    }
                }
            }
            touch(new Path(root(), COMPLETE));
        } else if (headSeq > 0 && !fs.exists(indexedMarker(headSeq))) {
            for (Path file : headFiles) {
                if (file.getFileSystem().exists(file)) {
                    List<AccessLogEntry> entries = new ArrayList<>();
                    LakeFiles.forEachRecord(
                            file.getFileSystem().getFileStatus(file),
                            AccessLogEntry.class,
                            entries::add);
                    for (AccessLogEntry e : entries) {
                        add(e);
                    }
                    return;
                }
            }
            // Not indexing it would let a bundle miss its accesses: no append until it can be.
            throw new IOException(
                    "cannot index access-log entry " + headSeq + ": its file is missing");
        }
    }

    /** Indexes one entry (idempotent): its event ids, then its "indexed" marker. */
    void add(AccessLogEntry entry) throws IOException {
        if (entry.getTenantId() != null
                && !AccessLog.DATASET_ACCESS_LOG.equals(entry.getDataset())) {
            LocalDate date = LocalDate.ofInstant(entry.getAccessTime(), ZoneOffset.UTC);
            String name =
                    String.format("%020d_%s_%s", entry.getLogSeq(), date, entry.getAccessId());
            Set<String> ids = new LinkedHashSet<>(entry.getRecordIds());
            for (String id : ids) {
                touch(new Path(eventDir(entry.getTenantId(), id), name));
            }
        }
        touch(indexedMarker(entry.getLogSeq()));
    }

    /** The access-log files of every entry naming {@code eventId} in {@code tenant}. */
    public Lookup lookup(String tenant, String eventId) throws IOException {
        FileSystem fs = root().getFileSystem();
        if (!fs.exists(new Path(root(), COMPLETE))) {
            return new Lookup(List.of(), false, "the access-log index does not exist yet");
        }
        long head = headSeq();
        if (head > 0 && !fs.exists(indexedMarker(head))) {
            return new Lookup(
                    List.of(), false, "the access-log index is stale (entry " + head + ")");
        }
        Path dir = eventDir(tenant, eventId);
        List<Path> files = new ArrayList<>();
        if (fs.exists(dir)) {
            FileStatus[] children = fs.listStatus(dir);
            List<String> names = new ArrayList<>();
            for (FileStatus c : children == null ? new FileStatus[0] : children) {
                names.add(c.getPath().getName());
            }
            names.sort(Comparator.naturalOrder());
            for (String n : names) {
                Matcher m = INDEX_FILE.matcher(n);
                if (m.matches()) {
                    files.add(
                            new Path(
                                    dateDir(LocalDate.parse(m.group(2))),
                                    "access-" + m.group(1) + "-" + m.group(3) + ".parquet"));
                }
            }
        }
        return new Lookup(List.copyOf(files), true, "index");
    }

    /** The highest seq among the entry files (names only); 0 for an empty log. */
    long headSeq() throws IOException {
        List<LocalDate> dates = dates();
        for (int i = dates.size() - 1; i >= 0; i--) {
            long max = 0;
            for (FileStatus f : LakeFiles.parquetFiles(dateDir(dates.get(i)))) {
                Matcher m = ENTRY_FILE.matcher(f.getPath().getName());
                if (m.matches()) {
                    max = Math.max(max, Long.parseLong(m.group(1)));
                }
            }
            if (max > 0) {
                return max;
            }
        }
        return 0;
    }

    /** The log's date folders, ascending. */
    List<LocalDate> dates() throws IOException {
        Path root = lake.accessLog();
        FileSystem fs = root.getFileSystem();
        List<LocalDate> dates = new ArrayList<>();
        if (!fs.exists(root)) {
            return dates;
        }
        FileStatus[] children = fs.listStatus(root);
        for (FileStatus c : children == null ? new FileStatus[0] : children) {
            String n = c.getPath().getName();
            if (c.isDir() && n.startsWith("access_date=")) {
                try {
                    dates.add(LocalDate.parse(n.substring("access_date=".length())));
                } catch (DateTimeParseException e) {
                    // not a folder this log writes
                }
            }
        }
        dates.sort(Comparator.naturalOrder());
        return dates;
    }

    Path dateDir(LocalDate d) {
        return new Path(lake.accessLog(), "access_date=" + d);
    }

    private Path root() {
        return new Path(lake.accessLog(), DIR);
    }

    private Path indexedMarker(long seq) {
        return new Path(new Path(root(), "indexed"), String.format("%020d", seq));
    }

    private Path eventDir(String tenant, String eventId) {
        // both hashed: the names are safe folder names whatever the ids hold
        return new Path(
                new Path(root(), "tenant=" + sha256Hex(tenant)), "event=" + sha256Hex(eventId));
    }

    private static String sha256Hex(String s) {
        return HexFormat.of()
                .formatHex(FieldDigests.sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static void touch(Path file) throws IOException {
        FileSystem fs = file.getFileSystem();
        if (fs.exists(file)) {
            return;
        }
        fs.mkdirs(file.getParent());
        try (FSDataOutputStream out = fs.create(file, FileSystem.WriteMode.OVERWRITE)) {
            out.flush();
        }
    }
}
