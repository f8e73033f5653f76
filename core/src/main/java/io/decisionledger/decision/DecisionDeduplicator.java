package io.decisionledger.decision;

import io.decisionledger.schema.DecisionRecord;
import java.time.Duration;
import java.util.EnumSet;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Stores each (tenant, eventId) once. Producers retry, so the same event can arrive twice; the
 * first copy is emitted, later copies go to quarantine as DUPLICATE_EVENT_ID, with a detail that
 * says whether the copy was identical or conflicting (same id, different content: a producer bug
 * worth an alert).
 *
 * <p>Per key it keeps the first copy's fingerprint ({@link ParsedDecision#fingerprint()}: the
 * layout-2 content hash, which every delivery of the same event shares; the stored content_sha256
 * of layout 3 is salted per record, so two deliveries differ there) for {@code ttl} of processing
 * time. Expiry is a processing-time timer rather than Flink's state TTL, so state is gone exactly
 * when the timer fires, on heap and RocksDB alike, and tests can assert on it. A copy arriving
 * after the TTL is stored again; the verify job reports duplicate event ids in the lake.
 */
public final class DecisionDeduplicator
        extends KeyedProcessFunction<String, ParsedDecision, DecisionRecord> {
    private static final long serialVersionUID = 1L;

    public static final String METRIC_ACCEPTED = "decisions_accepted";
    public static final String METRIC_DUPLICATES = "decisions_duplicate";

    private final long ttlMillis;

    private transient ValueState<String> firstContentHash;
    private transient Quarantine quarantine;
    private transient Counter accepted;
    private transient Counter duplicates;

    public DecisionDeduplicator(Duration ttl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("the de-duplication TTL must be positive");
        }
        this.ttlMillis = ttl.toMillis();
    }

    /** The key: tenant ids cannot contain '/', so "tenant/eventId" is unambiguous. */
    public static KeySelector<ParsedDecision, String> key() {
        return p -> p.decision.getTenantId() + "/" + p.decision.getEventId();
    }

    @Override
    public void open(OpenContext openContext) {
        firstContentHash =
                getRuntimeContext()
                        .getState(new ValueStateDescriptor<>("first-content-sha256", String.class));
        quarantine =
                new Quarantine(
                        getRuntimeContext().getMetricGroup(),
                        EnumSet.of(ReasonCode.DUPLICATE_EVENT_ID));
        accepted = getRuntimeContext().getMetricGroup().counter(METRIC_ACCEPTED);
        duplicates = getRuntimeContext().getMetricGroup().counter(METRIC_DUPLICATES);
    }

    @Override
    public void processElement(ParsedDecision in, Context ctx, Collector<DecisionRecord> out)
            throws Exception {
        DecisionRecord decision = in.decision;
        String seen = firstContentHash.value();
        if (seen == null) {
            firstContentHash.update(in.fingerprint());
            ctx.timerService()
                    .registerProcessingTimeTimer(
                            ctx.timerService().currentProcessingTime() + ttlMillis);
            accepted.inc();
            out.collect(decision);
            return;
        }
        duplicates.inc();
        quarantine.count(ReasonCode.DUPLICATE_EVENT_ID);
        String detail =
                seen.equals(in.fingerprint())
                        ? "eventId already stored for this tenant; this copy is identical"
                        : "eventId already stored for this tenant with different content"
                                + " (fingerprint of the stored copy "
                                + seen
                                + ")";
        ctx.output(
                Quarantine.OUTPUT,
                Quarantine.of(decision, in.raw, ReasonCode.DUPLICATE_EVENT_ID, detail));
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<DecisionRecord> out) {
        firstContentHash.clear();
    }
}
