package io.decisionledger.verify;

import io.decisionledger.privacy.MaskingPolicy;
import io.decisionledger.privacy.PseudonymKey;
import io.decisionledger.schema.OpsDecisionRecord;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;

/**
 * The derived mode of the verify job ({@code --derived ops}): the datasets people read that are not
 * chained themselves are re-derived from the record of truth and compared with what is stored, in
 * the same Flink batch job as the chain check. Ops ({@code ops/decisions}, the masked copy): every
 * audit record is re-masked with the masking policy and pseudonym key, both sides are joined by
 * (tenant, event id) with Flink's batch shuffle, and each key must have exactly one stored row
 * equal in every column to the re-masked one; otherwise {@code OPS_MISSING}, {@code OPS_EXTRA} or
 * {@code OPS_MISMATCH}, naming the file, the event id and the columns that differ, never a value.
 */
public final class DerivedPipeline {

    private DerivedPipeline() {}

    /**
     * The ops check's violations.
     *
     * @param auditFiles the audit files (bounded source of paths) the ops rows derive from
     * @param opsFiles the ops files to check, or null when there are none
     */
    public static DataStream<Violation> ops(
            StreamExecutionEnvironment env,
            Source<String, ?, ?> auditFiles,
            Source<String, ?, ?> opsFiles,
            MaskingPolicy policy,
            PseudonymKey key) {
        TypeInformation<DerivedRow> rowType = TypeInformation.of(DerivedRow.class);
        List<DataStream<DerivedRow>> sides = new ArrayList<>();
        if (auditFiles != null) {
            sides.add(
                    env.fromSource(
                                    auditFiles,
                                    WatermarkStrategy.noWatermarks(),
                                    "ops-check-audit-files",
                                    Types.STRING)
                            .setParallelism(1)
                            .rebalance()
                            .flatMap(ReadOpsRows.rederived(policy, key))
                            .returns(rowType)
                            .name("re-mask-audit-records"));
        }
        if (opsFiles != null) {
            sides.add(
                    env.fromSource(
                                    opsFiles,
                                    WatermarkStrategy.noWatermarks(),
                                    "ops-files",
                                    Types.STRING)
                            .setParallelism(1)
                            .rebalance()
                            .flatMap(ReadOpsRows.stored())
                            .returns(rowType)
                            .name("read-ops-rows"));
        }
        DataStream<DerivedRow> all = sides.get(0);
        for (int i = 1; i < sides.size(); i++) {
            all = all.union(sides.get(i));
        }
        return all.keyBy(DerivedRow::joinKey)
                .reduce(DerivedRow::merge)
                .name("join-ops-with-re-masked")
                .flatMap(new CompareOps())
                .returns(TypeInformation.of(Violation.class))
                .name("compare-ops");
    }

    /** One key's verdict: nothing when one stored row equals the one re-derived row. */
    static final class CompareOps implements FlatMapFunction<DerivedRow, Violation> {
        private static final long serialVersionUID = 1L;

        @Override
        public void flatMap(DerivedRow r, Collector<Violation> out) {
            String event = "event " + r.key;
            if (r.expectedCount > 0 && r.storedCount == 0) {
                out.collect(
                        violation(
                                ViolationKind.OPS_MISSING,
                                r,
                                r.expectedFile,
                                event + ": the audit record has no ops row"));
                return;
            }
            if (r.expectedCount == 0) {
                out.collect(
                        violation(
                                ViolationKind.OPS_EXTRA,
                                r,
                                r.storedFile,
                                event + ": ops row without an audit record"));
                return;
            }
            if (r.storedCount > r.expectedCount) {
                out.collect(
                        violation(
                                ViolationKind.OPS_EXTRA,
                                r,
                                r.storedFile,
                                event + ": " + r.storedCount + " ops rows for one audit record"));
            }
            if (!r.expectedDigest.equals(r.storedDigest)) {
                out.collect(
                        violation(
                                ViolationKind.OPS_MISMATCH,
                                r,
                                r.storedFile,
                                event
                                        + ": "
                                        + RowDigests.differingColumns(
                                                OpsDecisionRecord.getClassSchema(),
                                                r.expectedColumns,
                                                r.storedColumns)
                                        + " differ from the audit record re-masked"));
            }
        }

        private static Violation violation(
                ViolationKind kind, DerivedRow r, String file, String detail) {
            return Violation.of(kind, r.tenantId, 0, -1, -1, file, detail).in(r.dataset);
        }
    }
}
