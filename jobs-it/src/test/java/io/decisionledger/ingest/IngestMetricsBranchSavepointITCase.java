package io.decisionledger.ingest;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static io.decisionledger.testing.TestFiles.copy;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.testing.KafkaProgress;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.KafkaBrokerExtension;
import io.decisionledger.testkit.SampleDecisions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Switching the metrics branch on in a running deployment: the ingest job's savepoint of commit
 * bd00da8 (taken without the branch, {@code src/test/resources/savepoints/ingest-bd00da8/}) is
 * restored into the current job with {@code --metrics true} and {@code allowNonRestoredState =
 * false} (as {@link IngestSavepointCompatibilityITCase} restores it without the branch): adding the
 * branch's operators needs no flag, the old state is still there (offsets, de-duplication), and the
 * branch's windows start empty and count exactly the decisions stored after the restore.
 */
class IngestMetricsBranchSavepointITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path work;

    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
    private static Path lake;
    private static List<SampleDecisions.Event> newEvents;
    private static List<SampleDecisions.Event> resent;

    @BeforeAll
    static void restoreTheSavepointTakenWithoutTheBranchIntoAJobWithIt() throws Exception {
        Path resource = IngestSavepointCompatibilityITCase.resource();
        JsonNode expected = JSON.readTree(resource.resolve("expected.json").toFile());
        Path savepoint = copy(resource.resolve("savepoint"), work.resolve("old-savepoint"));
        String topic = IngestSavepointCompatibilityITCase.TOPIC;
        int partitions = IngestSavepointCompatibilityITCase.PARTITIONS;

        // given the old run's records at the same offsets on a fresh broker
        KAFKA.broker().createTopic(topic, partitions);
        KAFKA.broker().produce(topic, IngestSavepointCompatibilityITCase.beforeSavepoint());
        Map<Integer, Long> savepointOffsets = new TreeMap<>();
        expected.get("endOffsets")
                .fields()
                .forEachRemaining(
                        e ->
                                savepointOffsets.put(
                                        Integer.parseInt(e.getKey()), e.getValue().asLong()));
        assertThat(KafkaProgress.endOffsets(KAFKA.broker().bootstrapServers(), topic, partitions))
                .isEqualTo(savepointOffsets);

        // and after them new decisions and re-sends of event ids stored before the savepoint
        SampleDecisions.Sample before = IngestSavepointCompatibilityITCase.sampleBeforeSavepoint();
        newEvents =
                SampleDecisions.generate(15, 60, 0, 0, IngestSavepointCompatibilityITCase.NOW)
                        .valid();
        resent = new ArrayList<>();
        for (int k = 0; k < 10; k++) {
            resent.add(before.valid().get(10 + 20 * k));
        }
        List<SampleDecisions.Event> after = new ArrayList<>(resent);
        after.addAll(newEvents);
        KAFKA.broker().produce(topic, after);

        // when the job with the metrics branch restores it (allowNonRestoredState = false); its
        // windows stay open longer than the sample spans, so no decision is too late for them
        lake = work.resolve("lake");
        Path keyFile = work.resolve("pseudonym.key");
        Files.writeString(keyFile, "c2F2ZXBvaW50LWNvbXBhdGliaWxpdHktdGVzdC1rZXktMzItYnl0ZXM=");
        IngestOptions options =
                IngestSavepointCompatibilityITCase.options(
                                KAFKA.broker().bootstrapServers(), lake, keyFile)
                        .with("metrics", "true", "metrics-allowed-lateness", "P4D");
        StreamExecutionEnvironment env =
                IngestSavepointCompatibilityITCase.environment(
                        options, savepoint.toUri().toString());
        IngestJob.fromOptions(options).build(env);
        JobClient job = env.executeAsync("ingest-metrics-branch-savepoint");
        KafkaProgress.awaitConsumed(
                KAFKA.broker().bootstrapServers(),
                IngestSavepointCompatibilityITCase.GROUP,
                job,
                KafkaProgress.endOffsets(KAFKA.broker().bootstrapServers(), topic, partitions));
        // and is stopped draining: the end of event time closes every window
        job.stopWithSavepoint(
                        true,
                        work.resolve("new-savepoints").toUri().toString(),
                        SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);
    }

    @Test
    void theOldStateCameBack_reSentOldEventIdsAreDuplicatesAndOnlyNewDecisionsAreStored() {
        assertThat(
                        query("SELECT event_id FROM " + audit() + " ORDER BY event_id").stream()
                                .map(r -> (String) r.get("event_id"))
                                .toList())
                .isEqualTo(
                        newEvents.stream().map(SampleDecisions.Event::eventId).sorted().toList());
        assertThat(
                        count(
                                "SELECT count(*) FROM "
                                        + table(lake.resolve("quarantine"))
                                        + " WHERE reason_code = 'DUPLICATE_EVENT_ID'"))
                .isEqualTo(resent.size());
    }

    @Test
    void theBranchCountsExactlyTheDecisionsStoredSinceTheRestoreInEveryGranularity() {
        IngestMetricsBranchWindowsSavepointITCase.assertTheRowsCountTheStoredDecisions(
                lake, newEvents.size());
    }

    private static String audit() {
        return table(lake.resolve("audit/decisions"));
    }
}
