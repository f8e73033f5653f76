package io.decisionledger.replay;

/**
 * The verdict of one replayed decision ({@link ReplayComparison}), stored by name in the {@code
 * status} column of {@code replays/}. The names are stable.
 */
public enum ReplayStatus {
    /** Approved equal and |confidence difference| within the tolerance. */
    MATCH,
    /** The replay decided, but differently. */
    DRIFT,
    /** The replay gave no usable decision (the {@code error} column says why). */
    ERROR
}
