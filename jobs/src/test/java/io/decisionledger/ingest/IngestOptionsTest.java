package io.decisionledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.options.OptionTable;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Command-line options: documented defaults, typed values, clear errors, Kafka pass-through. */
class IngestOptionsTest {

    @Test
    void usesTheDocumentedDefaults() {
        IngestOptions o = IngestOptions.defaults();

        assertThat(o.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(o.topic()).isEqualTo("ai-decisions");
        assertThat(o.groupId()).isEqualTo("decision-ledger-ingest");
        assertThat(o.startingOffsets()).isEqualTo(IngestOptions.StartingOffsets.COMMITTED);
        assertThat(o.bounded()).isFalse();
        assertThat(o.lake().root()).isEqualTo("file:///tmp/decision-ledger/lake");
        assertThat(o.checkpointInterval()).isEqualTo(Duration.ofMinutes(1));
        assertThat(o.dedupTtl()).isEqualTo(Duration.ofDays(7));
        assertThat(o.parserLimits().maxRecordBytes()).isEqualTo(1024 * 1024);
        assertThat(o.parserLimits().maxFutureSkew()).isEqualTo(Duration.ofMinutes(15));
        assertThat(o.parquet().compression()).isEqualTo("SNAPPY");
        assertThat(o.hashChain()).isTrue();
        assertThat(o.chainSharding().shardsOf("any")).isEqualTo(1);
        assertThat(o.opsCopy()).isTrue();
        assertThat(o.maskingPolicyFile()).isNull();
        assertThat(o.maskingPolicy().version()).isEqualTo("2026-11-27.1");
        assertThat(o.pseudonymKey().file()).isNull();
        assertThat(o.pseudonymKey().envVariable()).isEqualTo("DECISION_LEDGER_PSEUDONYM_KEY");
        assertThat(o.pseudonymKey().keyId()).isEqualTo("k1");
        assertThat(o.kafkaProperties()).isEmpty();
    }

    @Test
    void parsesEveryFormOfOptionAndPassesKafkaPropertiesThrough() {
        IngestOptions o =
                IngestOptions.parse(
                        new String[] {
                            "--topic=loans",
                            "--bounded",
                            "--lake",
                            "s3://audit-bucket/lake/",
                            "--starting-offsets",
                            "EARLIEST",
                            "--dedup-ttl",
                            "PT36H",
                            "--earliest-event-time",
                            "2020-01-01T00:00:00Z",
                            "--parquet-compression",
                            "zstd",
                            "--kafka.security.protocol",
                            "SASL_SSL"
                        });

        assertThat(o.topic()).isEqualTo("loans");
        assertThat(o.bounded()).isTrue();
        assertThat(o.lake().root()).isEqualTo("s3://audit-bucket/lake");
        assertThat(o.lake().auditDecisions().toString())
                .isEqualTo("s3://audit-bucket/lake/audit/decisions");
        assertThat(o.startingOffsets()).isEqualTo(IngestOptions.StartingOffsets.EARLIEST);
        assertThat(o.dedupTtl()).isEqualTo(Duration.ofHours(36));
        assertThat(o.parserLimits().earliestEventTime())
                .isEqualTo(Instant.parse("2020-01-01T00:00:00Z"));
        assertThat(o.parquet().compression()).isEqualTo("zstd");
        assertThat(o.kafkaProperties()).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void keepsChainAndPrivacyOptionsThroughOverrides() {
        IngestOptions o =
                IngestOptions.parse(
                                new String[] {
                                    "--chain-shards", "bank_456=4",
                                    "--pseudonym-key-file", "/secrets/key",
                                    "--pseudonym-key-id", "k2",
                                    "--ops-copy", "false"
                                })
                        .with("topic", "loans");

        assertThat(o.chainSharding().shardsOf("bank_456")).isEqualTo(4);
        assertThat(o.pseudonymKey().file()).isEqualTo("/secrets/key");
        assertThat(o.pseudonymKey().keyId()).isEqualTo("k2");
        assertThat(o.opsCopy()).isFalse();
        assertThat(o.topic()).isEqualTo("loans");
    }

    @Test
    void makesABareLocalPathAnAbsoluteFileUri() {
        IngestOptions o = IngestOptions.parse(new String[] {"--lake", "some/lake"});

        assertThat(o.lake().root()).startsWith("file:/").endsWith("/some/lake");
    }

    @Test
    void refusesUnknownOptionsNamingTheKnownOnes() {
        assertThatThrownBy(() -> IngestOptions.parse(new String[] {"--topc", "x"}))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("unknown option --topc")
                .hasMessageContaining("topic");
    }

    @Test
    void refusesBadValuesWithTheOptionName() {
        assertThatThrownBy(() -> IngestOptions.parse(new String[] {"--checkpoint-interval", "60s"}))
                .hasMessageContaining("--checkpoint-interval must be an ISO-8601 duration");
        assertThatThrownBy(() -> IngestOptions.parse(new String[] {"--dedup-ttl", "-PT1H"}))
                .hasMessageContaining("--dedup-ttl must be positive");
        assertThatThrownBy(() -> IngestOptions.parse(new String[] {"--starting-offsets", "newest"}))
                .isInstanceOf(OptionTable.InvalidOptionException.class);
        assertThatThrownBy(() -> IngestOptions.parse(new String[] {"--parquet-compression", "lz5"}))
                .hasMessageContaining("unknown Parquet compression 'lz5'");
        assertThatThrownBy(() -> IngestOptions.parse(new String[] {"--bounded", "yes"}))
                .hasMessageContaining("--bounded must be true or false");
    }

    @Test
    void appliesOverridesWithoutLosingOtherOptions() {
        IngestOptions o =
                IngestOptions.parse(new String[] {"--topic", "loans", "--kafka.client.rack", "a"})
                        .with("checkpoint-interval", "PT5S");

        assertThat(o.topic()).isEqualTo("loans");
        assertThat(o.checkpointInterval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(o.kafkaProperties()).containsEntry("client.rack", "a");
    }
}
