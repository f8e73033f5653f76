package io.decisionledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.decision.ParsedDecision;
import io.decisionledger.metrics.MetricsPipeline;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionMetrics;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.LateDecision;
import io.decisionledger.schema.ModelVersionCard;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.testing.CollectingSink;
import io.decisionledger.testing.InMemoryDecisions;
import io.decisionledger.testing.IngestRun;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.streaming.api.operators.ChainingStrategy;
import org.apache.flink.streaming.api.transformations.SourceTransformation;
import org.apache.flink.streaming.runtime.partitioner.ForwardPartitioner;
import org.junit.jupiter.api.Test;

/**
 * The ingest job's graph with and without the metrics branch, built but not run: off (the default)
 * it is the graph without the branch, operator for operator and uid for uid, and its source has no
 * event time; on, exactly the branch's operators are added, all with {@code branch-} uids, fed from
 * the stream the audit sink stores, and the source assigns event time. (That the branch leaves the
 * lake's contents unchanged is shown on a MiniCluster in MetricsJobITCase.)
 */
class IngestPipelineGraphTest {

    private static final long KAFKA_TIMESTAMP = 1_700_000_000_000L;

    @Test
    void withoutTheMetricsBranchTheGraphHasNoneOfItsOperatorsAndNoEventTime() {
        IngestOptions off = options();
        assertThat(off.metrics().enabled()).isFalse();

        Graph graph = build(off, sinks(false));

        assertThat(graph.uids()).isNotEmpty().noneMatch(uid -> uid.startsWith("branch-"));
        assertThat(graph.names()).noneMatch(name -> name.contains("metrics"));
        // no watermark strategy: records keep their Kafka timestamp, as before the branch existed
        assertThat(graph.sourceTimestamp()).isEqualTo(KAFKA_TIMESTAMP);
    }

    @Test
    void theMetricsBranchAddsOnlyItsOwnOperatorsFedFromTheStoredDecisions() {
        assertTheBranchAddsOnlyItsOwnOperators(
                options().with("metrics", "true"), "branch-metrics-held-window-");
    }

    @Test
    void theBranchWithFlinkWindowOperatorsKeepsTheUidsItsSavepointsHoldWhichTheDefaultHasNot() {
        // the branch of earlier versions, for restoring their savepoints
        IngestOptions flinkWindows =
                options().with("metrics", "true", "metrics-held-windows", "false");
        assertTheBranchAddsOnlyItsOwnOperators(flinkWindows, "branch-metrics-window-");

        // and no window uid of it is in the default graph: Flink refuses such a savepoint there
        // (without --allowNonRestoredState) instead of dropping its windows silently
        Set<String> heldGraph =
                new HashSet<>(build(options().with("metrics", "true"), sinks(true)).uids());
        assertThat(build(flinkWindows, sinks(true)).uids())
                .filteredOn(uid -> uid.contains("window"))
                .hasSize(3)
                .noneMatch(heldGraph::contains);
    }

    private static void assertTheBranchAddsOnlyItsOwnOperators(IngestOptions on, String window) {
        IngestOptions off = options();

        Graph without = build(off, sinks(false));
        Graph with = build(on, sinks(true));

        Set<String> added = new HashSet<>(with.uids());
        added.removeAll(without.uids());
        assertThat(with.uids()).containsAll(without.uids());
        assertThat(added)
                .containsExactlyInAnyOrder(
                        "branch-decision-facts",
                        "branch-pre-aggregate-1m",
                        "branch-pre-aggregate-1h",
                        "branch-pre-aggregate-1d",
                        window + "1m",
                        window + "1h",
                        window + "1d",
                        "branch-too-late-1m",
                        "branch-too-late-1h",
                        "branch-too-late-1d",
                        "branch-metrics-sink",
                        "branch-late-decisions-sink");
        // every operator of the branch has a uid (none is hashed from the graph's shape)
        assertThat(with.nodes().size() - without.nodes().size()).isEqualTo(added.size());
        // the branch reads what the audit sink stores: the accepted, de-duplicated decisions
        assertThat(with.inputsOf("branch-decision-facts"))
                .isEqualTo(with.inputsOf("audit-decisions-sink"))
                .hasSize(1);
        // the pre-aggregation runs in the facts' thread, before the window shuffle
        for (String g : List.of("1m", "1h", "1d")) {
            StreamNode pre = with.node("branch-pre-aggregate-" + g);
            assertThat(pre.getOperatorFactory().getChainingStrategy())
                    .isEqualTo(ChainingStrategy.ALWAYS);
            assertThat(pre.getInEdges())
                    .singleElement()
                    .satisfies(
                            e ->
                                    assertThat(e.getPartitioner())
                                            .isInstanceOf(ForwardPartitioner.class));
            assertThat(with.inputsOf("branch-pre-aggregate-" + g))
                    .containsOnlyKeys("branch-decision-facts");
            assertThat(with.inputsOf(window + g)).containsOnlyKeys("branch-pre-aggregate-" + g);
        }
        // and the source stamps decisions with their event time for the branch's windows
        assertThat(with.sourceTimestamp()).isNotEqualTo(KAFKA_TIMESTAMP);
    }

