package io.decisionledger.verify;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.privacy.MaskingPolicy;
import io.decisionledger.privacy.PiiMasker;
import io.decisionledger.privacy.PseudonymKey;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.OpsDecisionRecord;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.Path;
import org.apache.flink.util.Collector;

/**
 * The two sides of the ops check, one file at a time: an audit file's records re-masked with the
 * masking policy and pseudonym key ({@link PiiMasker}, exactly as the ingest job masks them), or an
 * ops file's stored rows; each as a {@link DerivedRow} keyed by tenant and event id, carrying
 * digests only.
 */
final class ReadOpsRows extends RichFlatMapFunction<String, DerivedRow> {
    private static final long serialVersionUID = 1L;

    static final String REDERIVED_ACCUMULATOR = "ops-rows-rederived";
    static final String STORED_ACCUMULATOR = "ops-rows-read";

    static final String DATASET = "ops";

    private final boolean fromAudit;
    private final MaskingPolicy policy;
    private final PseudonymKey key;
    private final java.util.Set<String> withdrawn;

    private transient PiiMasker masker;
    private transient RowDigests<OpsDecisionRecord> digests;
    private transient LongCounter rows;

    /**
     * Re-masks audit files, except the records whose ops rows were removed on purpose: erased
     * records (their {@code erasure_request_id} is set) and {@code withdrawn} ones ("tenant/event
     * id" of records a restriction plan removed from ops, from the executed receipts).
     */
    static ReadOpsRows rederived(
            MaskingPolicy policy, PseudonymKey key, java.util.Set<String> withdrawn) {
        return new ReadOpsRows(true, policy, key, withdrawn);
    }

    /** Reads stored ops files. */
    static ReadOpsRows stored() {
        return new ReadOpsRows(false, null, null, java.util.Set.of());
    }

    private ReadOpsRows(
            boolean fromAudit,
            MaskingPolicy policy,
            PseudonymKey key,
            java.util.Set<String> withdrawn) {
        this.fromAudit = fromAudit;
        this.policy = policy;
        this.key = key;
        this.withdrawn = new java.util.HashSet<>(withdrawn);
    }

    @Override
    public void open(OpenContext openContext) {
        masker = fromAudit ? PiiMasker.standalone(policy, key) : null;
        digests = new RowDigests<>(OpsDecisionRecord.getClassSchema());
        rows =
                getRuntimeContext()
                        .getLongCounter(fromAudit ? REDERIVED_ACCUMULATOR : STORED_ACCUMULATOR);
    }

    @Override
    public void flatMap(String file, Collector<DerivedRow> out) throws Exception {
        Path path = new Path(file);
        FileStatus status = path.getFileSystem().getFileStatus(path);
        if (fromAudit) {
            LakeFiles.forEachRecord(
                    status,
                    DecisionRecord.class,
                    r -> {
                        if (r.getErasureRequestId() == null
                                && !withdrawn.contains(r.getTenantId() + "/" + r.getEventId())) {
                            out.collect(row(masker.map(r), file));
                        }
                    });
        } else {
            LakeFiles.forEachRecord(
                    status, OpsDecisionRecord.class, o -> out.collect(row(o, file)));
        }
    }

    private DerivedRow row(OpsDecisionRecord o, String file) {
        DerivedRow d = new DerivedRow();
        d.dataset = DATASET;
        d.tenantId = o.getTenantId();
        d.key = o.getEventId();
        String digest = digests.digest(o);
        long[] columns = digests.columns(o);
        if (fromAudit) {
            d.expectedCount = 1;
            d.expectedDigest = digest;
            d.expectedColumns = columns;
            d.expectedFile = file;
        } else {
            d.storedCount = 1;
            d.storedDigest = digest;
            d.storedColumns = columns;
            d.storedFile = file;
        }
        rows.add(1);
        return d;
    }
}
