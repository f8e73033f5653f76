package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.chain.ChainEntry;
import io.decisionledger.chain.ChainHasher;
import io.decisionledger.chain.ChainSharding;
import io.decisionledger.retention.RetentionAnchors;
import io.decisionledger.schema.ChainHead;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The chain checker under Flink's operator harness, fed chain entries sorted by chain and seq as
 * the verify job sorts them: every violation kind it can find (duplicate event ids are the
 * pipeline's), the statistics it emits per chain on its side output, and holes that retention
 * anchors bridge, or fail to. Hashes are labels ({@code h<seq>}): the checker compares links, the
 * re-hashing is {@link ReadChainEntries}'.
 */
class ChainCheckerTest {

    private static final String BANK = "bank_456";
    private static final String CHAIN = ChainSharding.chainKey(BANK, 0);

    private final Map<String, ChainHead> heads = new HashMap<>();
    private RetentionAnchors anchors = RetentionAnchors.none();

    // ------------------------------------------------------------------- an untouched chain

    @Test
    void aChainLinkedFromSeqOneToItsHeadHasNoViolationAndReportsItsStatistics() throws Exception {
        head(BANK, 0, 5, "h5");
        head("insurer_789", 2, 2, "h2");

        Checked checked =
                check(
                        entry(BANK, 0, 1),
                        entry(BANK, 0, 2),
                        entry(BANK, 0, 3),
                        entry(BANK, 0, 4),
                        entry(BANK, 0, 5),
                        entry("insurer_789", 2, 1),
                        entry("insurer_789", 2, 2));

        assertThat(checked.violations).isEmpty();
        assertThat(checked.stats)
                .containsExactly(
                        new ChainStats(BANK, 0, 5, 0), new ChainStats("insurer_789", 2, 2, 0));
        assertThat(checked.stats.get(1).chainKey())
                .isEqualTo(ChainSharding.chainKey("insurer_789", 2));
    }

    // ------------------------------------------------------------------- one record altered

    @Test
    void aRecordWhoseFieldsNoLongerHashToItsContentHashIsContentModified() throws Exception {
        head(BANK, 0, 3, "h3");
        ChainEntry changed = entry(BANK, 0, 2);
        changed.contentOk = false;

        Checked checked = check(entry(BANK, 0, 1), changed, entry(BANK, 0, 3));

        assertThat(checked.lines()).containsExactly("CONTENT_MODIFIED bank_456/0 2..2 f2");
        assertThat(checked.violations.get(0).detail)
                .isEqualTo("event e2: fields do not hash to content_sha256");
    }

    @Test
    void aRecordStoredOutsideItsOwnTenantAndDateFolderIsMisplaced() throws Exception {
        head(BANK, 0, 3, "h3");
        ChainEntry moved = entry(BANK, 0, 2);
        moved.misplaced = "stored under tenant_id=x/event_date=2026-03-15 but …";

        Checked checked = check(entry(BANK, 0, 1), moved, entry(BANK, 0, 3));

        assertThat(checked.lines()).containsExactly("MISPLACED_ROW bank_456/0 2..2 f2");
        assertThat(checked.violations.get(0).detail)
                .isEqualTo("event e2: stored under tenant_id=x/event_date=2026-03-15 but …");
    }

    @Test
    void aRecordWhoseChainHashDoesNotRecomputeIsAHashMismatch() throws Exception {
        head(BANK, 0, 3, "h3");
        ChainEntry rehashed = entry(BANK, 0, 2);
        rehashed.hashOk = false;

        Checked checked = check(entry(BANK, 0, 1), rehashed, entry(BANK, 0, 3));

        assertThat(checked.lines()).containsExactly("HASH_MISMATCH bank_456/0 2..2 f2");
    }

    @Test
    void aRecordWithoutChainFieldsIsUnchainedAndItsChainStillCounts() throws Exception {
        ChainEntry unchained = entry(BANK, 0, 1);
        unchained.seq = -1;
        unchained.prevHash = null;
        unchained.hash = null;

        Checked checked = check(unchained);

        assertThat(checked.lines()).containsExactly("UNCHAINED bank_456/0 -1..-1 f1");
        assertThat(checked.violations.get(0).detail).isEqualTo("event e1 has no chain fields");
        // no chained record, so no head is missing: the chain is seen, at seq 0
        assertThat(checked.stats).containsExactly(new ChainStats(BANK, 0, 0, 0));
    }

    // ------------------------------------------------------------------- records added or lost

    @Test
    void aSeqStoredTwiceIsRepeated() throws Exception {
        head(BANK, 0, 3, "h3");

        Checked checked =
                check(entry(BANK, 0, 1), entry(BANK, 0, 2), entry(BANK, 0, 2), entry(BANK, 0, 3));

        assertThat(checked.lines()).containsExactly("SEQ_REPEATED bank_456/0 2..2 f2");
        assertThat(checked.violations.get(0).detail).isEqualTo("seq 2 appears again (event e2)");
    }

    @Test
    void missingSeqsAreAGapNamingTheMissingRange() throws Exception {
        head(BANK, 0, 6, "h6");

        Checked checked =
                check(entry(BANK, 0, 1), entry(BANK, 0, 2), entry(BANK, 0, 5), entry(BANK, 0, 6));

        assertThat(checked.lines()).containsExactly("SEQ_GAP bank_456/0 3..4 f5");
        assertThat(checked.violations.get(0).detail)
                .isEqualTo("2 record(s) missing before this file's seq 5");
    }

    @Test
    void aPrevHashThatIsNotTheHashBeforeItIsABrokenLink() throws Exception {
        head(BANK, 0, 3, "h3");
        ChainEntry relinked = entry(BANK, 0, 3);
        relinked.prevHash = "forged";

        Checked checked = check(entry(BANK, 0, 1), entry(BANK, 0, 2), relinked);

        assertThat(checked.lines()).containsExactly("BROKEN_LINK bank_456/0 3..3 f3");
        assertThat(checked.violations.get(0).detail)
                .isEqualTo("prev_hash is not the hash of seq 2");
    }

    // ------------------------------------------------------------------- against the heads

    @Test
    void aRecordAtTheHeadsSeqWithAnotherHashIsAHeadMismatch() throws Exception {
        head(BANK, 0, 2, "published");

        Checked checked = check(entry(BANK, 0, 1), entry(BANK, 0, 2));

        assertThat(checked.lines()).containsExactly("HEAD_MISMATCH bank_456/0 2..2 f2");
    }

    @Test
    void recordsAfterTheLatestHeadAreBeyondIt() throws Exception {
        head(BANK, 0, 2, "h2");
        head("insurer_789", 0, 1, "h1");

        Checked checked =
                check(
                        entry(BANK, 0, 1),
                        entry(BANK, 0, 2),
                        entry(BANK, 0, 3),
                        entry(BANK, 0, 4),
                        entry("insurer_789", 0, 1),
                        entry("insurer_789", 0, 2));

        assertThat(checked.lines())
                .containsExactly(
                        "BEYOND_HEAD bank_456/0 3..4 f4", "BEYOND_HEAD insurer_789/0 2..2 f2");
        assertThat(checked.violations.get(0).detail)
                .isEqualTo("records after the latest published head (seq 2)");
    }

    @Test
    void aChainThatEndsBeforeItsHeadIsTruncated() throws Exception {
        head(BANK, 0, 7, "h7");

        Checked checked = check(entry(BANK, 0, 1), entry(BANK, 0, 2), entry(BANK, 0, 3));

        assertThat(checked.lines()).containsExactly("TRUNCATED bank_456/0 4..7 f3");
        assertThat(checked.violations.get(0).detail)
                .isEqualTo("chain ends at seq 3, the latest head is at 7");
        assertThat(checked.stats).containsExactly(new ChainStats(BANK, 0, 3, 0));
    }

    @Test
    void aChainWithoutAPublishedHeadCannotRuleOutTruncation() throws Exception {
        Checked checked = check(entry(BANK, 0, 1), entry(BANK, 0, 2));

        assertThat(checked.lines()).containsExactly("NO_HEAD bank_456/0 1..2 -");
    }

    // ------------------------------------------------------------------- retention anchors

    @Test
    void aChainThatStartsAfterARetentionCutVerifiesAcrossTheAnchors() throws Exception {
        head(BANK, 0, 6, "h6");
        anchors(new RetentionAnchors.Run(1, 3, ChainHasher.GENESIS, "h3"));

        Checked checked = check(entry(BANK, 0, 4), entry(BANK, 0, 5), entry(BANK, 0, 6));

        assertThat(checked.violations).isEmpty();
        assertThat(checked.stats).containsExactly(new ChainStats(BANK, 0, 6, 3));
    }

    @Test
    void holesAroundAHeldRecordAndADeletedTailAreBridgedWhenTheAnchorsLink() throws Exception {
        // 2-3 deleted, 4 held, 5 deleted, 6 kept, 7-8 (the tail up to the head) deleted
        head(BANK, 0, 8, "h8");
        anchors(
                new RetentionAnchors.Run(2, 3, "h1", "h3"),
                new RetentionAnchors.Run(5, 5, "h4", "h5"),
                new RetentionAnchors.Run(7, 8, "h6", "h8"));

        Checked checked = check(entry(BANK, 0, 1), entry(BANK, 0, 4), entry(BANK, 0, 6));

        assertThat(checked.violations).isEmpty();
        assertThat(checked.stats).containsExactly(new ChainStats(BANK, 0, 6, 5));
    }

    @Test
    void anAnchorThatDoesNotLinkToTheHashBeforeItIsABrokenLink() throws Exception {
        head(BANK, 0, 4, "h4");
        anchors(new RetentionAnchors.Run(2, 3, "forged", "h3"));

        Checked checked = check(entry(BANK, 0, 1), entry(BANK, 0, 4));

        assertThat(checked.lines()).containsExactly("BROKEN_LINK bank_456/0 2..3 f4");
        assertThat(checked.violations.get(0).detail)
                .isEqualTo("the retention anchor of seqs 2..3 does not link to the hash before it");
    }

    @Test
    void aRecordAfterAnAnchorThatDoesNotLinkToItsLastHashIsABrokenLink() throws Exception {
        head(BANK, 0, 4, "h4");
        anchors(new RetentionAnchors.Run(2, 3, "h1", "h3"));
        ChainEntry after = entry(BANK, 0, 4);
        after.prevHash = "forged";

        Checked checked = check(entry(BANK, 0, 1), after);

        assertThat(checked.lines()).containsExactly("BROKEN_LINK bank_456/0 4..4 f4");
        assertThat(checked.violations.get(0).detail)
                .isEqualTo("prev_hash is not the last hash of the retention anchor before it");
    }

    @Test
    void positionsDeletedWithoutASummaryAreStillAGap() throws Exception {
        head(BANK, 0, 6, "h6");
        anchors(new RetentionAnchors.Run(2, 3, "h1", "h3"));

        Checked checked = check(entry(BANK, 0, 1), entry(BANK, 0, 6));

        assertThat(checked.lines()).containsExactly("SEQ_GAP bank_456/0 4..5 f6");
        assertThat(checked.violations.get(0).detail)
                .isEqualTo(
                        "2 record(s) missing before this file's seq 6"
                                + " (not covered by retention summaries)");
        assertThat(checked.stats).containsExactly(new ChainStats(BANK, 0, 6, 2));
    }

    @Test
    void aRecordTheAnchorsCallDeletedButThatIsStillStoredIsRepeated() throws Exception {
        head(BANK, 0, 5, "h5");
        anchors(new RetentionAnchors.Run(2, 4, "h1", "h4"));

        Checked checked = check(entry(BANK, 0, 1), entry(BANK, 0, 3), entry(BANK, 0, 5));

        assertThat(checked.lines()).first().isEqualTo("SEQ_REPEATED bank_456/0 3..3 f3");
        assertThat(checked.violations.get(0).detail)
                .isEqualTo("seq 3 is recorded as deleted by retention but is still stored");
    }

    @Test
    void aTailTheAnchorsCoverButWhoseLastHashIsNotTheHeadsIsTruncated() throws Exception {
        head(BANK, 0, 5, "h5");
        anchors(new RetentionAnchors.Run(4, 5, "h3", "not-h5"));

        Checked checked = check(entry(BANK, 0, 1), entry(BANK, 0, 2), entry(BANK, 0, 3));

        assertThat(checked.lines()).containsExactly("TRUNCATED bank_456/0 4..5 f3");
        assertThat(checked.stats).containsExactly(new ChainStats(BANK, 0, 3, 0));
    }

    // ------------------------------------------------------------------- input not sorted

    @Test
    void aChainWhoseSeqGoesBackInTheInputFailsInsteadOfReportingRepeats() {
        head(BANK, 0, 4, "h4");

        // a chain's sorted runs merged the wrong way round (3..4, then 1..2), as Flink 2.2.0's
        // keyed sortPartition did once it spilled
        assertThatThrownBy(
                        () ->
                                check(
                                        entry(BANK, 0, 3),
                                        entry(BANK, 0, 4),
                                        entry(BANK, 0, 1),
                                        entry(BANK, 0, 2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage(
                        "the chain checker's input is not sorted by chain and seq: chain "
                                + CHAIN
                                + " goes back from seq 4 to 1; the sort before the checker is"
                                + " broken, no report is made");
    }

    @Test
    void aChainThatComesBackAfterAnotherChainFails() {
        head(BANK, 0, 2, "h2");
        head("insurer_789", 2, 1, "h1");

        assertThatThrownBy(
                        () ->
                                check(
                                        entry(BANK, 0, 1),
                                        entry("insurer_789", 2, 1),
                                        entry(BANK, 0, 2)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("chain " + CHAIN + " comes back after other chains at seq 2");
    }

    @Test
    void aRepeatedSeqIsStillAViolationNotADisorder() throws Exception {
        head(BANK, 0, 2, "h2");

        Checked checked = check(entry(BANK, 0, 1), entry(BANK, 0, 1), entry(BANK, 0, 2));

        assertThat(checked.lines()).containsExactly("SEQ_REPEATED bank_456/0 1..1 f1");
    }

    @Test
    void seqsOutsideTheSortKeysRangeArriveUnsortedAndAreWalkedInSeqOrder() throws Exception {
        head(BANK, 0, 2, "h2");
        head("insurer_789", 2, 1, "h1");
        long far = ChainSortKey.MAX_PLACED_SEQ + 10;

        // as the sort hands them over: seqs below -1 share the chain's first position and seqs
        // above the key's range its last one, each group in no particular order
        Checked checked =
                check(
                        entry(BANK, 0, -5),
                        entry(BANK, 0, Long.MIN_VALUE),
                        entry(BANK, 0, 1),
                        entry(BANK, 0, 2),
                        entry(BANK, 0, far + 1),
                        entry(BANK, 0, far),
                        entry("insurer_789", 2, 1));

        assertThat(checked.lines())
                .containsExactly(
                        // a negative seq is no chain position: reported as such, lowest first
                        "UNCHAINED bank_456/0 -1..-1 f" + Long.MIN_VALUE,
                        "UNCHAINED bank_456/0 -1..-1 f-5",
                        "SEQ_GAP bank_456/0 3.." + (far - 1) + " f" + far,
                        "BEYOND_HEAD bank_456/0 3.." + (far + 1) + " f" + (far + 1));
        assertThat(checked.stats)
                .containsExactly(
                        new ChainStats(BANK, 0, far + 1, 0),
                        new ChainStats("insurer_789", 2, 1, 0));
    }

    // ------------------------------------------------------------------------------ helpers

    private void head(String tenant, int shard, long seq, String hash) {
        ChainHead h = new ChainHead();
        h.setTenantId(tenant);
        h.setChainShard(shard);
        h.setChainSeq(seq);
        h.setHash(hash);
        h.setEventId("e" + seq);
        h.setPublishedAt(Instant.parse("2026-03-15T12:00:00Z"));
        heads.put(ChainSharding.chainKey(tenant, shard), h);
    }

    private void anchors(RetentionAnchors.Run... runs) {
        anchors = RetentionAnchors.of(CHAIN, List.of(runs));
    }

    /** Record {@code seq} of a chain: hash {@code h<seq>}, linked to {@code h<seq-1>}. */
    private static ChainEntry entry(String tenant, int shard, long seq) {
        ChainEntry e = new ChainEntry();
        e.tenantId = tenant;
        e.chainShard = shard;
        e.seq = seq;
        e.prevHash = seq == 1 ? ChainHasher.GENESIS : "h" + (seq - 1);
        e.hash = "h" + seq;
        e.eventId = "e" + seq;
        e.file = "f" + seq;
        e.contentOk = true;
        e.hashOk = true;
        return e;
    }

    private Checked check(ChainEntry... sorted) throws Exception {
        try (OneInputStreamOperatorTestHarness<ChainEntry, Violation> harness =
                new OneInputStreamOperatorTestHarness<>(new ChainChecker(heads, anchors))) {
            harness.open();
            for (ChainEntry e : sorted) {
                harness.processElement(new StreamRecord<>(e));
            }
            harness.endInput();
            List<ChainStats> stats = new ArrayList<>();
            harness.getSideOutput(ChainChecker.CHAIN_STATS).forEach(r -> stats.add(r.getValue()));
            return new Checked(harness.extractOutputValues(), stats);
        }
    }

    /** What the checker emitted: violations in order, and the side output's statistics. */
    private record Checked(List<Violation> violations, List<ChainStats> stats) {

        /** {@code KIND tenant/shard from..to file} per violation. */
        List<String> lines() {
            return violations.stream()
                    .map(
                            v ->
                                    v.kind
                                            + " "
                                            + v.tenantId
                                            + "/"
                                            + v.chainShard
                                            + " "
                                            + v.seqFrom
                                            + ".."
                                            + v.seqTo
                                            + " "
                                            + (v.file == null ? "-" : v.file))
                    .toList();
        }
    }
}
