package io.decisionledger.decision;

import io.decisionledger.schema.DecisionRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>So that a copy stored again after the TTL is not silent, ingest also keeps, per key, a 16-byte
 * digest of the last stored copy's fingerprint for a much longer {@code digestTtl} (Flink state
 * TTL, refreshed on every store; 90 days by default). A copy stored after the de-duplication window
 * with the same content is a re-send ({@value #METRIC_RESENDS}); with different content it is an
 * event-id collision ({@value #METRIC_COLLISIONS}), logged with a hash of the key, never the key
 * itself. Both are still stored, as before. Conflicting copies inside the window are not counted
 * here: they are quarantined as DUPLICATE_EVENT_ID with a "different content" detail.
 */
public final class DecisionDeduplicator
        extends KeyedProcessFunction<String, ParsedDecision, DecisionRecord> {
    private static final long serialVersionUID = 1L;

    public static final String METRIC_ACCEPTED = "decisions_accepted";
    public static final String METRIC_DUPLICATES = "decisions_duplicate";

    /** Stored after the window with different content than the copy stored before. */
    public static final String METRIC_COLLISIONS = "event_id_collisions";

    /** Stored after the window with the same content as the copy stored before. */
    public static final String METRIC_RESENDS = "event_id_resends";

    /** Bytes of the fingerprint kept per key: 128 bits, collisions by chance are negligible. */
    public static final int DIGEST_BYTES = 16;

    private static final Logger LOG = LoggerFactory.getLogger(DecisionDeduplicator.class);

    private final long ttlMillis;
    private final long digestTtlMillis;

    private transient ValueState<String> firstContentHash;
    private transient ValueState<byte[]> storedDigest;
    private transient Counter collisions;
    private transient Counter resends;
    private transient Quarantine quarantine;
    private transient Counter accepted;
    private transient Counter duplicates;

    /** De-duplication only (the metrics job): no long-lived digests, no collision count. */
    public DecisionDeduplicator(Duration ttl) {
        this(ttl, null);
    }

    /**
     * @param digestTtl how long the content digest of each stored key is kept (when shorter than
     *     {@code ttl}: {@code ttl}); null: not kept, collisions after the window are not detected
     */
    public DecisionDeduplicator(Duration ttl, Duration digestTtl) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("the de-duplication TTL must be positive");
        }
        this.ttlMillis = ttl.toMillis();
        // A digest that expired inside the window would never be compared with anything.
        this.digestTtlMillis =
                digestTtl == null ? 0 : Math.max(ttl.toMillis(), digestTtl.toMillis());
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
        if (digestTtlMillis > 0) {
            ValueStateDescriptor<byte[]> digest =
                    new ValueStateDescriptor<>(
                            "stored-content-digest",
                            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
            digest.enableTimeToLive(
                    StateTtlConfig.newBuilder(Duration.ofMillis(digestTtlMillis))
                            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                            .build());
            storedDigest = getRuntimeContext().getState(digest);
            collisions = getRuntimeContext().getMetricGroup().counter(METRIC_COLLISIONS);
            resends = getRuntimeContext().getMetricGroup().counter(METRIC_RESENDS);
        }
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
            if (storedDigest != null) {
                checkAgainstEarlierCopy(ctx.getCurrentKey(), in.fingerprint());
            }
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

    /** A key stored before the current window: same content is a re-send, other is a collision. */
    private void checkAgainstEarlierCopy(String key, String fingerprint) throws Exception {
        byte[] digest = digest(fingerprint);
        byte[] earlier = storedDigest.value();
        if (earlier != null) {
            if (Arrays.equals(earlier, digest)) {
                resends.inc();
            } else {
                collisions.inc();
                LOG.warn(
                        "event id collision: key {} (first 16 hex of SHA-256 of tenant/eventId)"
                                + " stored again after the de-duplication window with different"
                                + " content; both copies are in the lake",
                        keyHash(key));
            }
        }
        storedDigest.update(digest);
    }

    /** Collisions counted by this instance (tests read it without a metric reporter). */
    long collisions() {
        return collisions == null ? 0 : collisions.getCount();
    }

    /** Re-sends after the window counted by this instance. */
    long resends() {
        return resends == null ? 0 : resends.getCount();
    }

    /** The first {@link #DIGEST_BYTES} bytes of a hex SHA-256. */
    public static byte[] digest(String contentSha256) {
        return Arrays.copyOf(HexFormat.of().parseHex(contentSha256), DIGEST_BYTES);
    }

    /** What a log line may name of a key: a hash, never the tenant or event id themselves. */
    public static String keyHash(String key) {
        try {
            byte[] h =
                    MessageDigest.getInstance("SHA-256")
                            .digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public void onTimer(long timestamp, OnTimerContext ctx, Collector<DecisionRecord> out) {
        firstContentHash.clear();
    }
}
