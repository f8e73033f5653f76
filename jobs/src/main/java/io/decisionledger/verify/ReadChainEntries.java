package io.decisionledger.verify;

import io.decisionledger.chain.ChainEntry;
import io.decisionledger.chain.ChainHasher;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.schema.DecisionRecord;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.Collector;

/**
 * Reads one audit Parquet file and emits a {@link ChainEntry} per record, with both hashes
 * recomputed from the stored fields: the per-record half of verification, parallel across files.
 */
public final class ReadChainEntries extends RichFlatMapFunction<String, ChainEntry> {
    private static final long serialVersionUID = 1L;

    static final String RECORDS_ACCUMULATOR = "records-read";
    static final String FILES_ACCUMULATOR = "files-read";

    private transient CanonicalContent content;
    private transient ChainHasher hasher;
    private transient LongCounter records;
    private transient LongCounter files;

    @Override
    public void open(OpenContext openContext) {
        content = new CanonicalContent();
        hasher = new ChainHasher();
        records = getRuntimeContext().getLongCounter(RECORDS_ACCUMULATOR);
        files = getRuntimeContext().getLongCounter(FILES_ACCUMULATOR);
    }

    @Override
    public void flatMap(String file, Collector<ChainEntry> out) throws Exception {
        Path path = new Path(file);
        FileStatus status = path.getFileSystem().getFileStatus(path);
        LakeFiles.forEachRecord(status, DecisionRecord.class, r -> out.collect(entry(r, file)));
        files.add(1);
    }

    ChainEntry entry(DecisionRecord r, String file) {
        ChainEntry e = new ChainEntry();
        e.tenantId = r.getTenantId();
        e.eventId = r.getEventId();
        e.file = file;
        e.contentOk = content.sha256Hex(r).equals(r.getContentSha256());
        if (r.getChainSeq() == null || r.getHash() == null || r.getPrevHash() == null) {
            e.seq = -1;
            e.chainShard = r.getChainShard() == null ? 0 : r.getChainShard();
        } else {
            e.seq = r.getChainSeq();
            e.chainShard = r.getChainShard() == null ? 0 : r.getChainShard();
            e.prevHash = r.getPrevHash();
            e.hash = r.getHash();
            e.hashOk =
                    isHex64(r.getPrevHash()) && hasher.hash(r.getPrevHash(), r).equals(r.getHash());
        }
        records.add(1);
        return e;
    }

    private static boolean isHex64(String s) {
        return s.length() == 64
                && s.chars().allMatch(c -> (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    }
}
