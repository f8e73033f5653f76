package io.decisionledger.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.decision.ParserLimits;
import io.decisionledger.options.KafkaReading.StartingOffsets;
import io.decisionledger.options.OptionTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** Options and granularities: documented defaults, typed values, clear errors, help. */
class MetricsOptionsTest {

    @Test
    void usesTheDocumentedDefaults() {
        MetricsOptions o = MetricsOptions.defaults();

        assertThat(o.source()).isEqualTo(MetricsOptions.Source.KAFKA);
        assertThat(o.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(o.topic()).isEqualTo("ai-decisions");
        assertThat(o.groupId()).isEqualTo("decision-ledger-metrics");
        assertThat(o.startingOffsets()).isEqualTo(StartingOffsets.COMMITTED);
        assertThat(o.bounded()).isFalse();
        assertThat(o.lake().root()).isEqualTo("file:///tmp/decision-ledger/lake");
        assertThat(o.lake().decisionMetrics().getPath())
                .isEqualTo("/tmp/decision-ledger/lake/metrics/decision_metrics");
        assertThat(o.granularities())
                .extracting(Granularity::label)
                .containsExactly("1m", "1h", "1d");
        assertThat(o.maxOutOfOrderness()).isEqualTo(Duration.ofSeconds(30));
        assertThat(o.idleness()).isEqualTo(Duration.ofMinutes(1));
        assertThat(o.allowedLateness()).isEqualTo(Duration.ofHours(1));
        assertThat(o.checkpointInterval()).isEqualTo(Duration.ofMinutes(1));
        // the same acceptance rules as ingest, unless told otherwise
        assertThat(o.dedupTtl()).isEqualTo(Duration.ofDays(7));
        assertThat(o.parserLimits()).isEqualTo(ParserLimits.defaults());
        assertThat(o.outputTopic()).isNull();
        assertThat(o.tenant()).isNull();
        assertThat(o.fromDate()).isNull();
        assertThat(o.parquet().compression()).isEqualTo("SNAPPY");
    }

    @Test
    void parsesARebuildSelectionAndRoundTripsThroughWith() {
        MetricsOptions o =
                MetricsOptions.parse(
                        new String[] {
                            "--source",
                            "LAKE",
                            "--lake",
                            "s3://bucket/lake/",
                            "--tenant",
                            "bank_456",
                            "--from-date",
                            "2026-03-14",
                            "--to-date=2026-03-15",
                            "--granularities",
                            "1d,15m,1h",
                            "--allowed-lateness",
                            "PT0S"
                        });

        assertThat(o.source()).isEqualTo(MetricsOptions.Source.LAKE);
        assertThat(o.tenant()).isEqualTo("bank_456");
        assertThat(o.fromDate()).isEqualTo(LocalDate.parse("2026-03-14"));
        assertThat(o.toDate()).isEqualTo(LocalDate.parse("2026-03-15"));
        assertThat(o.granularities())
                .extracting(Granularity::label)
                .as("finest first")
                .containsExactly("15m", "1h", "1d");
        assertThat(o.allowedLateness()).isZero();
        assertThat(o.lake().auditDecisions().toString())
                .isEqualTo("s3://bucket/lake/audit/decisions");

        MetricsOptions changed = o.with("to-date", "2026-03-20");
        assertThat(changed.toDate()).isEqualTo(LocalDate.parse("2026-03-20"));
        assertThat(changed.tenant()).isEqualTo("bank_456");
        assertThat(changed.granularities()).isEqualTo(o.granularities());
    }

    @Test
    void passesKafkaPropertiesThroughAndTakesAnOutputTopicWhenLive() {
        MetricsOptions o =
                MetricsOptions.parse(
                        new String[] {
                            "--output-topic", "ai-decision-metrics",
                            "--kafka.security.protocol", "SASL_SSL",
                            "--bounded"
                        });
        assertThat(o.outputTopic()).isEqualTo("ai-decision-metrics");
        assertThat(o.kafkaProperties().getProperty("security.protocol")).isEqualTo("SASL_SSL");
        assertThat(o.bounded()).isTrue();
    }

    @Test
    void refusesOptionsThatDoNotFitTheSourceOrMakeNoSense() {
        assertThatThrownBy(() -> MetricsOptions.parse(new String[] {"--tenant", "bank_456"}))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("--source lake");
        assertThatThrownBy(
                        () ->
                                MetricsOptions.parse(
                                        new String[] {"--source", "lake", "--output-topic", "x"}))
                .hasMessageContaining("live job");
        assertThatThrownBy(
                        () ->
                                MetricsOptions.parse(
                                        new String[] {
                                            "--source", "lake",
                                            "--from-date", "2026-03-15",
                                            "--to-date", "2026-03-14"
                                        }))
                .hasMessageContaining("--from-date is after --to-date");
        assertThatThrownBy(() -> MetricsOptions.parse(new String[] {"--granularities", "1w"}))
                .hasMessageContaining("number and s, m, h or d");
        assertThatThrownBy(() -> MetricsOptions.parse(new String[] {"--granularities", "60m,1h"}))
                .hasMessageContaining("listed twice");
        assertThatThrownBy(() -> MetricsOptions.parse(new String[] {"--idleness", "PT0S"}))
                .hasMessageContaining("--idleness must be positive");
        assertThatThrownBy(() -> MetricsOptions.parse(new String[] {"--allowed-lateness", "-PT1S"}))
                .hasMessageContaining("must not be negative");
        assertThatThrownBy(() -> MetricsOptions.parse(new String[] {"--windows", "1m"}))
                .hasMessageContaining("unknown option --windows");
        assertThatThrownBy(() -> MetricsOptions.parse(new String[] {"--source", "files"}))
                .isInstanceOf(OptionTable.InvalidOptionException.class);
    }

    @Test
    void granularitiesParseToTheirLengths() {
        assertThat(Granularity.parse("30s").length()).isEqualTo(Duration.ofSeconds(30));
        assertThat(Granularity.parse("15m").length()).isEqualTo(Duration.ofMinutes(15));
        assertThat(Granularity.parse(" 1H ").label()).isEqualTo("1h");
        assertThat(Granularity.parse("1d").length()).isEqualTo(Duration.ofDays(1));
        assertThatThrownBy(() -> Granularity.parse("0m"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void helpListsEveryOptionWithItsDefaultAndTheOperatorGuideDocumentsThem() throws Exception {
        String help = MetricsOptions.help();
        String guide = Files.readString(Path.of("..", "docs", "operator-guide.md"));
        for (String name : MetricsOptions.names()) {
            assertThat(help).contains("--" + name);
            assertThat(guide)
                    .as("the operator guide documents --%s", name)
                    .contains("`--" + name + "`");
        }
        assertThat(help).contains("default: 1m,1h,1d").contains("default: PT1H");
    }
}
