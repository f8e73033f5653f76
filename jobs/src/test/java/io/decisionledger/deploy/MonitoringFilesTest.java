package io.decisionledger.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The structure of deploy/monitoring's dashboard and alert rules (whether their series exist is
 * MonitoringITCase's job): an importable Grafana dashboard whose every panel reads Prometheus
 * through the datasource variable and says what it shows, and rules Prometheus loads, each with a
 * severity, a summary and a runbook link into the operator guide. With promtool on the PATH (Debian
 * package prometheus) the rules also pass {@code promtool check rules}.
 */
class MonitoringFilesTest {

    @Test
    void dashboardIsImportableAndEveryPanelReadsPrometheusThroughTheVariable() {
        JsonNode d = MonitoringFiles.dashboard();
        assertThat(d.get("uid").asText()).isEqualTo("decision-ledger-ops");
        assertThat(d.get("title").asText()).isNotBlank();
        assertThat(d.path("templating").path("list").get(0).get("type").asText())
                .isEqualTo("datasource");
        Set<Integer> ids = new HashSet<>();
        int queries = 0;
        for (JsonNode panel : d.get("panels")) {
            assertThat(ids.add(panel.get("id").asInt())).as("unique panel id").isTrue();
            assertThat(panel.get("gridPos").get("w").asInt()).isBetween(1, 24);
            if (panel.get("type").asText().equals("row")) {
                continue;
            }
            String title = panel.get("title").asText();
            assertThat(panel.get("description").asText()).as(title).isNotBlank();
            assertThat(panel.get("datasource").get("uid").asText())
                    .as(title)
                    .isEqualTo("${datasource}");
            assertThat(panel.get("targets")).as(title).isNotEmpty();
            for (JsonNode t : panel.get("targets")) {
                assertThat(PromQlSelectors.parse(t.get("expr").asText()).selectors())
                        .as(title)
                        .isNotEmpty();
                queries++;
            }
        }
        assertThat(queries).isGreaterThanOrEqualTo(25);
    }

    @Test
    void everyAlertHasASeverityASummaryAndARunbookSectionInTheOperatorGuide() throws Exception {
        String guide =
                java.nio.file.Files.readString(
                        MonitoringFiles.DIR.resolve("../../docs/operator-guide.md").normalize());
        List<String> alerts = new ArrayList<>();
        for (JsonNode group : MonitoringFiles.alerts().get("groups")) {
            assertThat(group.get("name").asText()).startsWith("decision-ledger-");
            for (JsonNode rule : group.get("rules")) {
                String name = rule.get("alert").asText();
                alerts.add(name);
                assertThat(rule.get("labels").get("severity").asText())
                        .as(name)
                        .isIn("critical", "warning", "info");
                assertThat(rule.get("annotations").get("summary").asText()).as(name).isNotBlank();
                String runbook = rule.get("annotations").get("runbook").asText();
                assertThat(runbook)
                        .as(name)
                        .isEqualTo("docs/operator-guide.md#alert-" + name.toLowerCase());
                assertThat(guide).as(name + " documented").contains("#### Alert " + name);
                assertThat(PromQlSelectors.parse(rule.get("expr").asText()).selectors())
                        .as(name)
                        .isNotEmpty();
            }
        }
        assertThat(alerts).doesNotHaveDuplicates().hasSizeGreaterThanOrEqualTo(20);
    }

    @Test
    void promtoolAcceptsTheRules() throws Exception {
        boolean installed =
                System.getenv("PATH") != null
                        && java.util.Arrays.stream(
                                        System.getenv("PATH").split(java.io.File.pathSeparator))
                                .anyMatch(
                                        p ->
                                                java.nio.file.Files.isExecutable(
                                                        java.nio.file.Path.of(p, "promtool")));
        Assumptions.assumeTrue(installed, "promtool is not installed (Debian: prometheus)");
        Process p =
                new ProcessBuilder(
                                "promtool",
                                "check",
                                "rules",
                                MonitoringFiles.ALERTS.toAbsolutePath().toString())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("SUCCESS");
    }

    @Test
    void theFlinkDeploymentsLogJsonWithTheDeployLogConfigurationVerbatim() throws Exception {
        java.nio.file.Path deploy = MonitoringFiles.DIR.getParent();
        String properties =
                java.nio.file.Files.readString(deploy.resolve("flink/log4j-console.properties"));
        assertThat(properties)
                .contains("appender.console.layout.type = JsonTemplateLayout")
                .contains("appender.console.layout.eventTemplateUri = classpath:EcsLayout.json");
        com.fasterxml.jackson.databind.ObjectMapper yaml =
                new com.fasterxml.jackson.databind.ObjectMapper(
                        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory());
        JsonNode ingest =
                yaml.readTree(deploy.resolve("kubernetes/ingest-flinkdeployment.yaml").toFile());
        assertThat(ingest.at("/spec/logConfiguration/log4j-console.properties").asText())
                .isEqualTo(properties);
        int found = 0;
        try (com.fasterxml.jackson.core.JsonParser docs =
                yaml.getFactory()
                        .createParser(
                                deploy.resolve("kubernetes/compaction-cronjob.yaml").toFile())) {
            for (JsonNode doc : yaml.readValues(docs, JsonNode.class).readAll()) {
                if (doc.path("kind").asText().equals("ConfigMap")) {
                    JsonNode inner =
                            yaml.readTree(doc.at("/data/compaction-flinkdeployment.yaml").asText());
                    assertThat(inner.at("/spec/logConfiguration/log4j-console.properties").asText())
                            .isEqualTo(properties);
                    found++;
                }
            }
        }
        assertThat(found).isEqualTo(1);
    }
}
