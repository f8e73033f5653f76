package io.decisionledger.verify;

import io.decisionledger.chain.ChainEntry;
import io.decisionledger.chain.QuarantineChainHasher;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.PartitionPath;
import io.decisionledger.schema.QuarantineRecord;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.Collector;

/**
 * Reads one quarantine Parquet file and emits a {@link ChainEntry} per record, its quarantine chain
 * hash recomputed ({@link QuarantineChainHasher}): the per-record half of checking the quarantine
 * chains, parallel across files. The entry's tenant is the chain's tenant part ({@code _none} for
 * input without a valid tenant id); it names a record by its Kafka coordinates, never by anything
 * read from the refused input. A quarantine record has no content hash of its own: the chain hash
 * covers every column, so a changed value is a {@code HASH_MISMATCH}.
 */
public final class ReadQuarantineEntries extends RichFlatMapFunction<String, ChainEntry> {
    private static final long serialVersionUID = 1L;

    static final String RECORDS_ACCUMULATOR = "quarantine-records-read";
    static final String FILES_ACCUMULATOR = "quarantine-files-read";

    private transient QuarantineChainHasher hasher;
    private transient LongCounter records;
    private transient LongCounter files;

    @Override
    public void open(OpenContext openContext) {
        hasher = new QuarantineChainHasher();
        records = getRuntimeContext().getLongCounter(RECORDS_ACCUMULATOR);
        files = getRuntimeContext().getLongCounter(FILES_ACCUMULATOR);
    }

    @Override
    public void flatMap(String file, Collector<ChainEntry> out) throws Exception {
        Path path = new Path(file);
        FileStatus status = path.getFileSystem().getFileStatus(path);
        LakeFiles.forEachRecord(status, QuarantineRecord.class, q -> out.collect(entry(q, file)));
        files.add(1);
    }

    ChainEntry entry(QuarantineRecord q, String file) {
        ChainEntry e = new ChainEntry();
        e.tenantId = QuarantineChainHasher.chainTenant(q.getTenantId());
        e.eventId =
                "from "
                        + q.getSourceTopic()
                        + "/"
                        + q.getSourcePartition()
                        + "@"
                        + q.getSourceOffset();
        e.file = file;
        e.contentOk = true;
        e.layout = 1;
        String own = PartitionPath.ingestDate(q.getIngestTime());
        e.misplaced =
                file.contains("/" + own + "/")
                        ? null
                        : "stored outside " + own + ", the folder its ingest_time belongs in";
        e.chainShard = q.getChainShard() == null ? 0 : q.getChainShard();
        if (q.getChainSeq() == null || q.getHash() == null || q.getPrevHash() == null) {
            e.seq = -1;
        } else {
            e.seq = q.getChainSeq();
            e.setHashes(q.getPrevHash(), q.getHash());
            e.hashOk = hashes(q);
        }
        records.add(1);
        return e;
    }

    private boolean hashes(QuarantineRecord q) {
        try {
            return hasher.hash(q.getPrevHash(), q).equals(q.getHash());
        } catch (IllegalArgumentException notHex) {
            return false; // a prev_hash that is not 64 hex digits links to nothing
        }
    }
}
