package io.decisionledger.replay;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.access.AccessLog;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.AccessLogEntry;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ReplayResult;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testing.OpenAiStub;
import io.decisionledger.testing.OpenAiStub.Fault;
import io.decisionledger.testing.Proves;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.specific.SpecificData;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay job on a MiniCluster against the local OpenAI-compatible server, over a lake of stored
 * decisions: selection, retries through injected 500/429/slow answers, the comparison verdicts, the
 * what-if mode, and the Parquet results read back by DuckDB.
 */
class ReplayJobITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final String KEY = "sk-replay-it-key";
    private static final Instant DAY = Instant.parse("2026-03-15T08:00:00Z");
    private static final Pattern SCORE = Pattern.compile("\"creditScore\":(\\d+)");

    /** bank_456's credit scores; those in DRIFTED were stored with the approval flipped. */
    private static final int[] SCORES = {
        600, 620, 640, 655, 660, 680, 690, 700, 720, 750, 780, 810
    };

    private static final List<Integer> DRIFTED = List.of(640, 720, 780);

    @TempDir static Path work;
    private static OpenAiStub stub;
    private static Path lake;
    private static Path keyFile;

    @BeforeAll
    static void writeLakeAndStartModel() throws Exception {
        lake = work.resolve("lake");
        List<DecisionRecord> bank = new ArrayList<>();
        for (int i = 0; i < SCORES.length; i++) {
            bank.add(
                    ReplayFixtures.decision(
                            "bank_456",
                            "evt-" + SCORES[i],
                            DAY.plus(Duration.ofMinutes(i)),
                            SCORES[i],
                            DRIFTED.contains(SCORES[i])));
        }
        // another model version and another tenant, which the selection must leave out
        DecisionRecord otherVersion =
                ReplayFixtures.decision("bank_456", "evt-other-version", DAY, 700, false);
        otherVersion.setModelVersion("gpt-4o-2024-08-06");
        bank.add(otherVersion);
        write("tenant_id=bank_456/event_date=2026-03-15", bank);
        write(
                "tenant_id=insurer_789/event_date=2026-03-15",
                List.of(ReplayFixtures.decision("insurer_789", "evt-ins", DAY, 700, false)));
        stub = OpenAiStub.start(KEY);
        keyFile = work.resolve("api.key");
        Files.writeString(keyFile, KEY + "\n");
    }

    @AfterAll
    static void stopModel() {
        stub.close();
    }

    @BeforeEach
    void resetModel() {
        stub.reset();
    }

    private static void write(String partition, List<DecisionRecord> records) throws Exception {
        Path dir = lake.resolve("audit/decisions").resolve(partition);
        Files.createDirectories(dir);
        try (ParquetWriter<DecisionRecord> w =
                AvroParquetWriter.<DecisionRecord>builder(
                                new LocalOutputFile(dir.resolve("part-0.parquet")))
                        .withSchema(DecisionRecord.getClassSchema())
                        .withDataModel(SpecificData.getForClass(DecisionRecord.class))
                        .build()) {
            for (DecisionRecord r : records) {
                w.write(r);
            }
        }
    }

    private static int score(String userMessage) {
        Matcher m = SCORE.matcher(userMessage);
        return m.find() ? Integer.parseInt(m.group(1)) : -1;
    }

    private static final String PURPOSE = "Model-risk review MR-7";
    private static final Caller OFFICER = Caller.cli("mr.officer", AuditRole.COMPLIANCE_OFFICER);

    @Test
    void aReplayIsInTheAccessLogAndNeedsAPurposeAndAComplianceOfficer() throws Exception {
        // given a sample of the lake's decisions
        ReplayOptions options = options("run-logged", "--sample-size", "4", "--seed", "3");

        // when the replay selects them
        ReplayPlan selected = ReplayRunner.selectAndLog(options, OFFICER);

        // then the access log names who read which records, why, as a REPLAY
        List<AccessLogEntry> logged =
                new AccessLog(LakeLayout.at(lake.toUri().toString()), Clock.systemUTC())
                        .entries(
                                null,
                                null,
                                e ->
                                        e.getAction().equals("REPLAY")
                                                && e.getQueryJson()
                                                        .contains("\"run_id\":\"run-logged\""));
        assertThat(selected.size()).isEqualTo(4);
        assertThat(logged).isNotEmpty();
        assertThat(logged).allMatch(e -> e.getActor().equals("mr.officer"));
        assertThat(logged).allMatch(e -> e.getPurpose().equals(PURPOSE));
        assertThat(logged.stream().flatMap(e -> e.getRecordIds().stream()).sorted().toList())
                .isEqualTo(
                        selected.eventIdsByFile().values().stream()
                                .flatMap(List::stream)
                                .sorted()
                                .toList());

        // and an operator, or a replay without purpose, is refused before anything is read
        assertThatThrownBy(
                        () ->
                                ReplayRunner.selectAndLog(
                                        options, Caller.cli("ops.person", AuditRole.OPERATOR)))
                .isInstanceOf(AccessRefusedException.class)
                .hasMessageContaining("may not replay");
        ReplayOptions noPurpose =
                ReplayOptions.parse(
                        new String[] {
                            "--lake", lake.toUri().toString(),
                            "--run-id", "run-np",
                            "--base-url", "https://models.example/v1"
                        });
        assertThatThrownBy(() -> ReplayRunner.selectAndLog(noPurpose, OFFICER))
                .hasMessageContaining("--purpose is required");
    }

    private static ReplayOptions options(String runId, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--lake",
                                lake.toUri().toString(),
                                "--run-id",
                                runId,
                                "--purpose",
                                PURPOSE,
                                "--base-url",
                                stub.baseUrl(),
                                "--allow-insecure-endpoint",
                                "--api-key-file",
                                keyFile.toString(),
                                "--concurrency",
                                "3",
                                "--rate",
                                "100",
                                // generous enough that a loaded CI machine answers every
                                // healthy request in time; only the planned slow answer times out
                                "--request-timeout",
                                "PT5S",
                                "--max-attempts",
                                "3",
                                "--initial-backoff",
                                "PT0.05S",
                                "--max-backoff",
                                "PT2S"));
        args.addAll(List.of(more));
        return ReplayOptions.parse(args.toArray(new String[0]));
    }

    private static List<ReplayResult> run(ReplayOptions options) throws Exception {
        Configuration conf = new Configuration();
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        ReplayJob.configureEnvironment(env);
        ReplayPlan selected = ReplayRunner.selectAndLog(options, OFFICER);
        new ReplayPipeline(options, selected, ReplayJob.resultsSink(options)).build(env);
        env.execute("replay-it");
        return ReplayRunner.readResults(options);
    }

    @Test
    @Proves({"EU-AI-Act-Art-72", "SR-26-2-monitoring"})
    void replaysTheSelectionThroughFaultsAndFlagsMatchDriftAndError() throws Exception {
        // given a model that fails some requests: 500 once (600, 655), 429 with Retry-After once
        // (660), a too-slow first answer (690), and 500 every time (810)
        stub.plan(
                (message, attempt) ->
                        switch (score(message)) {
                            case 600, 655 -> attempt == 1 ? Fault.serverError() : Fault.NONE;
                            case 660 -> attempt == 1 ? Fault.tooMany(0.3) : Fault.NONE;
                            case 690 -> attempt == 1 ? Fault.slow(10_000) : Fault.NONE;
                            case 810 -> Fault.serverError();
                            default -> Fault.NONE;
                        });
        ReplayOptions options =
                options("run-faults", "--tenant", "bank_456", "--model-version", OpenAiStub.MODEL);

        // when
        List<ReplayResult> results = run(options);

        // then every selected decision has one result, and only those
        assertThat(results).hasSize(SCORES.length);
        Map<String, ReplayResult> byId = new TreeMap<>();
        results.forEach(r -> byId.put(r.getEventId(), r));
        assertThat(byId).doesNotContainKeys("evt-other-version", "evt-ins");

        for (int s : SCORES) {
            ReplayResult r = byId.get("evt-" + s);
            String expected = s == 810 ? "ERROR" : DRIFTED.contains(s) ? "DRIFT" : "MATCH";
            assertThat(r.getStatus()).as("evt-%d", s).isEqualTo(expected);
            assertThat(r.getReplayModel()).isEqualTo(OpenAiStub.MODEL);
            assertThat(r.getWhatIf()).isFalse();
            if (!expected.equals("ERROR")) {
                OpenAiStub.Decision model = OpenAiStub.decide(OpenAiStub.MODEL, s);
                assertThat(r.getReplayedApproved()).isEqualTo(model.approved());
                assertThat(r.getReplayedConfidence()).isEqualTo(model.confidence());
                assertThat(r.getApprovedEqual()).isEqualTo(!DRIFTED.contains(s));
                assertThat(r.getConfidenceDelta()).isEqualTo(0.0);
                assertThat(r.getReasoningSimilarity()).isEqualTo(1.0);
            }
        }
        assertThat(byId.get("evt-600").getAttempts()).isEqualTo(2);
        assertThat(byId.get("evt-655").getAttempts()).isEqualTo(2);
        assertThat(byId.get("evt-660").getAttempts()).isEqualTo(2);
        assertThat(byId.get("evt-660").getLatencyMs()).isGreaterThanOrEqualTo(300L);
        assertThat(byId.get("evt-690").getAttempts()).isEqualTo(2);
        assertThat(byId.get("evt-700").getAttempts()).isEqualTo(1);
        ReplayResult failed = byId.get("evt-810");
        assertThat(failed.getError()).isEqualTo("HTTP_500");
        assertThat(failed.getAttempts()).isEqualTo(3);
        assertThat(failed.getStoredApproved()).isTrue();
        assertThat(failed.getReplayedApproved()).isNull();

        // the server saw exactly those attempts: 12 first attempts + 4 retries + 2 for evt-810
        assertThat(stub.requests()).hasSize(12 + 4 + 2);
        // in flight: at most concurrency 3 per subtask, 2 subtasks
        assertThat(stub.peakInFlight()).isBetween(1, 6);

        // and DuckDB reads the same from the run folder
        String replays = table(lake.resolve("replays/run_id=run-faults"));
        assertThat(count("SELECT count(*) FROM " + replays + " WHERE status = 'MATCH'"))
                .isEqualTo(8);
        assertThat(
                        count(
                                "SELECT count(*) FROM "
                                        + replays
                                        + " WHERE status = 'DRIFT' AND NOT approved_equal"))
                .isEqualTo(3);
        assertThat(count("SELECT count(*) FROM " + replays + " WHERE status = 'ERROR'"))
                .isEqualTo(1);
        assertThat(query("SELECT DISTINCT run_id FROM " + replays))
                .extracting(r -> r.get("run_id").toString())
                .containsExactly("run-faults");

        // the summary: 8 of 11 answered match, the flips listed as worst drifts
        ReplaySummary summary = ReplaySummary.of(results, 10);
        assertThat(summary.perModel()).hasSize(1);
        assertThat(summary.perModel().get(0).matchRate()).isEqualTo(8.0 / 11);
        assertThat(summary.worstDrifts())
                .extracting(ReplayResult::getEventId)
                .containsExactlyInAnyOrder("evt-640", "evt-720", "evt-780");
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        summary.print(new PrintStream(text, true, StandardCharsets.UTF_8));
        assertThat(text.toString(StandardCharsets.UTF_8))
                .contains("72.7%")
                .contains("errors: {HTTP_500=1}")
                .doesNotContain("Evaluate this loan application")
                .doesNotContain(KEY);
    }

    @Test
    void whatIfAsksAnotherModelForADeterministicSample() throws Exception {
        // given a stricter model (approves from 700, not 650) and a sample of 6 decisions
        ReplayOptions options =
                options(
                        "run-what-if",
                        "--tenant",
                        "bank_456",
                        "--model-version",
                        OpenAiStub.MODEL,
                        "--model",
                        OpenAiStub.STRICT_MODEL,
                        "--sample-size",
                        "6",
                        "--seed",
                        "7");
        List<ReplaySelection.Selected> sample = ReplaySelection.select(options);
        assertThat(sample).hasSize(6);
        assertThat(ReplaySelection.select(options))
                .as("the same options select the same decisions")
                .extracting(ReplaySelection.Selected::eventId)
                .containsExactlyElementsOf(
                        sample.stream().map(ReplaySelection.Selected::eventId).toList());

        // when
        List<ReplayResult> results = run(options);

        // then each verdict is what the stricter model decides against what was stored
        assertThat(results).hasSize(6);
        assertThat(stub.requests()).allMatch(r -> r.model().equals(OpenAiStub.STRICT_MODEL));
        for (ReplayResult r : results) {
            int s = Integer.parseInt(r.getEventId().substring("evt-".length()));
            boolean storedApproved = (s >= 650) != DRIFTED.contains(s);
            OpenAiStub.Decision strict = OpenAiStub.decide(OpenAiStub.STRICT_MODEL, s);
            OpenAiStub.Decision recorded = OpenAiStub.decide(OpenAiStub.MODEL, s);
            assertThat(r.getWhatIf()).isTrue();
            assertThat(r.getReplayModel()).isEqualTo(OpenAiStub.STRICT_MODEL);
            assertThat(r.getStoredModelVersion()).isEqualTo(OpenAiStub.MODEL);
            assertThat(r.getApprovedEqual()).isEqualTo(storedApproved == strict.approved());
            assertThat(r.getConfidenceDelta())
                    .isCloseTo(
                            strict.confidence() - recorded.confidence(),
                            org.assertj.core.api.Assertions.within(1e-9));
            boolean close = Math.abs(strict.confidence() - recorded.confidence()) <= 0.05 + 1e-12;
            assertThat(r.getStatus())
                    .isEqualTo(storedApproved == strict.approved() && close ? "MATCH" : "DRIFT");
        }
    }

    @Test
    void anUnreachableEndpointGivesErrorsNotAFailedJob() throws Exception {
        // given an endpoint where nothing listens
        ReplayOptions options =
                ReplayOptions.parse(
                        new String[] {
                            "--lake",
                            lake.toUri().toString(),
                            "--run-id",
                            "run-unreachable",
                            "--purpose",
                            PURPOSE,
                            "--base-url",
                            "http://127.0.0.1:1/v1",
                            "--allow-insecure-endpoint",
                            "--tenant",
                            "insurer_789",
                            "--max-attempts",
                            "2",
                            "--initial-backoff",
                            "PT0.01S",
                            "--request-timeout",
                            "PT0.5S"
                        });

        List<ReplayResult> results = run(options);

        assertThat(results).hasSize(1);
        assertThat(results.get(0).getStatus()).isEqualTo("ERROR");
        assertThat(results.get(0).getError()).isEqualTo("CONNECTION_FAILED");
        assertThat(results.get(0).getAttempts()).isEqualTo(2);
    }

    @Test
    void aTooLargeAnswerFailsThatDecisionNotTheJob() throws Exception {
        // given a model that answers one decision (720) with a body far over the 64 KiB cap
        stub.plan(
                (message, attempt) ->
                        score(message) == 720
                                ? Fault.hugeBody(16L * 1024 * 1024, false)
                                : Fault.NONE);
        ReplayOptions options =
                options(
                        "run-too-large",
                        "--tenant",
                        "bank_456",
                        "--model-version",
                        OpenAiStub.MODEL,
                        "--max-response-bytes",
                        "65536");

        // when
        List<ReplayResult> results = run(options);

        // then the job finished: every decision has its result, that one an ERROR with the reason
        assertThat(results).hasSize(SCORES.length);
        Map<String, ReplayResult> byId = new TreeMap<>();
        results.forEach(r -> byId.put(r.getEventId(), r));
        ReplayResult tooLarge = byId.get("evt-720");
        assertThat(tooLarge.getStatus()).isEqualTo("ERROR");
        assertThat(tooLarge.getError()).isEqualTo("RESPONSE_TOO_LARGE");
        assertThat(tooLarge.getAttempts()).isEqualTo(1);
        assertThat(tooLarge.getReplayedContent()).isNull();
        assertThat(results.stream().filter(r -> r.getStatus().equals("ERROR")).count())
                .isEqualTo(1);
        // and the body was cut off, not read whole
        OpenAiStub.HugeBody sent = stub.awaitHugeBody();
        assertThat(sent.aborted()).isTrue();
        assertThat(sent.written()).isLessThan(sent.planned());
    }
}
