package io.decisionledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.privacy.RecognizerMasking;
import io.decisionledger.privacy.RecognizerOutcome;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ModelVersionCard;
import io.decisionledger.schema.OpsDecisionRecord;
import io.decisionledger.schema.QuarantineRecord;
import io.decisionledger.testing.CollectingSink;
import io.decisionledger.testing.InMemoryDecisions;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.PresidioStub;
import io.decisionledger.testkit.SampleDecisions;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ingest pipeline with the external recogniser on, on a MiniCluster, against a real HTTP server
 * with Presidio's /analyze contract ({@link PresidioStub}, standing in for Presidio, which cannot
 * run here): the names and places it finds leave the ops copy; when it is down or too slow, every
 * record's free text is redacted and counted in {@value RecognizerOutcome#METRIC_REDACTED_RECORDS},
 * never passed through, and the audit copy is untouched either way. With the recogniser off the
 * graph has no recogniser operator (savepoints of today's job stay as they are).
 */
class IngestRecognizerITCase {

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            MiniClusters.twoSlots(REPORTER.addToConfiguration(new Configuration()));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOPIC = "decisions";
    private static final int EVENTS = 6;

    /** What one run left in the sinks, and its redaction counter. */
    private record Run(List<DecisionRecord> audit, List<OpsDecisionRecord> ops, long redacted) {}

    /** Sample decisions whose reasoning names a co-signer and a city the event does not declare. */
    private static List<byte[]> input() throws Exception {
        List<byte[]> values = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            SampleDecisions.Event e =
                    SampleDecisions.declaringApplicant(
                            SampleDecisions.eventAt(
                                    7,
                                    i,
                                    "bank_456",
                                    Instant.parse("2026-03-14T09:30:00Z").plusSeconds(i)));
            ObjectNode event = (ObjectNode) JSON.readTree(e.value());
            ObjectNode ai = (ObjectNode) event.get("aiInteraction");
            ObjectNode decision = (ObjectNode) ai.get("decision");
            decision.put(
                    "reasoning",
                    decision.get("reasoning").asText()
                            + "; co-signer Emeka Okafor of Lagos vouches");
            values.add(JSON.writeValueAsBytes(event));
        }
        return values;
    }

    private static Run run(IngestOptions options) throws Exception {
        CollectingSink<DecisionRecord> audit = CollectingSink.of(DecisionRecord.class);
        CollectingSink<OpsDecisionRecord> ops = CollectingSink.of(OpsDecisionRecord.class);
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        IngestJob.configureEnvironment(env, options);
        new IngestPipeline(
                        options,
                        InMemoryDecisions.sourceOfValues(TOPIC, input(), options.parserLimits()),
                        new IngestPipeline.Sinks(
                                audit,
                                ops,
                                CollectingSink.of(QuarantineRecord.class),
                                CollectingSink.of(ChainHead.class),
                                CollectingSink.of(ModelVersionCard.class),
                                CollectingSink.of(ChainHead.class)))
                .build(env);
        JobExecutionResult result = env.execute("ingest-recognizer-it");
        long redacted =
                REPORTER
                        .findMetrics(result.getJobID(), RecognizerOutcome.METRIC_REDACTED_RECORDS)
                        .values()
                        .stream()
                        .mapToLong(m -> ((Counter) m).getCount())
                        .sum();
        return new Run(audit.values(), ops.values(), redacted);
    }

    private static IngestOptions options(String recognizerUrl) {
        return IngestRun.boundedOptions("in-memory:9092", TOPIC, "file:///unused")
                .with(
                        "checkpoint-interval",
                        "PT0.2S",
                        "recognizer-url",
                        recognizerUrl,
                        "recognizer-request-timeout",
                        "PT0.5S",
                        "recognizer-retries",
                        "2",
                        "recognizer-retry-delay",
                        "PT0.05S",
                        "recognizer-timeout",
                        "PT30S");
    }

    @Test
    void masksTheNamesAndPlacesTheRecogniserFinds() throws Exception {
        try (PresidioStub presidio =
                new PresidioStub(PresidioStub.Mode.ANSWER, PresidioStub.plantedEntities())) {
            // when
            Run run = run(options(presidio.url()).with("recognizer-request-timeout", "PT30S"));

            // then
            assertThat(run.ops()).hasSize(EVENTS);
            assertThat(run.redacted()).isZero();
            for (OpsDecisionRecord o : run.ops()) {
                assertThat(o.getDecisionReasoning())
                        .endsWith("; co-signer [NAME] of [LOCATION] vouches");
                // the declared applicant name was masked before the recogniser saw the text
                assertThat(o.getPrompt()).startsWith("Evaluate this loan application for [NAME] (");
                assertThat(o.toString()).doesNotContain("Okafor", "Lagos");
            }
            assertThat(run.audit())
                    .allSatisfy(a -> assertThat(a.getDecisionReasoning()).contains("Emeka Okafor"));
            assertThat(presidio.requests()).isGreaterThanOrEqualTo(EVENTS);
        }
    }

    @Test
    void failsClosedWhenTheRecogniserIsDown() throws Exception {
        // when
        Run run = run(options(PresidioStub.downUrl()));

        // then
        assertFailedClosed(run);
    }

    @Test
    void failsClosedWhenTheRecogniserIsTooSlow() throws Exception {
        try (PresidioStub presidio = new PresidioStub(PresidioStub.Mode.SLOW, Map.of())) {
            // when
            Run run = run(options(presidio.url()));

            // then: every request timed out, and the records were redacted. (Retries are not
            // observed here: at the end of a bounded input Flink's async operator stops retrying
            // and emits what it has; RecognizerMaskingTest checks the retry strategy.)
            assertFailedClosed(run);
            assertThat(presidio.requests()).isGreaterThanOrEqualTo(EVENTS);
        }
    }

    @Test
    void withoutARecogniserTheGraphHasNoRecogniserOperator() {
        // given
        Set<String> off = operators(IngestRun.boundedOptions("in-memory:9092", TOPIC, "file:///x"));
        Set<String> on = operators(options("http://127.0.0.1:1"));

        // then
        assertThat(off).doesNotContain("recognise-personal-data", "count-recognizer-failures");
        assertThat(on).contains("recognise-personal-data", "count-recognizer-failures");
        assertThat(on).containsAll(off);
    }

    private static Set<String> operators(IngestOptions options) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        try {
            new IngestPipeline(
                            options,
                            InMemoryDecisions.sourceOfValues(
                                    TOPIC, List.of(new byte[0]), options.parserLimits()),
                            new IngestPipeline.Sinks(
                                    CollectingSink.of(DecisionRecord.class),
                                    CollectingSink.of(OpsDecisionRecord.class),
                                    CollectingSink.of(QuarantineRecord.class),
                                    CollectingSink.of(ChainHead.class),
                                    CollectingSink.of(ModelVersionCard.class),
                                    CollectingSink.of(ChainHead.class)))
                    .build(env);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return env.getStreamGraph().getStreamNodes().stream()
                .map(StreamNode::getTransformationUID)
                .filter(uid -> uid != null)
                .collect(Collectors.toSet());
    }

    private static void assertFailedClosed(Run run) {
        assertThat(run.ops()).hasSize(EVENTS);
        assertThat(run.redacted()).isEqualTo(EVENTS);
        for (OpsDecisionRecord o : run.ops()) {
            assertThat(o.getPrompt()).isEqualTo(RecognizerMasking.REDACTED);
            assertThat(o.getSystemPrompt()).isEqualTo(RecognizerMasking.REDACTED);
            assertThat(o.getContextUserHistory()).containsOnly(RecognizerMasking.REDACTED);
            assertThat(o.getResponseContent()).isEqualTo(RecognizerMasking.REDACTED);
            assertThat(o.getDecisionReasoning()).isEqualTo(RecognizerMasking.REDACTED);
            assertThat(new String(o.toString().getBytes(StandardCharsets.UTF_8)))
                    .doesNotContain("Okafor", "Lagos", "Evaluate this loan");
        }
        // the audit copy keeps everything: only the ops copy is redacted
        assertThat(run.audit()).hasSize(EVENTS);
        assertThat(run.audit())
                .allSatisfy(a -> assertThat(a.getDecisionReasoning()).contains("Emeka Okafor"));
    }
}
