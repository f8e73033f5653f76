package io.decisionledger.bench.query;

import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.audit.AuditQueries;
import io.decisionledger.audit.QueryResult;
import io.decisionledger.audit.Subject;
import io.decisionledger.bench.Measurement;
import io.decisionledger.bench.Parameters;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.DecisionRecord;
import java.time.Clock;
import java.util.Map;

/**
 * The candidate: the audit CLI's {@code decision-at} ({@link AuditQueries#decisionAt}) as a
 * compliance officer, the path {@code Main audit decision-at} takes after parsing its options:
 * partitions walked back from the date asked (four folders at a time), Parquet predicate push-down
 * with statistics, bloom filters and dictionaries, the page index in the row group that holds the
 * answer, footers and bloom filters kept across the queries of the run (as the API keeps them
 * across requests), and the access-log entry written before the answer is returned (part of every
 * such read, so part of its latency).
 */
public final class AuditDecisionAtMeasurement implements Measurement {

    public static final String NAME = "audit-decision-at";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        AuditQueries audit =
                new AuditQueries(
                        LakeLayout.at(Parameters.path(p, "lake").toUri().toString()),
                        Clock.systemUTC());
        Caller caller = Caller.cli("bench", AuditRole.COMPLIANCE_OFFICER);
        double[] scanMillis = {0};
        Map<String, Object> m =
                PointQueries.run(
                        PointQueries.read(Parameters.path(p, "queries")),
                        Integer.parseInt(Parameters.required(p, "passes")),
                        q -> {
                            QueryResult r =
                                    audit.decisionAt(
                                            caller,
                                            "benchmark",
                                            q.tenant(),
                                            Subject.user(q.user()),
                                            q.at());
                            scanMillis[0] += r.stats().millis();
                            return r.found()
                                    ? ((DecisionRecord) r.records().get(0)).getEventId()
                                    : null;
                        },
                        Parameters.path(p, "answers"));
        m.put("scan_ms_total", scanMillis[0]);
        return m;
    }
}
