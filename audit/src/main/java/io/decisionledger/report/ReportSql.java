package io.decisionledger.report;

import io.decisionledger.lake.LakeLayout;
import java.time.LocalDate;
import java.util.Map;

/**
 * The DuckDB SQL behind every figure of the compliance report, with the lake's folders, the tenant
 * and the period filled in: printed in the report's appendix so a reviewer can recompute each
 * figure from the lake with nothing but DuckDB, and run by the tests against the figures the report
 * computed with the project's own lake readers.
 */
final class ReportSql {

    private final Map<String, String> values;

    ReportSql(
            LakeLayout lake,
            String tenant,
            LocalDate from,
            LocalDate to,
            LocalDate previousFrom,
            int minGroup) {
        String root = localPath(lake.root());
        this.values =
                Map.ofEntries(
                        Map.entry("audit", table(root, "audit/decisions")),
                        Map.entry("quarantine", table(root, "quarantine")),
                        Map.entry("replays", table(root, "replays")),
                        Map.entry("late", table(root, "metrics/late_decisions")),
                        Map.entry("access", table(root, "access-log")),
                        Map.entry("heads", table(root, "chain/heads")),
                        Map.entry("summaries", table(root, "summaries/decisions")),
                        Map.entry(
                                "requests",
                                "read_json('"
                                        + root
                                        + "/rights/requests/tenant_id="
                                        + tenant
                                        + "/*.json', format = 'auto')"),
                        Map.entry("tenant", "'" + tenant + "'"),
                        Map.entry("from", "DATE '" + from + "'"),
                        Map.entry("to", "DATE '" + to + "'"),
                        Map.entry("previous_from", "DATE '" + previousFrom + "'"),
                        Map.entry("min_group", Integer.toString(minGroup)));
    }

    /** A Parquet dataset as DuckDB reads it (union by name: the schema evolves by appending). */
    private static String table(String root, String dataset) {
        return "read_parquet('"
                + root
                + "/"
                + dataset
                + "/**/*.parquet', hive_partitioning = true, union_by_name = true)";
    }

    /** DuckDB takes local paths, not file:// URIs; s3:// stays as it is. */
    private static String localPath(String root) {
        if (root.startsWith("file:")) {
            return java.nio.file.Path.of(java.net.URI.create(root)).toString();
        }
        return root;
    }

    /** {@code template} with every {@code {name}} replaced. */
    String fill(String template) {
        String s = template;
        for (Map.Entry<String, String> e : values.entrySet()) {
            s = s.replace("{" + e.getKey() + "}", e.getValue());
        }
        return s.strip();
    }

    static final String DECISIONS_PER_DAY =
            """
            SELECT event_date, model_version,
                   count(*) AS decisions,
                   count(*) FILTER (WHERE decision_approved) AS approved,
                   count(*) FILTER (WHERE NOT decision_approved) AS denied,
                   count(*) FILTER (WHERE decision_approved) / count(*) AS approval_rate,
                   count(*) FILTER (WHERE NOT decision_approved) / count(*) AS denial_rate
            FROM {audit}
            WHERE tenant_id = {tenant} AND event_date BETWEEN {from} AND {to}
            GROUP BY event_date, model_version
            ORDER BY event_date, model_version
            """;

    static final String VERSION_CHANGES =
            """
            SELECT model_version,
                   CAST(timezone('UTC', min(event_time)) AS DATE) AS first_day
            FROM {audit}
            WHERE tenant_id = {tenant} AND event_date <= {to}
            GROUP BY model_version
            ORDER BY model_version
            """;

    static final String SCORED =
            """
            WITH scored AS (
                SELECT model_version,
                       CASE WHEN event_date >= {from} THEN 'current' ELSE 'previous' END AS period,
                       decision_confidence AS c,
                       least(floor(decision_confidence * 10), 9)::INTEGER AS bin
                FROM {audit}
                WHERE tenant_id = {tenant} AND event_date BETWEEN {previous_from} AND {to}
                  AND decision_confidence IS NOT NULL)
            """;

