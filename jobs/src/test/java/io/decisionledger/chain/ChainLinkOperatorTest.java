package io.decisionledger.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.decision.DecisionParser;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testkit.SampleDecisions;
import java.time.Instant;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The chain link operator under Flink's keyed harness: links, heads before barriers, restore. */
class ChainLinkOperatorTest {

    private static final KeySelector<DecisionRecord, String> BY_TENANT =
            d -> ChainSharding.chainKey(d.getTenantId(), 0);

    private final DecisionParser parser = new DecisionParser(ParserLimits.defaults());
    private final SampleDecisions.Sample sample =
            SampleDecisions.generate(5, 6, 0, 0, Instant.parse("2026-03-15T12:00:00Z"));
    private KeyedOneInputStreamOperatorTestHarness<String, DecisionRecord, DecisionRecord> harness;

    @BeforeEach
    void setUp() throws Exception {
        harness = newHarness();
        harness.open();
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    private KeyedOneInputStreamOperatorTestHarness<String, DecisionRecord, DecisionRecord>
            newHarness() throws Exception {
        return new KeyedOneInputStreamOperatorTestHarness<>(
                new ChainLinkOperator(), BY_TENANT, Types.STRING);
    }

    private DecisionRecord decision(int i, String tenant) {
        String json =
                new String(sample.valid().get(i).value(), java.nio.charset.StandardCharsets.UTF_8)
                        .replaceFirst(
                                "\"tenantId\":\"[a-z_0-9]+\"", "\"tenantId\":\"" + tenant + "\"");
        return parser.parse(
                        json.getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        "t",
                        0,
                        i,
                        Instant.parse("2026-03-15T12:00:00Z"))
                .decision();
    }

    private List<ChainHead> heads() {
        var side = harness.getSideOutput(ChainLinkOperator.HEADS);
        return side == null ? List.of() : side.stream().map(StreamRecord::getValue).toList();
    }

    @Test
    void linksEachTenantsRecordsIntoItsOwnGapFreeChain() throws Exception {
        harness.processElement(new StreamRecord<>(decision(0, "bank_a")));
        harness.processElement(new StreamRecord<>(decision(1, "bank_b")));
        harness.processElement(new StreamRecord<>(decision(2, "bank_a")));

        List<DecisionRecord> out = harness.extractOutputValues();
        assertThat(out).extracting(DecisionRecord::getChainSeq).containsExactly(1L, 1L, 2L);
        assertThat(out.get(0).getPrevHash()).isEqualTo(ChainHasher.GENESIS);
        assertThat(out.get(1).getPrevHash()).isEqualTo(ChainHasher.GENESIS);
        assertThat(out.get(2).getPrevHash()).isEqualTo(out.get(0).getHash());
        assertThat(out).extracting(DecisionRecord::getChainShard).containsOnly(0);
        for (DecisionRecord r : out) {
            assertThat(r.getHash())
                    .matches("[0-9a-f]{64}")
                    .isEqualTo(new ChainHasher().hash(r.getPrevHash(), r));
        }
        assertThat(harness.numKeyedStateEntries()).isEqualTo(2);
        assertThat(heads()).as("no heads before a checkpoint").isEmpty();
    }

    @Test
    void publishesTheHeadOfEveryMovedChainBeforeTheBarrierOnlyOnce() throws Exception {
        harness.processElement(new StreamRecord<>(decision(0, "bank_a")));
        harness.processElement(new StreamRecord<>(decision(1, "bank_a")));
        harness.processElement(new StreamRecord<>(decision(2, "bank_b")));

        harness.prepareSnapshotPreBarrier(1);
        List<DecisionRecord> out = harness.extractOutputValues();
        assertThat(heads())
                .extracting(ChainHead::getTenantId, ChainHead::getChainSeq, ChainHead::getHash)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("bank_a", 2L, out.get(1).getHash()),
                        org.assertj.core.groups.Tuple.tuple("bank_b", 1L, out.get(2).getHash()));

        // a chain that did not move is not published again
        harness.processElement(new StreamRecord<>(decision(3, "bank_b")));
        harness.prepareSnapshotPreBarrier(2);
        assertThat(heads()).hasSize(3);
        assertThat(heads().get(2).getTenantId()).isEqualTo("bank_b");
        assertThat(heads().get(2).getChainSeq()).isEqualTo(2L);
    }