    @Test
    void refusesTheBranchWithoutSinksForIt() {
        IngestOptions on = options().with("metrics", "true");

        assertThatThrownBy(() -> build(on, sinks(false)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "the metrics branch is on (--metrics true) but the pipeline was given no"
                                + " metrics and late-decisions sinks");
    }

    private static IngestOptions options() {
        return IngestRun.boundedOptions("in-memory:9092", "decisions", "file:///tmp/unused");
    }

    private static IngestPipeline.Sinks sinks(boolean metrics) {
        return new IngestPipeline.Sinks(
                CollectingSink.of(DecisionRecord.class),
                CollectingSink.of(OpsDecisionRecord.class),
                CollectingSink.of(QuarantineRecord.class),
                CollectingSink.of(ChainHead.class),
                CollectingSink.of(ModelVersionCard.class),
                CollectingSink.of(ChainHead.class),
                metrics
                        ? new MetricsPipeline.Sinks(
                                CollectingSink.of(DecisionMetrics.class),
                                CollectingSink.of(LateDecision.class),
                                null)
                        : null);
    }

    private static Graph build(IngestOptions options, IngestPipeline.Sinks sinks) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        IngestJob.configureEnvironment(env, options);
        new IngestPipeline(
                        options,
                        InMemoryDecisions.sourceOfValues(
                                "decisions",
                                List.of(new byte[] {'{', '}'}),
                                options.parserLimits()),
                        sinks)
                .build(env);
        List<Transformation<?>> all =
                env.getTransformations().stream()
                        .flatMap(t -> t.getTransitivePredecessors().stream())
                        .distinct()
                        .toList();
        return new Graph(env.getStreamGraph(), all);
    }

    private record Graph(StreamGraph streamGraph, List<Transformation<?>> transformations) {

        List<StreamNode> nodes() {
            return List.copyOf(streamGraph.getStreamNodes());
        }

        Set<String> uids() {
            return nodes().stream()
                    .map(StreamNode::getTransformationUID)
                    .filter(uid -> uid != null)
                    .collect(Collectors.toSet());
        }

        Set<String> names() {
            return nodes().stream().map(StreamNode::getOperatorName).collect(Collectors.toSet());
        }

        StreamNode node(String uid) {
            return nodes().stream()
                    .filter(n -> uid.equals(n.getTransformationUID()))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no operator with uid " + uid));
        }

        /** uid → operator name of the nodes feeding the node with {@code uid}. */
        Map<String, String> inputsOf(String uid) {
            StreamNode node = node(uid);
            Map<String, String> inputs = new TreeMap<>();
            node.getInEdges()
                    .forEach(
                            e -> {
                                StreamNode in = streamGraph.getStreamNode(e.getSourceId());
                                inputs.put(
                                        String.valueOf(in.getTransformationUID()),
                                        in.getOperatorName());
                            });
            return inputs;
        }

        /**
         * The timestamp the source gives an accepted decision read with {@link #KAFKA_TIMESTAMP}.
         */
        @SuppressWarnings("unchecked")
        long sourceTimestamp() {
            SourceTransformation<ParsedDecision, ?, ?> source =
                    (SourceTransformation<ParsedDecision, ?, ?>)
                            transformations.stream()
                                    .filter(t -> t instanceof SourceTransformation)
                                    .findFirst()
                                    .orElseThrow();
            WatermarkStrategy<ParsedDecision> strategy = source.getWatermarkStrategy();
            ParsedDecision accepted = accepted();
            return strategy.createTimestampAssigner(UnregisteredMetricsGroup::new)
                    .extractTimestamp(accepted, KAFKA_TIMESTAMP);
        }
    }

    private static ParsedDecision accepted() {
        var e =
                io.decisionledger.testkit.SampleDecisions.eventAt(
                        7, 0, "bank_456", java.time.Instant.parse("2026-03-15T10:00:00Z"));
        var reader = new io.decisionledger.decision.DecisionReader(options().parserLimits());
        reader.open(new UnregisteredMetricsGroup());
        ParsedDecision p = reader.read(e.value(), "decisions", 0, 0, KAFKA_TIMESTAMP);
        assertThat(p.isAccepted()).isTrue();
        return p;
    }
}
