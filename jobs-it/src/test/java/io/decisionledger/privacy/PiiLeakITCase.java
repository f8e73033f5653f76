package io.decisionledger.privacy;

import static io.decisionledger.testing.DuckDbLake.count;
import static io.decisionledger.testing.DuckDbLake.query;
import static io.decisionledger.testing.DuckDbLake.table;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.decisionledger.testing.IngestRun;
import io.decisionledger.testing.MiniClusters;
import io.decisionledger.testkit.SampleDecisions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.FileAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.ConfigurationSource;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.logging.log4j.core.config.properties.PropertiesConfigurationFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plants every value of the PII corpus in every free-text field of events (and in user ids, case
 * ids, documents, metadata and malformed records), runs them through the ingest job's pipeline and
 * production sinks (fed from memory through the Kafka source's reader), and searches everything an
 * operator can read: every column of every ops/ row, and the job's log (at INFO, the level
 * operators run at), written both with the tests' plain pattern layout and with the JSON layout
 * Kubernetes deployments log with (deploy/flink/log4j-console.properties, loaded from that file).
 * Nothing planted may appear there, while the audit copy must still hold the originals.
 */
class PiiLeakITCase {

    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = MiniClusters.twoSlots();

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir static Path work;

    private static Path lake;
    private static List<String> planted;
    private static int events;
    private static Path log;

    @BeforeAll
    static void ingestEventsFullOfPersonalData() throws Exception {
        // Operators run Flink at INFO: log what they would see, into this class's own file.
        log = Path.of("target/test.log").toAbsolutePath();
        long logStart = Files.exists(log) ? Files.size(log) : 0;
        Configurator.setRootLevel(Level.INFO);
        // and what Kubernetes would collect: the same events through the deployed JSON layout
        jsonLog = Path.of("target/test-json.log").toAbsolutePath();
        Files.deleteIfExists(jsonLog);
        FileAppender json =
                FileAppender.newBuilder()
                        .setName("deploy-json-layout")
                        .withFileName(jsonLog.toString())
                        .setLayout(deployedJsonLayout())
                        .build();
        json.start();
        LoggerContext logContext = (LoggerContext) LogManager.getContext(false);
        logContext.getConfiguration().addAppender(json);
        logContext.getConfiguration().getRootLogger().addAppender(json, null, null);
        logContext.updateLoggers();

        List<PiiCorpus.Entry> corpus = PiiCorpus.pii();
        planted = corpus.stream().map(PiiCorpus.Entry::value).toList();
        List<SampleDecisions.Event> records = new ArrayList<>();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        int next = 0;
        // every corpus value lands in each of the five free-text fields at least once
        for (int i = 0; next < corpus.size() * 5; i++) {
            ObjectNode e = baseEvent(i, now);
            ObjectNode ai = (ObjectNode) e.get("aiInteraction");
            ai.put(
                    "prompt",
                    "Applicant contact "
                            + value(corpus, next++)
                            + " and "
                            + value(corpus, next++)
                            + ".");
            ai.put("systemPrompt", "Escalate to " + value(corpus, next++) + " if unsure.");
            ObjectNode context = ai.putObject("context");
            context.putArray("userHistory")
                    .add("Previous contact: " + value(corpus, next++))
                    .add("Verified " + value(corpus, next++));
            context.putArray("relevantDocuments").add("Statement for " + value(corpus, next++));
            ObjectNode metadata = context.putObject("metadata");
            metadata.put("creditScore", 700 + i % 100);
            metadata.put("contact", value(corpus, next++));
            ObjectNode response = ai.putObject("response");
            response.put(
                    "content",
                    "{\"approved\": true, \"note\": \""
                            + value(corpus, next++).replace("\"", "")
                            + "\"}");
            response.put("tokens", 40);
            response.put("finishReason", "stop");
            ObjectNode decision = ai.putObject("decision");
            decision.put("approved", true);
            decision.put("confidence", 0.9);
            decision.put(
                    "reasoning",
                    "Checked identity " + value(corpus, next++) + "; income verified.");
            e.put("userId", value(corpus, next++));
            e.put("caseId", "case of " + value(corpus, next++));
            records.add(event(e));
        }
        events = records.size();
        // malformed input full of personal data goes to quarantine, never to logs
        records.add(
                new SampleDecisions.Event(
                        "bad-1",
                        ("{\"userId\":\"" + planted.get(0) + "\" oops}")
                                .getBytes(StandardCharsets.UTF_8),
                        null,
                        null));
        records.add(
                new SampleDecisions.Event(
                        "bad-2",
                        ("not json at all " + planted.get(1)).getBytes(StandardCharsets.UTF_8),
                        null,
                        null));

        try {
            lake = work.resolve("lake");
            IngestRun.ingestInMemory(records, "decisions", lake.toUri().toString());
        } finally {
            logContext.getConfiguration().getRootLogger().removeAppender(json.getName());
            logContext.updateLoggers();
            json.stop();
            Configurator.setRootLevel(Level.WARN);
        }
        logText =
                Files.exists(log)
                        ? Files.readString(log).substring((int) Math.min(logStart, Files.size(log)))
                        : "";
    }

    private static String logText;
    private static Path jsonLog;

