package io.decisionledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.testing.CollectingSink;
import io.decisionledger.testing.InMemoryDecisions;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.SampleDecisions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ingest with {@code --tenant-bindings} on a MiniCluster, fed from memory through the same {@code
 * DecisionReader} as the Kafka source: a record for a tenant the topic is not bound to goes to
 * quarantine as TENANT_NOT_ALLOWED and never reaches the audit lake or any tenant's chain.
 */
class IngestTenantBindingITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final String TOPIC = "decisions-bank";
    private static final String BANK = "bank_456";
    private static final String INSURER = "insurer_789";
    private static final Instant NOW = Instant.parse("2026-03-15T12:00:00Z");

    @TempDir Path dir;

    @Test
    void quarantinesRecordsForTenantsTheTopicIsNotBoundTo() throws Exception {
        // given a topic bound to bank_456, carrying bank_456's decisions and some for insurer_789
        Path bindings = dir.resolve("bindings.json");
        Files.writeString(bindings, "{\"topics\":{\"" + TOPIC + "\":[\"" + BANK + "\"]}}");
        List<SampleDecisions.Event> input = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            input.add(SampleDecisions.eventAt(7, i, i % 3 == 0 ? INSURER : BANK, NOW));
        }
        List<String> bankIds =
                input.stream()
                        .filter(e -> e.tenantId().equals(BANK))
                        .map(e -> e.eventId())
                        .toList();
        List<String> insurerIds =
                input.stream()
                        .filter(e -> e.tenantId().equals(INSURER))
                        .map(e -> e.eventId())
                        .toList();
        IngestOptions options =
                IngestRun.boundedOptions("in-memory:9092", TOPIC, "file:///unused")
                        .with(
                                "checkpoint-interval",
                                "PT0.1S",
                                "tenant-bindings",
                                bindings.toString());

        // when ingest reads them
        Collected out = run(options, input);

        // then only bank_456's decisions are stored and chained; insurer_789's are quarantined
        assertThat(out.audit)
                .extracting(DecisionRecord::getEventId)
                .containsExactlyInAnyOrderElementsOf(bankIds);
        assertThat(out.quarantine)
                .extracting(QuarantineRecord::getEventId)
                .containsExactlyInAnyOrderElementsOf(insurerIds);
        assertThat(out.quarantine)
                .allSatisfy(
                        q -> {
                            assertThat(q.getReasonCode()).isEqualTo("TENANT_NOT_ALLOWED");
                            assertThat(q.getTenantId()).isEqualTo(INSURER);
                            assertThat(q.getDetail())
                                    .isEqualTo("tenant not bound to topic " + TOPIC);
                            assertThat(q.getSourceTopic()).isEqualTo(TOPIC);
                        });
        assertThat(out.heads).extracting(ChainHead::getTenantId).containsOnly(BANK);
    }

    @Test
    void withoutBindingsEveryTenantIsStoredAndTheJobWarns() throws Exception {
        List<SampleDecisions.Event> input =
                List.of(
                        SampleDecisions.eventAt(8, 0, BANK, NOW),
                        SampleDecisions.eventAt(8, 1, INSURER, NOW));
        IngestOptions options =
                IngestRun.boundedOptions("in-memory:9092", TOPIC, "file:///unused")
                        .with("checkpoint-interval", "PT0.1S");

        Collected out = run(options, input);

        assertThat(IngestJob.warnIfTenantsUnbound(options)).isTrue();
        assertThat(out.audit)
                .extracting(DecisionRecord::getTenantId)
                .containsExactlyInAnyOrder(BANK, INSURER);
        assertThat(out.quarantine).isEmpty();
    }

    private record Collected(
            List<DecisionRecord> audit, List<QuarantineRecord> quarantine, List<ChainHead> heads) {}

    private static Collected run(IngestOptions options, List<SampleDecisions.Event> input)
            throws Exception {
        CollectingSink<DecisionRecord> audit = CollectingSink.of(DecisionRecord.class);
        CollectingSink<QuarantineRecord> quarantine = CollectingSink.of(QuarantineRecord.class);
        CollectingSink<ChainHead> heads = CollectingSink.of(ChainHead.class);
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        IngestJob.configureEnvironment(env, options);
        new IngestPipeline(
                        options,
                        InMemoryDecisions.sourceOfValues(
                                TOPIC,
                                input.stream().map(SampleDecisions.Event::value).toList(),
                                options.parserLimits(),
                                options.tenantBindings(),
                                RateLimiterStrategy.noOp()),
                        new IngestPipeline.Sinks(
                                audit,
                                CollectingSink.of(OpsDecisionRecord.class),
                                quarantine,
                                heads,
                                CollectingSink.of(ModelVersionCard.class),
                                CollectingSink.of(ChainHead.class)))
                .build(env);
        env.execute("ingest-tenant-binding-it");
        return new Collected(audit.values(), quarantine.values(), heads.values());
    }
}
