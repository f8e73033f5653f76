package io.decisionledger.ingest;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.testing.FailOnceAfterCheckpoint;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.KafkaBrokerExtension;
import io.decisionledger.testkit.SampleDecisions;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exactly-once across a failure: the job fails once mid-stream after a completed checkpoint,
 * restarts from it, and the lake still holds every event exactly once, with re-sent events still
 * recognised as duplicates (the de-duplication state was restored with the offsets).
 */
class IngestExactlyOnceITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    @TempDir static Path work;

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void recoversFromAFailureAfterACheckpointWithoutLossOrDuplicates() throws Exception {
        // given 3000 events and 200 re-sends on a two-partition topic
        String topic = "decisions-eo";
        KAFKA.broker().createTopic(topic, 2);
        SampleDecisions.Sample sample = SampleDecisions.generate(7, 3000, 0, 200, Instant.now());
        IngestRun.produce(KAFKA.broker().bootstrapServers(), topic, sample.events());
        Path lake = work.resolve("lake");
        IngestOptions options =
                IngestRun.boundedOptions(
                                KAFKA.broker().bootstrapServers(), topic, lake.toUri().toString())
                        .with("checkpoint-interval", "PT0.3S");

        // when the job fails once, 500 records after its first completed checkpoint
        FailOnceAfterCheckpoint.reset();
        StreamExecutionEnvironment env = IngestRun.environment(options);
        IngestPipeline job = IngestJob.fromOptions(options);
        job.buildFrom(
                job.readDecisions(env)
                        .map(new FailOnceAfterCheckpoint<ParsedDecision>(500))
                        .returns(TypeInformation.of(ParsedDecision.class))
                        .name("fail-once"));
        env.execute("ingest-exactly-once-it");

        // then it did fail, and recovered to exactly the expected content
        assertThat(FailOnceAfterCheckpoint.hasFailed()).isTrue();
        String audit = table(lake.resolve("audit/decisions"));
        List<String> stored =
                query("SELECT event_id FROM " + audit + " ORDER BY event_id").stream()
                        .map(r -> (String) r.get("event_id"))
                        .toList();
        List<String> expected =
                sample.valid().stream().map(SampleDecisions.Event::eventId).sorted().toList();
        assertThat(stored).hasSize(3000).isEqualTo(expected);

        // and every tenant's hash chain is gap-free from 1, without repeats, ending at its head
        List<Map<String, Object>> chains =
                query(
                        "SELECT tenant_id, chain_shard, count(*) AS n, count(DISTINCT chain_seq) AS distinct_seqs,"
                                + " min(chain_seq) AS first_seq, max(chain_seq) AS last_seq,"
                                + " arg_max(hash, chain_seq) AS last_hash FROM "
                                + audit
                                + " GROUP BY ALL ORDER BY tenant_id");
        assertThat(chains).hasSize(sample.acceptedPerTenant().size());
        for (Map<String, Object> chain : chains) {
            long n = ((Number) chain.get("n")).longValue();
            assertThat(n)
                    .isEqualTo(sample.acceptedPerTenant().get((String) chain.get("tenant_id")));
            assertThat(((Number) chain.get("distinct_seqs")).longValue()).isEqualTo(n);
            assertThat(((Number) chain.get("first_seq")).longValue()).isEqualTo(1);
            assertThat(((Number) chain.get("last_seq")).longValue()).isEqualTo(n);
            Map<String, Object> head =
                    query(
                                    "SELECT max(chain_seq) AS seq, arg_max(hash, chain_seq) AS hash FROM "
                                            + table(lake.resolve("chain/heads"))
                                            + " WHERE tenant_id = '"
                                            + chain.get("tenant_id")
                                            + "'")
                            .get(0);
            assertThat(((Number) head.get("seq")).longValue()).isEqualTo(n);
            assertThat(head.get("hash")).isEqualTo(chain.get("last_hash"));
        }

        String quarantine = table(lake.resolve("quarantine"));
        assertThat(count("SELECT count(*) FROM " + quarantine)).isEqualTo(200);
        assertThat(
                        count(
                                "SELECT count(*) FROM "
                                        + quarantine
                                        + " WHERE reason_code = 'DUPLICATE_EVENT_ID'"))
                .isEqualTo(200);
    }
}