    /**
     * The layout of the console appender of deploy/flink/log4j-console.properties, built by log4j
     * from that file (its rolling file goes to target/, where Flink would set log.file).
     */
    private static Layout<?> deployedJsonLayout() throws Exception {
        Path file =
                Path.of(System.getProperty("decisionledger.deploy.dir", "../deploy"))
                        .resolve("flink/log4j-console.properties");
        System.setProperty(
                "log.file", Path.of("target/flink-rolling.log").toAbsolutePath().toString());
        try (var in = Files.newInputStream(file)) {
            Configuration deployed =
                    new PropertiesConfigurationFactory()
                            .getConfiguration(
                                    (LoggerContext) LogManager.getContext(false),
                                    new ConfigurationSource(in, file.toFile()));
            deployed.initialize();
            Layout<?> layout = deployed.getAppender("ConsoleAppender").getLayout();
            assertThat(layout.getClass().getSimpleName()).isEqualTo("JsonTemplateLayout");
            return layout;
        }
    }

    @AfterAll
    static void noop() {}

    private static String value(List<PiiCorpus.Entry> corpus, int i) {
        return corpus.get(i % corpus.size()).value();
    }

    private static ObjectNode baseEvent(int i, Instant now) {
        ObjectNode e = JSON.createObjectNode();
        e.put("eventId", "pii-" + i);
        e.put("eventType", "AI_DECISION");
        e.put("timestamp", now.minusSeconds(i).toString());
        e.put("tenantId", i % 2 == 0 ? "bank_456" : "insurer_789");
        ObjectNode ai = e.putObject("aiInteraction");
        ai.put("model", "gpt-4o");
        ai.put("modelVersion", "gpt-4o-2024-05-13");
        return e;
    }

    private static SampleDecisions.Event event(ObjectNode e) throws Exception {
        return new SampleDecisions.Event(
                e.get("eventId").asText(),
                JSON.writeValueAsBytes(e),
                e.get("tenantId").asText(),
                e.get("eventId").asText());
    }

    @Test
    void writesAMaskedCopyOfEveryStoredDecision() {
        String ops = table(lake.resolve("ops/decisions"));
        assertThat(count("SELECT count(*) FROM " + ops)).isEqualTo(events);
        assertThat(count("SELECT count(*) FROM " + table(lake.resolve("audit/decisions"))))
                .isEqualTo(events);
        assertThat(count("SELECT count(*) FROM " + table(lake.resolve("quarantine")))).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM " + ops + " WHERE masked_values > 0"))
                .isEqualTo(events);
        assertThat(count("SELECT count(DISTINCT masking_policy_version) FROM " + ops)).isEqualTo(1);
    }

    @Test
    void leaksNoPlantedValueIntoAnyColumnOfTheOpsCopy() {
        List<String> leaks = new ArrayList<>();
        int cells = 0;
        for (Map<String, Object> row :
                query("SELECT * FROM " + table(lake.resolve("ops/decisions")))) {
            for (Map.Entry<String, Object> cell : row.entrySet()) {
                String text = String.valueOf(cell.getValue());
                cells++;
                for (String value : planted) {
                    if (text.contains(value)) {
                        leaks.add(cell.getKey() + " holds " + value);
                    }
                }
            }
        }
        System.out.printf(
                "PII leak check: %d planted values x 5 fields, %d ops cells searched, %d leaks%n",
                planted.size(), cells, leaks.size());
        assertThat(leaks).isEmpty();
    }

    @Test
    void keepsTheOriginalsInTheRestrictedAuditCopy() {
        String all =
                query(
                                "SELECT prompt, system_prompt, user_id FROM "
                                        + table(lake.resolve("audit/decisions")))
                        .toString();
        assertThat(planted.stream().filter(all::contains).count())
                .as("the test plants real values")
                .isGreaterThan(planted.size() / 2);
    }

    @Test
    void leaksNoPlantedValueIntoTheLog() {
        assertThat(logText).as("the job logged at INFO").isNotEmpty();
        List<String> leaks = planted.stream().filter(logText::contains).toList();
        assertThat(leaks).isEmpty();
    }

    @Test
    void leaksNoPlantedValueIntoTheJsonLog() throws Exception {
        List<String> lines = Files.readAllLines(jsonLog);
        assertThat(lines).as("the job logged at INFO through the JSON layout").isNotEmpty();
        List<String> values = new ArrayList<>();
        for (String line : lines) {
            com.fasterxml.jackson.databind.JsonNode event = JSON.readTree(line);
            assertThat(event.get("log.level").asText()).isNotBlank();
            assertThat(event.get("service.name").asText()).isEqualTo("decision-ledger");
            collectStrings(event, values);
        }
        // decoded values (JSON escapes quotes, slashes and non-ASCII) and the raw bytes alike
        String decoded = String.join("\n", values);
        String raw = Files.readString(jsonLog);
        List<String> leaks =
                planted.stream().filter(v -> decoded.contains(v) || raw.contains(v)).toList();
        assertThat(leaks).isEmpty();
        assertThat(values.size()).isGreaterThan(lines.size());
    }

    private static void collectStrings(
            com.fasterxml.jackson.databind.JsonNode node, List<String> out) {
        if (node.isTextual()) {
            out.add(node.asText());
        }
        node.fieldNames().forEachRemaining(out::add);
        node.forEach(child -> collectStrings(child, out));
    }
}