    static final String CONFIDENCE_HISTOGRAM =
            SCORED
                    + """
                    SELECT model_version, period, bin, count(*) AS decisions
                    FROM scored
                    GROUP BY model_version, period, bin
                    ORDER BY model_version, period, bin
                    """;

    static final String CONFIDENCE_DRIFT =
            SCORED
                    + """
                    , n AS (
                        SELECT model_version,
                               count(*) FILTER (WHERE period = 'previous') AS previous_n,
                               count(*) FILTER (WHERE period = 'current') AS current_n
                        FROM scored GROUP BY model_version),
                    shares AS (
                        SELECT n.model_version, b.bin,
                               greatest((SELECT count(*) FROM scored s
                                         WHERE s.model_version = n.model_version
                                           AND s.period = 'previous' AND s.bin = b.bin)
                                        / n.previous_n, 0.0001) AS e,
                               greatest((SELECT count(*) FROM scored s
                                         WHERE s.model_version = n.model_version
                                           AND s.period = 'current' AND s.bin = b.bin)
                                        / n.current_n, 0.0001) AS a
                        FROM n CROSS JOIN range(10) AS b(bin)
                        WHERE n.previous_n > 0 AND n.current_n > 0),
                    psi AS (
                        SELECT model_version, sum((a - e) * ln(a / e)) AS psi
                        FROM shares GROUP BY model_version),
                    points AS (SELECT DISTINCT model_version, c FROM scored),
                    ks AS (
                        SELECT p.model_version,
                               max(abs((SELECT count(*) FROM scored s
                                        WHERE s.model_version = p.model_version
                                          AND s.period = 'previous' AND s.c <= p.c) / n.previous_n
                                     - (SELECT count(*) FROM scored s
                                        WHERE s.model_version = p.model_version
                                          AND s.period = 'current' AND s.c <= p.c) / n.current_n)) AS ks
                        FROM points p JOIN n ON p.model_version = n.model_version
                        WHERE n.previous_n > 0 AND n.current_n > 0
                        GROUP BY p.model_version)
                    SELECT n.model_version, n.previous_n, n.current_n, psi.psi, ks.ks
                    FROM n LEFT JOIN psi ON psi.model_version = n.model_version
                           LEFT JOIN ks ON ks.model_version = n.model_version
                    ORDER BY n.model_version
                    """;

    static final String STATED_REASONS =
            """
            SELECT model_version, decision_reasoning AS stated_reason,
                   count(*) AS decisions
            FROM {audit}
            WHERE tenant_id = {tenant} AND event_date BETWEEN {from} AND {to}
              AND decision_approved = false AND decision_reasoning IS NOT NULL
            GROUP BY model_version, decision_reasoning
            HAVING count(DISTINCT user_id) >= {min_group}
            ORDER BY decisions DESC, model_version, stated_reason
            """;

    static final String CARD_STATUS =
            """
            SELECT model_version, coalesce(model_card_status, 'UNRECORDED') AS card_status,
                   count(*) AS decisions
            FROM {audit}
            WHERE tenant_id = {tenant} AND event_date BETWEEN {from} AND {to}
            GROUP BY ALL
            ORDER BY model_version, card_status
            """;

    static final String REPLAY_RUNS =
            """
            SELECT stored_model_version,
                   count(DISTINCT run_id) AS runs,
                   count(*) AS replayed,
                   count(*) FILTER (WHERE status = 'MATCH') AS matched,
                   count(*) FILTER (WHERE status = 'DRIFT') AS drifted,
                   count(*) FILTER (WHERE status = 'ERROR') AS errors,
                   count(*) FILTER (WHERE status = 'MATCH') / count(*) AS match_rate
            FROM {replays}
            WHERE tenant_id = {tenant}
              AND CAST(timezone('UTC', replayed_at) AS DATE) BETWEEN {from} AND {to}
            GROUP BY stored_model_version
            ORDER BY stored_model_version
            """;

