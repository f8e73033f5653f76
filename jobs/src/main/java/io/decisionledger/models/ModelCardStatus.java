package io.decisionledger.models;

/**
 * How a stored decision relates to the model registry when it was ingested: written to the {@code
 * model_card_status} column and used as the label of the {@code decisions_model_card} metric. The
 * names are stable.
 */
public enum ModelCardStatus {
    /** A card was registered for the decision's model version and holds every required cert. */
    LINKED,
    /** No card was registered for the decision's model version when it was ingested. */
    NO_CARD,
    /** The card in force lacks a certification the tenant requires. */
    MISSING_CERTIFICATION
}
