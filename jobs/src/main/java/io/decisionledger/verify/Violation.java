package io.decisionledger.verify;

/**
 * One finding of the verify job, as it appears in the JSON report. A Flink POJO. Never holds record
 * content: kinds, positions and file paths only. {@link #dataset} says where: {@code audit} (the
 * decision chains), {@code quarantine} (the quarantine chains, whose {@link #tenantId} is the
 * chain's tenant part, {@code _none} for input without a valid tenant), or a derived dataset the
 * derived mode compares ({@code ops}, {@code metrics}).
 */
public class Violation {
    public static final String AUDIT = "audit";
    public static final String QUARANTINE = "quarantine";

    public String dataset = AUDIT;
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

    /** This violation, found in {@code dataset}. */
    Violation in(String dataset) {
        this.dataset = dataset;
        return this;
    }

    @Override
    public String toString() {
        return (AUDIT.equals(dataset) ? "" : dataset + ": ")
                + kind
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
