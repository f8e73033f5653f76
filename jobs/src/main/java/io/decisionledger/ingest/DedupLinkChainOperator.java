package io.decisionledger.ingest;

import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.ChainLinkOperator;
import io.decisionledger.chain.ChainSharding;
import io.decisionledger.decision.DecisionDeduplicator;
import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.decision.Quarantine;
import io.decisionledger.decision.ReasonCode;
import io.decisionledger.models.ModelCardLinker;
import io.decisionledger.models.ModelCardStatus;
import io.decisionledger.models.RequiredCertifications;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListMap;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.base.StringSerializer;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedMultiInput;
import org.apache.flink.streaming.api.operators.InternalTimer;
import org.apache.flink.streaming.api.operators.InternalTimerService;
import org.apache.flink.streaming.api.operators.Triggerable;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest's one keyed step (the single-shuffle graph): keyed by chain ({@code tenant/shard}, the
 * unit of ordering), it de-duplicates each decision by event id, links it to the model card in
 * force and links it into the hash chain, so an accepted decision crosses one keyed shuffle instead
 * of two plus the card join's hop. Every step does what its own operator does in the two-shuffle
 * graph ({@link DecisionDeduplicator}, {@link ModelCardLinker}, {@link ChainLinkOperator}), with
 * the same metrics, side outputs and lake values; only where the state lives differs:
 *
 * <ul>
 *   <li>de-duplication: per chain key, a map event id → the first copy's 32-byte fingerprint,
 *       cleared by a processing-time timer (namespace: the event id) {@code ttl} after the first
 *       copy, and, when digests are kept, a map event id → 16-byte digest of the stored copy's
 *       fingerprint with a state TTL of {@code digestTtl}; the shard is a function of tenant and
 *       event id, so every copy of an event reaches the same key;
 *   <li>the card registry: the same broadcast state ({@link ModelCardLinker#CARDS}), fed by the
 *       broadcast second input;
 *   <li>the chain head: the same keyed value state as {@link ChainLinkOperator} ("chain-head"),
 *       heads emitted on {@link ChainLinkOperator#HEADS} before every checkpoint barrier.
 * </ul>
 *
 * <p>Its state is not the two-shuffle graph's, so a savepoint of that graph does not restore into
 * this one (Flink refuses it, naming the operators without a match); see docs/operator-guide.md,
 * "Upgrading a running job with a savepoint".
 */
public final class DedupLinkChainOperator extends AbstractStreamOperator<DecisionRecord>
        implements TwoInputStreamOperator<ParsedDecision, ModelVersionCard, DecisionRecord>,
                Triggerable<String, String>,
                BoundedMultiInput {
    private static final long serialVersionUID = 1L;

    private static final Logger LOG = LoggerFactory.getLogger(DedupLinkChainOperator.class);

    private final long ttlMillis;
    private final long digestTtlMillis;
    private final RequiredCertifications required;
    private final boolean chain;

    private transient MapState<String, byte[]> firstFingerprint;
    private transient MapState<String, byte[]> storedDigest;
    private transient InternalTimerService<String> expiry;
    private transient BroadcastState<String, ModelVersionCard> cards;
    private transient ValueState<ChainLinkOperator.Head> head;
    private transient ChainHasher hasher;
    private transient Set<String> movedSinceCheckpoint;
    private transient StreamRecord<DecisionRecord> out;

    private transient Quarantine quarantine;
    private transient Counter accepted;
    private transient Counter duplicates;
    private transient Counter collisions;
    private transient Counter resends;
    private transient Map<ModelCardStatus, Counter> cardStatus;

    /** Processing time of the first record linked since the last barrier; -1: none. */
    private transient volatile long firstUnpublishedAt;

    /** Per checkpoint not yet completed: the first record its heads cover (processing time). */
    private transient ConcurrentSkipListMap<Long, Long> uncommittedSince;

    /**
     * @param ttl how long an event id is remembered after its first copy
     * @param digestTtl how long the digest of each stored copy is kept (at least {@code ttl});
     *     null: not kept
     * @param chain whether to link into the hash chain (false: de-duplicate and link cards only)
     */
    public DedupLinkChainOperator(
            Duration ttl, Duration digestTtl, RequiredCertifications required, boolean chain) {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("the de-duplication TTL must be positive");
        }
        this.ttlMillis = ttl.toMillis();
        this.digestTtlMillis =
                digestTtl == null ? 0 : Math.max(ttl.toMillis(), digestTtl.toMillis());
        this.required = required;
        this.chain = chain;
    }

    /** The key of the first input: the decision's chain, {@code tenant/shard}. */
    public static KeySelector<ParsedDecision, String> key(ChainSharding sharding) {
        return p -> {
            String tenant = p.decision.getTenantId();
            return ChainSharding.chainKey(
                    tenant, sharding.shardOf(tenant, p.decision.getEventId()));
        };
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        cards = context.getOperatorStateStore().getBroadcastState(ModelCardLinker.CARDS);
    }

    @Override
    public void open() throws Exception {
        super.open();
        firstFingerprint =
                getRuntimeContext()
                        .getMapState(
                                new MapStateDescriptor<>(
                                        "first-fingerprint",
                                        Types.STRING,
                                        PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
        expiry = getInternalTimerService("dedup-expiry", StringSerializer.INSTANCE, this);
        var metrics = getMetricGroup();
        quarantine = new Quarantine(metrics, EnumSet.of(ReasonCode.DUPLICATE_EVENT_ID));
        accepted = metrics.counter(DecisionDeduplicator.METRIC_ACCEPTED);
        duplicates = metrics.counter(DecisionDeduplicator.METRIC_DUPLICATES);
        if (digestTtlMillis > 0) {
            MapStateDescriptor<String, byte[]> digest =
                    new MapStateDescriptor<>(
                            "stored-digest",
                            Types.STRING,
                            PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO);
            digest.enableTimeToLive(
                    StateTtlConfig.newBuilder(Duration.ofMillis(digestTtlMillis))
                            .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                            .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                            .build());
            storedDigest = getRuntimeContext().getMapState(digest);
            collisions = metrics.counter(DecisionDeduplicator.METRIC_COLLISIONS);
            resends = metrics.counter(DecisionDeduplicator.METRIC_RESENDS);
        }
        cardStatus = new EnumMap<>(ModelCardStatus.class);
        for (ModelCardStatus s : ModelCardStatus.values()) {
            cardStatus.put(
                    s,
                    metrics.addGroup(ModelCardLinker.METRIC_GROUP_STATUS, s.name())
                            .counter(ModelCardLinker.METRIC));
        }
        if (chain) {
            head =
                    getRuntimeContext()
                            .getState(
                                    new ValueStateDescriptor<>(
                                            "chain-head", ChainLinkOperator.Head.class));
            hasher = new ChainHasher();
            metrics.gauge(ChainLinkOperator.METRIC_HEAD_AGE, this::headAgeSeconds);
        }
        movedSinceCheckpoint = new LinkedHashSet<>();
        firstUnpublishedAt = -1;
        uncommittedSince = new ConcurrentSkipListMap<>();
        out = new StreamRecord<>(null);
    }

    @Override
    public void processElement1(StreamRecord<ParsedDecision> element) throws Exception {
        ParsedDecision in = element.getValue();
        DecisionRecord decision = in.decision;
        String eventId = decision.getEventId();
        byte[] fingerprint = HexFormat.of().parseHex(in.fingerprint());
        byte[] seen = firstFingerprint.get(eventId);
        if (seen != null) {
            duplicates.inc();
            quarantine.count(ReasonCode.DUPLICATE_EVENT_ID);
            String detail =
                    Arrays.equals(seen, fingerprint)
                            ? "eventId already stored for this tenant; this copy is identical"
                            : "eventId already stored for this tenant with different content"
                                    + " (fingerprint of the stored copy "
                                    + HexFormat.of().formatHex(seen)
                                    + ")";
            output.collect(
                    Quarantine.OUTPUT,
                    withTimestampOf(
                            element,
                            new StreamRecord<>(
                                    Quarantine.of(
                                            decision,
                                            in.raw,
                                            ReasonCode.DUPLICATE_EVENT_ID,
                                            detail))));
            return;
        }
        long now = getProcessingTimeService().getCurrentProcessingTime();
        firstFingerprint.put(eventId, fingerprint);
        expiry.registerProcessingTimeTimer(eventId, now + ttlMillis);
        if (storedDigest != null) {
            checkAgainstEarlierCopy(decision, fingerprint);
        }
        accepted.inc();

        cardStatus
                .get(
                        ModelCardLinker.link(
                                decision, ModelCardLinker.inForce(cards, decision), required))
                .inc();

        if (chain) {
            String key = (String) getCurrentKey();
            ChainLinkOperator.Head last = head.value();
            long seq = last == null ? 1 : last.seq + 1;
            String prev = last == null ? ChainHasher.GENESIS : last.hash;
            decision.setChainShard(shardOf(key));
            decision.setChainSeq(seq);
            decision.setPrevHash(prev);
            String hash = hasher.hash(prev, decision);
            decision.setHash(hash);
            ChainLinkOperator.Head moved = new ChainLinkOperator.Head();
            moved.seq = seq;
            moved.hash = hash;
            moved.eventId = eventId;
            head.update(moved);
            movedSinceCheckpoint.add(key);
            if (firstUnpublishedAt < 0) {
                firstUnpublishedAt = now;
            }
        }
        output.collect(withTimestampOf(element, out.replace(decision)));
    }

    /** The output carries its input's timestamp, as a process function's would. */
    private static <T> StreamRecord<T> withTimestampOf(StreamRecord<?> in, StreamRecord<T> out) {
        if (in.hasTimestamp()) {
            out.setTimestamp(in.getTimestamp());
        } else {
            out.eraseTimestamp();
        }
        return out;
    }

    /** As {@link DecisionDeduplicator}: a key stored before the window, same content or not. */
    private void checkAgainstEarlierCopy(DecisionRecord decision, byte[] fingerprint)
            throws Exception {
        byte[] digest = Arrays.copyOf(fingerprint, DecisionDeduplicator.DIGEST_BYTES);
        byte[] earlier = storedDigest.get(decision.getEventId());
        if (earlier != null) {
            if (Arrays.equals(earlier, digest)) {
                resends.inc();
            } else {
                collisions.inc();
                LOG.warn(
                        "event id collision: key {} (first 16 hex of SHA-256 of tenant/eventId)"
                                + " stored again after the de-duplication window with different"
                                + " content; both copies are in the lake",
                        DecisionDeduplicator.keyHash(
                                decision.getTenantId() + "/" + decision.getEventId()));
            }
        }
        storedDigest.put(decision.getEventId(), digest);
    }

    @Override
    public void processElement2(StreamRecord<ModelVersionCard> element) throws Exception {
        ModelCardLinker.register(cards, element.getValue());
    }

    @Override
    public void onProcessingTime(InternalTimer<String, String> timer) throws Exception {
        firstFingerprint.remove(timer.getNamespace());
    }

    @Override
    public void onEventTime(InternalTimer<String, String> timer) {}

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        publishHeads();
        if (firstUnpublishedAt >= 0) {
            uncommittedSince.put(checkpointId, firstUnpublishedAt);
            firstUnpublishedAt = -1;
        }
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) throws Exception {
        super.notifyCheckpointComplete(checkpointId);
        uncommittedSince.headMap(checkpointId, true).clear();
    }

    @Override
    public void endInput(int inputId) throws Exception {
        publishHeads();
    }

    /** As {@link ChainLinkOperator}: how long the oldest linked record waits for its head. */
    long headAgeSeconds() {
        long oldest = firstUnpublishedAt;
        Map.Entry<Long, Long> earliest = uncommittedSince.firstEntry();
        if (earliest != null) {
            oldest = oldest < 0 ? earliest.getValue() : Math.min(oldest, earliest.getValue());
        }
        if (oldest < 0) {
            return 0;
        }
        long now = getProcessingTimeService().getCurrentProcessingTime();
        return Math.max(0, (now - oldest) / 1000);
    }

    private void publishHeads() throws Exception {
        if (!chain || movedSinceCheckpoint.isEmpty()) {
            return;
        }
        Instant now = Instant.ofEpochMilli(getProcessingTimeService().getCurrentProcessingTime());
        for (String key : movedSinceCheckpoint) {
            setCurrentKey(key);
            ChainLinkOperator.Head h = head.value();
            ChainHead published = new ChainHead();
            published.setTenantId(key.substring(0, key.lastIndexOf('/')));
            published.setChainShard(shardOf(key));
            published.setChainSeq(h.seq);
            published.setHash(h.hash);
            published.setEventId(h.eventId);
            published.setPublishedAt(now);
            output.collect(ChainLinkOperator.HEADS, new StreamRecord<>(published));
        }
        movedSinceCheckpoint.clear();
    }

    private static int shardOf(String chainKey) {
        return Integer.parseInt(chainKey.substring(chainKey.lastIndexOf('/') + 1));
    }
}