    @Test
    void continuesTheChainAfterARestoreWithoutGapOrRepeat() throws Exception {
        harness.processElement(new StreamRecord<>(decision(0, "bank_a")));
        harness.processElement(new StreamRecord<>(decision(1, "bank_a")));
        String lastHash = harness.extractOutputValues().get(1).getHash();
        OperatorSubtaskState snapshot = harness.snapshot(1, 1);
        // records after the checkpoint are lost with the failure, then replayed
        harness.processElement(new StreamRecord<>(decision(2, "bank_a")));
        harness.close();

        harness = newHarness();
        harness.initializeState(snapshot);
        harness.open();
        harness.processElement(new StreamRecord<>(decision(2, "bank_a")));

        DecisionRecord replayed = harness.extractOutputValues().get(0);
        assertThat(replayed.getChainSeq()).isEqualTo(3L);
        assertThat(replayed.getPrevHash()).isEqualTo(lastHash);
    }

    @Test
    void publishesHeadsAtTheEndOfABoundedInput() throws Exception {
        harness.processElement(new StreamRecord<>(decision(0, "bank_a")));
        harness.endInput();

        assertThat(heads())
                .singleElement()
                .satisfies(h -> assertThat(h.getChainSeq()).isEqualTo(1L));
    }

    @Test
    void spreadsAShardedTenantOverItsChainsDeterministically() {
        ChainSharding sharding = ChainSharding.parse("bank_a=4, bank_b=1");

        assertThat(sharding.shardsOf("bank_a")).isEqualTo(4);
        assertThat(sharding.shardsOf("other")).isEqualTo(1);
        assertThat(sharding.shardOf("bank_a", "evt-1"))
                .isEqualTo(Math.floorMod("evt-1".hashCode(), 4));
        assertThat(sharding.shardOf("other", "evt-1")).isZero();
        assertThat(ChainSharding.parse(sharding.toString()).shardsOf("bank_a")).isEqualTo(4);
    }

    @Test
    void headAgeCountsFromTheOldestRecordUntilACheckpointCommitsItsHead() throws Exception {
        ChainLinkOperator operator = (ChainLinkOperator) harness.getOperator();
        // given nothing linked yet: nothing waits
        harness.setProcessingTime(1_000);
        assertThat(operator.headAgeSeconds()).isZero();

        // when a record is linked at t=1 s and another at t=31 s
        harness.processElement(new StreamRecord<>(decision(0, "bank_a")));
        harness.setProcessingTime(31_000);
        harness.processElement(new StreamRecord<>(decision(1, "bank_a")));
        harness.setProcessingTime(61_000);

        // then the age is the first record's wait
        assertThat(operator.headAgeSeconds()).isEqualTo(60);

        // and a barrier alone does not reset it: the head commits with the checkpoint
        harness.prepareSnapshotPreBarrier(1);
        harness.snapshot(1, 61_000);
        harness.setProcessingTime(91_000);
        harness.processElement(new StreamRecord<>(decision(2, "bank_b")));
        harness.setProcessingTime(121_000);
        assertThat(operator.headAgeSeconds()).isEqualTo(120);

        // once checkpoint 1 completes, the record linked after its barrier is the oldest waiting
        harness.notifyOfCompletedCheckpoint(1);
        assertThat(operator.headAgeSeconds()).isEqualTo(30);

        // and after the next checkpoint completes nothing waits
        harness.prepareSnapshotPreBarrier(2);
        harness.snapshot(2, 121_000);
        harness.notifyOfCompletedCheckpoint(2);
        assertThat(operator.headAgeSeconds()).isZero();
    }
}
