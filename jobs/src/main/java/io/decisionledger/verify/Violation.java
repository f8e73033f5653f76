package io.decisionledger.verify;

/**
 * One finding of the verify job, as it appears in the JSON report. A Flink POJO. Never holds record
 * content: kinds, positions and file paths only.
 */
public class Violation {
    public String kind;
    public String tenantId;
    public int chainShard;
    public long seqFrom;
    public long seqTo;
    public String file;
    public String detail;

    public Violation() {}

    static Violation of(
            ViolationKind kind,
            String tenantId,
            int chainShard,
            long seqFrom,
            long seqTo,
            String file,
            String detail) {
        Violation v = new Violation();
        v.kind = kind.name();
        v.tenantId = tenantId;
        v.chainShard = chainShard;
        v.seqFrom = seqFrom;
        v.seqTo = seqTo;
        v.file = file;
        v.detail = detail;
        return v;
    }

    @Override
    public String toString() {
        return kind
                + " "
                + tenantId
                + "/"
                + chainShard
                + " seq "
                + seqFrom
                + (seqTo != seqFrom ? ".." + seqTo : "")
                + (file == null ? "" : " in " + file)
                + ": "
                + detail;
    }
}
