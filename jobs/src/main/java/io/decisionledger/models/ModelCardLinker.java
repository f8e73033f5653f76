package io.decisionledger.models;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.MapStateDescriptor;
import org.apache.flink.api.common.state.ReadOnlyBroadcastState;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.co.BroadcastProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Joins every decision to the model registry as the ingest job stores it: registered cards arrive
 * on the broadcast side and are kept in broadcast state (checkpointed, so restored after a restart
 * or from a savepoint); each decision gets {@code model_card_id}, {@code model_card_sha256} and a
 * {@code model_card_status} ({@link ModelCardStatus}) and is always passed on: nothing is held back
 * or lost for want of a card. Flagged decisions are counted in {@code decisions_model_card} by
 * status.
 *
 * <p>The card in force for a model version is the one with the latest {@code registered_at} (ties:
 * the larger hash), not the last to arrive, so that every parallel instance, which may see the
 * broadcast cards interleaved differently with its decisions, holds the same state. A decision
 * whose {@code model_metadata_id} names a registered card of its model version is linked to that
 * card. Cards and decisions travel on different channels, so a decision processed just before its
 * card arrives is stored as {@code NO_CARD}; {@code Main models-report} re-links such decisions.
 */
public final class ModelCardLinker
        extends BroadcastProcessFunction<DecisionRecord, ModelVersionCard, DecisionRecord> {
    private static final long serialVersionUID = 1L;

    public static final String METRIC = "decisions_model_card";
    public static final String METRIC_GROUP_STATUS = "model_card_status";

    /**
     * Broadcast state: "version:&lt;model_version&gt;" and "id:&lt;card_id&gt;" → card in force.
     */
    public static final MapStateDescriptor<String, ModelVersionCard> CARDS =
            new MapStateDescriptor<>(
                    "model-cards", Types.STRING, new AvroTypeInfo<>(ModelVersionCard.class));

    private final RequiredCertifications required;
    private transient Map<ModelCardStatus, Counter> counters;

    public ModelCardLinker(RequiredCertifications required) {
        this.required = required;
    }

    @Override
    public void open(OpenContext openContext) {
        counters = new EnumMap<>(ModelCardStatus.class);
        for (ModelCardStatus s : ModelCardStatus.values()) {
            counters.put(
                    s,
                    getRuntimeContext()
                            .getMetricGroup()
                            .addGroup(METRIC_GROUP_STATUS, s.name())
                            .counter(METRIC));
        }
    }

    @Override
    public void processElement(
            DecisionRecord decision, ReadOnlyContext ctx, Collector<DecisionRecord> out)
            throws Exception {
        ModelCardStatus status =
                link(decision, inForce(ctx.getBroadcastState(CARDS), decision), required);
        counters.get(status).inc();
        out.collect(decision);
    }

    /**
     * The card in force for {@code decision} in a registry ({@link #CARDS}): the registered card
     * its {@code model_metadata_id} names, if that card is of its model version, else the card in
     * force for its model version; null when there is none.
     */
    public static ModelVersionCard inForce(
            ReadOnlyBroadcastState<String, ModelVersionCard> cards, DecisionRecord decision)
            throws Exception {
        if (decision.getModelMetadataId() != null) {
            ModelVersionCard byId = cards.get(idKey(decision.getModelMetadataId()));
            if (byId != null && byId.getModelVersion().equals(decision.getModelVersion())) {
                return byId;
            }
        }
        return cards.get(versionKey(decision.getModelVersion()));
    }

    /** Puts {@code card} in the registry under its version and its id, where it is in force. */
    public static void register(
            BroadcastState<String, ModelVersionCard> cards, ModelVersionCard card)
            throws Exception {
        putIfNewer(cards, versionKey(card.getModelVersion()), card);
        putIfNewer(cards, idKey(card.getCardId()), card);
    }

    /** Sets the three model card columns of {@code decision} for {@code card} (null: none). */
    public static ModelCardStatus link(
            DecisionRecord decision, ModelVersionCard card, RequiredCertifications required) {
        ModelCardStatus status;
        if (card == null) {
            decision.setModelCardId(null);
            decision.setModelCardSha256(null);
            status = ModelCardStatus.NO_CARD;
        } else {
            decision.setModelCardId(card.getCardId());
            decision.setModelCardSha256(card.getCardSha256());
            status =
                    required.missing(decision.getTenantId(), card).isEmpty()
                            ? ModelCardStatus.LINKED
                            : ModelCardStatus.MISSING_CERTIFICATION;
        }
        decision.setModelCardStatus(status.name());
        return status;
    }

    @Override
    public void processBroadcastElement(
            ModelVersionCard card, Context ctx, Collector<DecisionRecord> out) throws Exception {
        register(ctx.getBroadcastState(CARDS), card);
    }

    private static void putIfNewer(
            BroadcastState<String, ModelVersionCard> cards, String key, ModelVersionCard card)
            throws Exception {
        ModelVersionCard current = cards.get(key);
        if (current == null || supersedes(card, current)) {
            cards.put(key, card);
        }
    }

    /**
     * True when {@code a} is in force rather than {@code b}: later registration, then larger hash.
     */
    public static boolean supersedes(ModelVersionCard a, ModelVersionCard b) {
        int byTime = a.getRegisteredAt().compareTo(b.getRegisteredAt());
        return byTime != 0 ? byTime > 0 : a.getCardSha256().compareTo(b.getCardSha256()) > 0;
    }

    static String versionKey(String modelVersion) {
        return "version:" + modelVersion;
    }

    static String idKey(String cardId) {
        return "id:" + cardId;
    }
}