    static final String WORST_DRIFTS =
            """
            SELECT run_id, event_id, stored_model_version, approved_equal,
                   confidence_delta, reasoning_similarity
            FROM {replays}
            WHERE tenant_id = {tenant} AND status = 'DRIFT'
              AND CAST(timezone('UTC', replayed_at) AS DATE) BETWEEN {from} AND {to}
            ORDER BY abs(confidence_delta) DESC NULLS LAST, run_id, event_id
            LIMIT 10
            """;

    static final String QUARANTINE_BY_REASON =
            """
            WITH q AS (
                SELECT reason_code, count(*) AS records
                FROM {quarantine}
                WHERE tenant_id = {tenant} AND ingest_date BETWEEN {from} AND {to}
                GROUP BY reason_code),
            a AS (
                SELECT count(*) AS accepted
                FROM {audit}
                WHERE tenant_id = {tenant}
                  AND CAST(timezone('UTC', ingest_time) AS DATE) BETWEEN {from} AND {to})
            SELECT q.reason_code, q.records,
                   q.records / (a.accepted + (SELECT sum(records) FROM q)) AS rate
            FROM q, a
            ORDER BY q.records DESC, q.reason_code
            """;

    static final String LATE_DECISIONS =
            """
            SELECT window_date, model_version, count(DISTINCT event_id) AS late_decisions
            FROM {late}
            WHERE tenant_id = {tenant} AND window_date BETWEEN {from} AND {to}
            GROUP BY window_date, model_version
            ORDER BY window_date, model_version
            """;

    static final String ACCESS =
            """
            SELECT actor_role, actor, purpose, action, outcome, count(*) AS accesses
            FROM {access}
            WHERE tenant_id = {tenant} AND access_date BETWEEN {from} AND {to}
            GROUP BY ALL
            ORDER BY accesses DESC, actor_role, actor, purpose, action, outcome
            """;

    static final String HEADS =
            """
            SELECT chain_shard,
                   count(*) FILTER (WHERE head_date BETWEEN {from} AND {to}) AS heads_published,
                   count(*) FILTER (WHERE head_date BETWEEN {from} AND {to}
                                      AND signature IS NOT NULL) AS signed_heads,
                   max(chain_seq) AS latest_head_seq
            FROM {heads}
            WHERE tenant_id = {tenant} AND head_date <= {to}
            GROUP BY chain_shard
            ORDER BY chain_shard
            """;

    static final String COVERAGE =
            """
            WITH h AS (
                SELECT chain_shard, max(chain_seq) AS head_seq
                FROM {heads} WHERE tenant_id = {tenant} GROUP BY chain_shard)
            SELECT count(*) AS decisions,
                   count(*) FILTER (WHERE d.chain_seq <= h.head_seq) AS covered_by_a_head
            FROM {audit} d LEFT JOIN h ON d.chain_shard = h.chain_shard
            WHERE d.tenant_id = {tenant} AND d.event_date BETWEEN {from} AND {to}
            """;

    static final String RETENTION =
            """
            SELECT run_id, event_date, sum(records) AS records_deleted,
                   max(held_records) AS held_records
            FROM {summaries}
            WHERE tenant_id = {tenant}
              AND CAST(timezone('UTC', deleted_at) AS DATE) BETWEEN {from} AND {to}
            GROUP BY run_id, event_date
            ORDER BY run_id, event_date
            """;

    static final String REQUESTS =
            """
            WITH latest AS (
                SELECT kind, state
                FROM {requests}
                WHERE CAST(recorded_at AS TIMESTAMPTZ) < CAST({to} + INTERVAL 1 DAY AS TIMESTAMP) AT TIME ZONE 'UTC'
                QUALIFY row_number() OVER (PARTITION BY request_id ORDER BY seq DESC) = 1)
            SELECT kind, state, count(*) AS requests
            FROM latest
            GROUP BY kind, state
            ORDER BY kind, state
            """;
}
