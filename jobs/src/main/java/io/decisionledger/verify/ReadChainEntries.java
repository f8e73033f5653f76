package io.decisionledger.verify;

import io.decisionledger.chain.ChainEntry;
import io.decisionledger.chain.RecordVerifier;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.PartitionPath;
import io.decisionledger.lake.UnreadableLakeFile;
import io.decisionledger.schema.DecisionRecord;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Reads one audit Parquet file and emits a {@link ChainEntry} per record, with both hashes
 * recomputed from the stored fields under the record's layout ({@link RecordVerifier}): the
 * per-record half of verification, parallel across files. Counts records per layout and erased
 * records per erasure request in accumulators ({@link #LAYOUT_ACCUMULATOR_PREFIX}, {@link
 * #ERASED_ACCUMULATOR_PREFIX}).
 *
 * <p>A file that cannot be read (truncated, not Parquet, a page that does not decode) is not a
 * reason to stop verifying the rest of the lake, nor one to pass over in silence: it becomes an
 * {@link ViolationKind#UNREADABLE_FILE} violation naming it, on the {@link #UNREADABLE} side
 * output, and is counted in {@link #UNREADABLE_ACCUMULATOR}. Records read before the damage are
 * verified as usual; the chain check then reports the ones the damage hid as a gap.
 */
public final class ReadChainEntries extends ProcessFunction<String, ChainEntry> {
    private static final long serialVersionUID = 1L;

    static final String RECORDS_ACCUMULATOR = "records-read";
    static final String FILES_ACCUMULATOR = "files-read";
    static final String UNREADABLE_ACCUMULATOR = "files-unreadable";
    static final String BYTES_ACCUMULATOR = "bytes-read";

    /** Flink metrics of each reading subtask: files, records and bytes read so far. */
    public static final String METRIC_FILES = "verifyFilesRead";

    public static final String METRIC_RECORDS = "verifyRecordsRead";
    public static final String METRIC_BYTES = "verifyBytesRead";

    /** One violation per audit file that could not be read to its end. */
    static final OutputTag<Violation> UNREADABLE =
            new OutputTag<>("unreadable-files", TypeInformation.of(Violation.class));

    /** Followed by 2, 3 or "unknown": records verified under that layout. */
    static final String LAYOUT_ACCUMULATOR_PREFIX = "records-layout-";

    /** Followed by an erasure request id: records with columns erased under it. */
    static final String ERASED_ACCUMULATOR_PREFIX = "records-erased-by-";

    /** The files this job reads, to name each by its position; empty: entries carry the path. */
    private final String[] fileList;

    private transient java.util.Map<String, Integer> fileIndex;
    private transient RecordVerifier verifier;
    private transient LongCounter records;
    private transient LongCounter files;
    private transient LongCounter unreadable;
    private transient LongCounter bytes;
    private transient org.apache.flink.metrics.Counter filesMetric;
    private transient org.apache.flink.metrics.Counter recordsMetric;
    private transient org.apache.flink.metrics.Counter bytesMetric;

    /** The layout counters by layout (0: unknown), and the erased counters by request id. */
    private transient LongCounter[] layoutCounters;

    private transient java.util.Map<String, LongCounter> erasedCounters;

    /** The file being read, its folder, and the event-time range [from, to) that folder holds. */
    private transient String placedFile;

    private transient String placedTenant;
    private transient long placedFrom;
    private transient long placedTo;

    /** Entries carry their file's path. */
    public ReadChainEntries() {
        this(new String[0]);
    }

    /**
     * Entries name their file by its position in {@code files} when it is there ({@link
     * ChainEntry#fileIndex}); the checker gets the same list.
     */
    public ReadChainEntries(String[] files) {
        this.fileList = files.clone();
    }

    @Override
    public void open(OpenContext openContext) {
        verifier = new RecordVerifier();
        fileIndex = new java.util.HashMap<>(fileList.length * 2);
        for (int i = 0; i < fileList.length; i++) {
            fileIndex.putIfAbsent(fileList[i], i);
        }
        records = getRuntimeContext().getLongCounter(RECORDS_ACCUMULATOR);
        files = getRuntimeContext().getLongCounter(FILES_ACCUMULATOR);
        unreadable = getRuntimeContext().getLongCounter(UNREADABLE_ACCUMULATOR);
        bytes = getRuntimeContext().getLongCounter(BYTES_ACCUMULATOR);
        org.apache.flink.metrics.MetricGroup group = getRuntimeContext().getMetricGroup();
        filesMetric = group.counter(METRIC_FILES);
        recordsMetric = group.counter(METRIC_RECORDS);
        bytesMetric = group.counter(METRIC_BYTES);
        layoutCounters = new LongCounter[4];
        erasedCounters = new java.util.HashMap<>();
    }

    @Override
    public void processElement(String file, Context ctx, Collector<ChainEntry> out)
            throws Exception {
        Path path = new Path(file);
        FileStatus status = path.getFileSystem().getFileStatus(path);
        long[] read = {0};
        int index = fileIndex.getOrDefault(file, -1);
        try {
            LakeFiles.forEachRecord(
                    status,
                    DecisionRecord.class,
                    r -> {
                        ChainEntry e = entry(r, file);
                        if (index >= 0) {
                            e.file = null;
                            e.fileIndex = index;
                        }
                        out.collect(e);
                        read[0]++;
                    });
        } catch (UnreadableLakeFile e) {
            unreadable.add(1);
            ctx.output(UNREADABLE, unreadable(file, e, read[0]));
        }
        files.add(1);
        filesMetric.inc();
        bytes.add(status.getLen());
        bytesMetric.inc(status.getLen());
    }

    static Violation unreadable(String file, UnreadableLakeFile e, long recordsRead) {
        int tenant = file.lastIndexOf("/tenant_id=");
        String tenantId =
                tenant < 0
                        ? null
                        : file.substring(
                                tenant + "/tenant_id=".length(), file.indexOf('/', tenant + 1));
        return Violation.of(
                ViolationKind.UNREADABLE_FILE,
                tenantId,
                0,
                -1,
                -1,
                file,
                e.getMessage()
                        + "; "
                        + recordsRead
                        + " record(s) before the damage were read and verified, the rest of the"
                        + " file was not");
    }

    ChainEntry entry(DecisionRecord r, String file) {
        ChainEntry e = new ChainEntry();
        e.tenantId = r.getTenantId();
        e.eventId = r.getEventId();
        e.file = file;
        e.misplaced = inItsFolder(r, file) ? null : misplaced(r, file);
        RecordVerifier.Result checked = verifier.verifyContent(r);
        e.contentOk = checked.contentOk();
        e.layout = checked.layout() == null ? 0 : checked.layout().number();
        e.layoutProblem = checked.problem();
        e.erasureRequestId = checked.erasure() == null ? null : checked.erasure().requestId();
        if (r.getChainSeq() == null || r.getHash() == null || r.getPrevHash() == null) {
            e.seq = -1;
            e.chainShard = r.getChainShard() == null ? 0 : r.getChainShard();
        } else {
            e.seq = r.getChainSeq();
            e.chainShard = r.getChainShard() == null ? 0 : r.getChainShard();
            e.setHashes(r.getPrevHash(), r.getHash());
            e.hashOk = verifier.chainHashMatches(e.prevHashBytes, r, e.hashBytes);
        }
        records.add(1);
        recordsMetric.inc();
        count(e);
        return e;
    }

    /**
     * Null when {@code file} sits in the {@code tenant_id=T/event_date=D} folder the record's own
     * tenant_id and event time name; otherwise both folders. Readers that trust the Hive partition
     * columns (DuckDB, Spark, Athena) would count a misplaced row for the folder's tenant and date,
     * and neither the folder nor the file name is in any hash, so this check is what catches a file
     * moved to another tenant or day.
     */
    static String misplaced(DecisionRecord r, String file) {
        String own = PartitionPath.tenantDate(r.getTenantId(), r.getEventTime());
        if (file.contains("/" + own + "/")) {
            return null;
        }
        return "stored under "
                + folderOf(file)
                + " but its tenant_id and event_time belong in "
                + own;
    }

    /**
     * True when {@code r}'s tenant and event day are those of the folder {@code file} sits in, as
     * {@link #misplaced} would find (null), without building the folder name per record: the
     * folder's tenant and day range are worked out once per file, from the first record that is in
     * it. False sends the record through {@link #misplaced}, which decides.
     */
    private boolean inItsFolder(DecisionRecord r, String file) {
        if (r.getTenantId() == null || r.getEventTime() == null) {
            return false;
        }
        long seconds = r.getEventTime().getEpochSecond();
        if (file.equals(placedFile)) {
            return placedTenant != null
                    && placedTenant.equals(r.getTenantId())
                    && seconds >= placedFrom
                    && seconds < placedTo;
        }
        placedFile = file;
        placedTenant = null;
        if (misplaced(r, file) != null) {
            return false;
        }
        placedTenant = r.getTenantId();
        long day = Math.floorDiv(seconds, 86_400L);
        placedFrom = day * 86_400L;
        placedTo = placedFrom + 86_400L;
        return true;
    }

    private static String folderOf(String file) {
        int tenant = file.lastIndexOf("/tenant_id=");
        int end = file.lastIndexOf('/');
        return tenant < 0 || end <= tenant ? "(no tenant folder)" : file.substring(tenant + 1, end);
    }

    private void count(ChainEntry e) {
        int layout = e.layout >= 0 && e.layout < layoutCounters.length ? e.layout : 0;
        LongCounter c = layoutCounters[layout];
        if (c == null || layout != e.layout) {
            c =
                    getRuntimeContext()
                            .getLongCounter(
                                    LAYOUT_ACCUMULATOR_PREFIX
                                            + (e.layout == 0 ? "unknown" : e.layout));
            if (layout == e.layout) {
                layoutCounters[layout] = c;
            }
        }
        c.add(1);
        if (e.erasureRequestId != null) {
            erasedCounters
                    .computeIfAbsent(
                            e.erasureRequestId,
                            id ->
                                    getRuntimeContext()
                                            .getLongCounter(ERASED_ACCUMULATOR_PREFIX + id))
                    .add(1);
        }
    }
}
