package io.decisionledger.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.schema.DecisionRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;
import org.apache.flink.util.InstantiationUtil;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the replay's job graph carries, and how its tasks read the records instead. The job graph is
 * stored by the JobManager (and, with high availability, in its HA storage, outside the lake's
 * access rules), so it must hold only the plan of what to read: file paths, event ids and the
 * filter, never a selected record's prompt or the person it is about.
 */
class ReplayPipelineTest {

    private static final String PROMPT = "Evaluate this loan application of Jane Example";
    private static final String USER_ID = "user-jane-example-1987";
    private static final Caller OFFICER = Caller.cli("mr.officer", AuditRole.COMPLIANCE_OFFICER);

    @TempDir Path work;
    private Path lake;
    private Path file;
    private List<DecisionRecord> records;

    @BeforeEach
    void writeLake() throws Exception {
        lake = work.resolve("lake");
        Path dir = lake.resolve("audit/decisions/tenant_id=bank_456/event_date=2026-03-15");
        Files.createDirectories(dir);
        file = dir.resolve("part-0.parquet");
        Instant day = Instant.parse("2026-03-15T08:00:00Z");
        records = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            DecisionRecord d =
                    ReplayFixtures.decision(
                            "bank_456", "evt-" + i, day.plus(Duration.ofMinutes(i)), 700, false);
            d.setPrompt(PROMPT + " #" + i);
            d.setUserId(USER_ID + "-" + i);
            records.add(d);
        }
        write(records);
    }

    private void write(List<DecisionRecord> rows) throws Exception {
        Files.deleteIfExists(file);
        try (ParquetWriter<DecisionRecord> w =
                AvroParquetWriter.<DecisionRecord>builder(new LocalOutputFile(file))
                        .withSchema(DecisionRecord.getClassSchema())
                        .withDataModel(SpecificData.getForClass(DecisionRecord.class))
                        .build()) {
            for (DecisionRecord r : rows) {
                w.write(r);
            }
        }
    }

    private ReplayOptions options(String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--lake", lake.toUri().toString(),
                                "--run-id", "run-graph",
                                "--purpose", "graph test",
                                "--base-url", "https://models.example/v1",
                                "--tenant", "bank_456"));
        args.addAll(List.of(more));
        return ReplayOptions.parse(args.toArray(new String[0]));
    }

    private static String serialized(StreamExecutionEnvironment env) throws Exception {
        JobGraph graph = env.getStreamGraph().getJobGraph();
        return new String(InstantiationUtil.serializeObject(graph), StandardCharsets.ISO_8859_1);
    }

    private static StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        ReplayJob.configureEnvironment(env);
        return env;
    }

    @Test
    void theJobGraphHoldsNoPromptAndNoUserOfTheSelectedRecords() throws Exception {
        // given a lake whose decisions carry a prompt and a user id, all selected
        ReplayOptions options = options();

        // when the replay is planned and its graph built, as ReplayJob does
        StreamExecutionEnvironment env = environment();
        ReplayPlan plan = ReplayRunner.selectAndLog(options, OFFICER);
        new ReplayPipeline(options, plan, ReplayJob.resultsSink(options)).build(env);
        String graph = serialized(env);

        // then the graph names what to read (the file, the event ids) but holds no record content
        assertThat(plan.size()).isEqualTo(5);
        assertThat(graph).contains("evt-3").contains("part-0.parquet");
        assertThat(graph).doesNotContain("Evaluate this loan application");
        assertThat(graph).doesNotContain("jane-example");
        assertThat(graph).doesNotContain("You are a loan underwriting assistant");
        assertThat(graph).doesNotContain("creditScore");

        // control: handing the records to the graph as the replay used to (env.fromData) puts
        // both the prompt and the user id into it, where this search finds them
        StreamExecutionEnvironment old = environment();
        old.fromData(records, new AvroTypeInfo<>(DecisionRecord.class))
                .name("selected-decisions")
                .sinkTo(new DiscardingSink<>());
        assertThat(serialized(old))
                .contains("Evaluate this loan application")
                .contains("jane-example");
    }

    @Test
    void theTasksReadExactlyThePlannedRecordsWholeFromTheLake() throws Exception {
        // given a plan of a sample of 2
        ReplayOptions options = options("--sample-size", "2", "--seed", "5");
        ReplayPlan plan = ReplayRunner.selectAndLog(options, OFFICER);
        String planned = plan.files().get(0);
        assertThat(plan.files()).hasSize(1);
        assertThat(plan.eventIds(planned)).hasSize(2);

        // when a task reads the planned file
        List<DecisionRecord> read = new ArrayList<>();
        new ReadSelectedDecisions(options, plan).flatMap(planned, collector(read));

        // then it emits those two records, whole (prompt, user id, context), and no other
        assertThat(read)
                .extracting(DecisionRecord::getEventId)
                .containsExactlyInAnyOrderElementsOf(plan.eventIds(planned));
        Map<String, DecisionRecord> stored = new HashMap<>();
        records.forEach(r -> stored.put(r.getEventId(), r));
        for (DecisionRecord r : read) {
            DecisionRecord s = stored.get(r.getEventId());
            assertThat(r.getPrompt()).isEqualTo(s.getPrompt());
            assertThat(r.getUserId()).isEqualTo(s.getUserId());
            assertThat(r.getContextMetadataJson()).isEqualTo(s.getContextMetadataJson());
            assertThat(r.getEventTime()).isEqualTo(s.getEventTime());
        }
    }

    @Test
    void aPlannedFileThatChangedFailsTheReadNamingTheFileNotTheRecords() throws Exception {
        // given a plan of all 5, then the file rewritten with 3 of them (a compaction meanwhile)
        ReplayOptions options = options();
        ReplayPlan plan = ReplayRunner.selectAndLog(options, OFFICER);
        String planned = plan.files().get(0);
        write(records.subList(0, 3));

        // when a task reads it, then the job fails with the file and the counts
        assertThatThrownBy(
                        () ->
                                new ReadSelectedDecisions(options, plan)
                                        .flatMap(planned, collector(new ArrayList<>())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("part-0.parquet")
                .hasMessageContaining("holds 3 of the 5")
                .hasMessageContaining("run the replay again")
                .hasMessageNotContaining("Evaluate")
                .hasMessageNotContaining("jane");

        // and a file that is gone altogether
        Files.delete(file);
        assertThatThrownBy(
                        () ->
                                new ReadSelectedDecisions(options, plan)
                                        .flatMap(planned, collector(new ArrayList<>())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is gone");
    }

    private static Collector<DecisionRecord> collector(List<DecisionRecord> out) {
        return new Collector<>() {
            @Override
            public void collect(DecisionRecord record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
    }
}
