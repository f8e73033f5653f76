package io.decisionledger.lake;

import java.io.Serializable;
import java.net.URI;
import org.apache.flink.core.fs.Path;

/**
 * Where each dataset lives under a lake root (docs/design.md, "The lake"). The root is any Flink
 * file system URI: {@code file:///data/lake} locally, {@code s3://bucket/lake} in production. Every
 * job resolves its folders here, so the layout is defined once.
 */
public final class LakeLayout implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String AUDIT_DECISIONS = "audit/decisions";
    public static final String OPS_DECISIONS = "ops/decisions";
    public static final String QUARANTINE = "quarantine";
    public static final String CHAIN_HEADS = "chain/heads";
    public static final String QUARANTINE_HEADS = "chain/quarantine_heads";
    public static final String CHAIN_TIMESTAMPS = "chain/timestamps";
    public static final String DECISION_METRICS = "metrics/decision_metrics";
    public static final String LATE_DECISIONS = "metrics/late_decisions";
    public static final String ACCESS_LOG = "access-log";
    public static final String MODEL_VERSIONS = "models/model_versions";
    public static final String RETENTION_SUMMARIES = "summaries/decisions";
    public static final String CHAIN_ANCHORS = "summaries/chain_anchors";
    public static final String QUARANTINE_ANCHORS = "summaries/quarantine_anchors";

    private final String root;

    private LakeLayout(String root) {
        this.root = root;
    }

    /**
     * A lake rooted at {@code uri}. A bare local path is accepted and made absolute, so {@code
     * --lake ./lake} works; trailing slashes are ignored.
     */
    public static LakeLayout at(String uri) {
        if (uri == null || uri.isBlank()) {
            throw new IllegalArgumentException("the lake location must not be empty");
        }
        String trimmed = uri.strip();
        URI parsed = URI.create(trimmed.replace(" ", "%20"));
        if (parsed.getScheme() == null) {
            trimmed =
                    java.nio.file.Path.of(trimmed).toAbsolutePath().normalize().toUri().toString();
        }
        while (trimmed.endsWith("/") && !trimmed.endsWith(":///")) {
            trimmed = trimmed.substring(0, trimmed.length() - 1);
        }
        return new LakeLayout(trimmed);
    }

    public String root() {
        return root;
    }

    /** Full decision records, partitioned tenant_id=T/event_date=D. Restricted. */
    public Path auditDecisions() {
        return resolve(AUDIT_DECISIONS);
    }

    /** Masked copies of the decisions, partitioned like audit/. For operators and BI. */
    public Path opsDecisions() {
        return resolve(OPS_DECISIONS);
    }

    /** Refused input with raw bytes and reason, partitioned ingest_date=D. Restricted. */
    public Path quarantine() {
        return resolve(QUARANTINE);
    }

    /** Chain heads published at every checkpoint, partitioned tenant_id=T/head_date=D. */
    public Path chainHeads() {
        return resolve(CHAIN_HEADS);
    }

    /**
     * Heads of the quarantine hash chains, published at every checkpoint as ChainHead records
     * (tenant_id = the chain's tenant, or _none), partitioned tenant_id=T/head_date=D.
     */
    public Path quarantineHeads() {
        return resolve(QUARANTINE_HEADS);
    }

    /**
     * RFC 3161 time-stamp responses of the chain-heads files ({@code audit timestamp-heads}): one
     * {@code <heads-file-name>.tsr} per heads file, under the same tenant_id=T/head_date=D folders.
     */
    public Path chainTimestamps() {
        return resolve(CHAIN_TIMESTAMPS);
    }

    /**
     * The windowed metrics read model, partitioned granularity=G/tenant_id=T/window_date=D. No
     * personal data: for analysts and dashboards.
     */
    public Path decisionMetrics() {
        return resolve(DECISION_METRICS);
    }

    /** Decisions the live metrics job saw too late to correct, partitioned like the read model. */
    public Path lateDecisions() {
        return resolve(LATE_DECISIONS);
    }

    /**
     * Who read restricted records, when and why: one file per access, partitioned access_date=D.
     * Restricted like audit/ (it names the subjects that were looked up).
     */
    public Path accessLog() {
        return resolve(ACCESS_LOG);
    }

    /** Registered model versions (model cards), when the model registry has written any. */
    public Path modelVersions() {
        return resolve(MODEL_VERSIONS);
    }

    public Path resolve(String relative) {
        return new Path(root + "/" + relative);
    }

    @Override
    public String toString() {
        return root;
    }
}
