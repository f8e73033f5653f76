package io.decisionledger.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.metrics.MetricsOptions;
import io.decisionledger.options.JobOptions;
import io.decisionledger.options.KafkaReading.StartingOffsets;
import io.decisionledger.options.OptionTable;
import io.decisionledger.privacy.PseudonymKey;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Command-line options: documented defaults, typed values, clear errors, Kafka pass-through, the
 * option groups shared with the metrics job, and the options in Flink's web UI without secrets.
 */
class IngestOptionsTest {

    @Test
    void usesTheDocumentedDefaults() {
        IngestOptions o = IngestOptions.defaults();

        assertThat(o.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(o.topic()).isEqualTo("ai-decisions");
        assertThat(o.groupId()).isEqualTo("decision-ledger-ingest");
        assertThat(o.startingOffsets()).isEqualTo(StartingOffsets.COMMITTED);
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
        assertThat(o.maskingPolicy().version()).isEqualTo("2026-12-05.1");
        assertThat(o.pseudonymKey().file()).isNull();
        assertThat(o.pseudonymKey().envVariable()).isEqualTo("DECISION_LEDGER_PSEUDONYM_KEY");
        assertThat(o.pseudonymKey().keyId()).isEqualTo("k1");
        assertThat(o.kafkaProperties()).isEmpty();
        assertThat(o.tenantBindings()).isNull();
        assertThat(o.eventDigestTtl()).isEqualTo(Duration.ofDays(90));
    }

    @Test
    void theMetricsBranchIsOffUnlessAskedForAndTakesTheMetricsJobsDefaults() {
        IngestOptions off = IngestOptions.defaults();
        MetricsOptions metricsJob = MetricsOptions.defaults();

        assertThat(off.metrics().enabled()).isFalse();
        assertThat(off.options()).containsEntry("metrics", "false");
        assertThat(off.options().keySet()).noneMatch(k -> k.startsWith("metrics-"));
        assertThat(off.with("topic", "other").metrics().enabled()).isFalse();

        IngestOptions on = IngestOptions.parse(new String[] {"--metrics", "true"});
        assertThat(on.metrics().enabled()).isTrue();
        assertThat(on.metrics().granularities()).isEqualTo(metricsJob.granularities());
        assertThat(on.metrics().maxOutOfOrderness()).isEqualTo(metricsJob.maxOutOfOrderness());
        assertThat(on.metrics().idleness()).isEqualTo(metricsJob.idleness());
        assertThat(on.metrics().allowedLateness()).isEqualTo(metricsJob.allowedLateness());
        assertThat(on.dedupTtl()).isEqualTo(metricsJob.dedupTtl());
    }

    @Test
    void readsTheMetricsBranchTuningAndRefusesItWithoutTheBranch() {
        IngestOptions on =
                IngestOptions.parse(
                        new String[] {
                            "--metrics", "true",
                            "--metrics-granularities", "1m,15m",
                            "--metrics-max-out-of-orderness", "PT10S",
                            "--metrics-idleness", "PT5M",
                            "--metrics-allowed-lateness", "PT0S"
                        });

        assertThat(on.metrics().granularities())
                .extracting(io.decisionledger.metrics.Granularity::label)
                .containsExactly("1m", "15m");
        assertThat(on.metrics().maxOutOfOrderness()).isEqualTo(Duration.ofSeconds(10));
        assertThat(on.metrics().idleness()).isEqualTo(Duration.ofMinutes(5));
        assertThat(on.metrics().allowedLateness()).isZero();
        assertThat(on.metrics().heldWindows()).isTrue();
        assertThat(on.with("metrics-held-windows", "false").metrics().heldWindows()).isFalse();
        assertThat(on.options())
                .containsEntry("metrics", "true")
                .containsEntry("metrics-granularities", "1m,15m")
                .containsEntry("metrics-allowed-lateness", "PT0S")
                .containsEntry("metrics-held-windows", "true");
        assertThat(on.with("topic", "other").metrics()).isEqualTo(on.metrics());

        // a tuning option that would silently do nothing is an error
        assertThatThrownBy(
                        () -> IngestOptions.parse(new String[] {"--metrics-granularities", "1m"}))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessage("--metrics-granularities has no effect without --metrics true");
        assertThatThrownBy(
                        () -> IngestOptions.parse(new String[] {"--metrics-held-windows", "false"}))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessage("--metrics-held-windows has no effect without --metrics true");
        assertThatThrownBy(() -> IngestOptions.parse(new String[] {"--metrics", "yes"}))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessage("--metrics must be true or false");
        assertThatThrownBy(
                        () ->
                                IngestOptions.parse(
                                        new String[] {
                                            "--metrics", "true", "--metrics-idleness", "PT0S"
                                        }))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessage("--metrics-idleness must be positive");
        assertThat(IngestOptions.help())
                .contains(
                        "--metrics ",
                        "--metrics-granularities",
                        "--metrics-max-out-of-orderness",
                        "--metrics-idleness",
                        "--metrics-allowed-lateness",
                        "--metrics-held-windows");
    }

    @Test
    void readsTenantBindingsAndTheDigestTtl(@TempDir Path dir) throws Exception {
        Path bindings = dir.resolve("bindings.json");
        Files.writeString(bindings, "{\"topics\":{\"loans\":[\"bank_456\"]}}");

        IngestOptions o =
                IngestOptions.parse(
                        new String[] {
                            "--tenant-bindings", bindings.toString(), "--event-digest-ttl", "P30D"
                        });

        assertThat(o.tenantBindings().refusal("loans", null, "bank_456")).isNull();
        assertThat(o.tenantBindings().refusal("loans", null, "insurer_789")).isNotNull();
        assertThat(o.eventDigestTtl()).isEqualTo(Duration.ofDays(30));
        assertThat(o.options())
                .containsEntry("tenant-bindings", bindings.toString())
                .containsEntry("event-digest-ttl", "PT720H");
        assertThat(o.with("topic", "other").tenantBindings().source())
                .isEqualTo(bindings.toString());
        assertThat(IngestJob.warnIfTenantsUnbound(o)).isFalse();
        assertThat(IngestJob.warnIfTenantsUnbound(IngestOptions.defaults())).isTrue();
    }

    @Test
    void signsHeadsOnlyWithAKeyAndItsIdAndCanRequireIt() {
        IngestOptions unsigned = IngestOptions.defaults();
        assertThat(unsigned.signing().enabled()).isFalse();
        assertThat(unsigned.signing().required()).isFalse();
        assertThat(IngestJob.warnIfHeadsUnsigned(unsigned)).isTrue();

        IngestOptions signed =
                IngestOptions.parse(
                        new String[] {
                            "--signing-key",
                            "/secrets/heads.pem",
                            "--signing-key-id",
                            "heads-2026",
                            "--require-signing"
                        });
        assertThat(signed.signing().key())
                .isEqualTo(
                        new io.decisionledger.chain.PemFileSigningKey(
                                "/secrets/heads.pem", "heads-2026"));
        assertThat(signed.signing().required()).isTrue();
        assertThat(IngestJob.warnIfHeadsUnsigned(signed)).isFalse();
        assertThat(signed.options())
                .containsEntry("signing-key", "/secrets/heads.pem")
                .containsEntry("signing-key-id", "heads-2026")
                .containsEntry("require-signing", "true");
        assertThat(signed.with("topic", "other").signing()).isEqualTo(signed.signing());
        assertThat(
                        IngestOptions.parse(
                                        new String[] {
                                            "--signing-command", "kms-sign --key heads",
                                            "--signing-key-id", "kms-1"
                                        })
                                .signing()
                                .key())
                .isEqualTo(
                        new io.decisionledger.chain.CommandSigningKey(
                                java.util.List.of("kms-sign", "--key", "heads"), "kms-1"));

        assertThatThrownBy(() -> IngestOptions.parse(new String[] {"--require-signing"}))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessage(
                        "--require-signing: give --signing-key FILE (or --signing-command CMD) and"
                                + " --signing-key-id ID");
        assertThatThrownBy(() -> IngestOptions.parse(new String[] {"--signing-key", "/k.pem"}))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageStartingWith("--signing-key-id is required with a signing key");
        assertThatThrownBy(
                        () ->
                                IngestOptions.parse(
                                        new String[] {
                                            "--signing-key", "/k.pem", "--signing-key-id", "a b/c"
                                        }))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("a signing key id is 1-64 characters");
        assertThat(IngestOptions.help())
                .contains("--signing-key", "--signing-key-id", "--require-signing");
    }

    @Test
    void refusesBadTenantBindingsNamingTheFile(@TempDir Path dir) throws Exception {
        Path duplicate = dir.resolve("dup.json");
        Files.writeString(duplicate, "{\"topics\":{\"loans\":[\"bank_456\"],\"loans\":[\"x\"]}}");

        assertThatThrownBy(
                        () ->
                                IngestOptions.parse(
                                        new String[] {"--tenant-bindings", duplicate.toString()}))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageStartingWith("--tenant-bindings ")
                .hasMessageContaining("a key is repeated ('loans')");
        assertThatThrownBy(
                        () ->
                                IngestOptions.parse(
                                        new String[] {
                                            "--tenant-bindings", dir.resolve("none.json").toString()
                                        }))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("cannot read");
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
        assertThat(o.startingOffsets()).isEqualTo(StartingOffsets.EARLIEST);
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

    @Test
    void refusesBadValuesOfParsedOptionsNamingTheOption() {
        assertThatThrownBy(() -> IngestOptions.parse(new String[] {"--chain-shards", "bank_456"}))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageStartingWith("--chain-shards: ");
        assertThatThrownBy(
                        () ->
                                IngestOptions.parse(
                                        new String[] {"--required-certifications", "SOC2"}))
                .hasMessageStartingWith("--required-certifications: ");
        assertThatThrownBy(() -> IngestOptions.parse(new String[] {"--max-record-bytes", "0"}))
                .hasMessage("--max-record-bytes must be at least 1");
    }

    @Test
    void sharesTheKafkaLakeParserLimitAndParquetGroupsWithTheMetricsJob() {
        String[] shared = {
            "--bootstrap-servers",
            "kafka-1:9092",
            "--topic",
            "loans",
            "--starting-offsets",
            "latest",
            "--bounded",
            "--kafka.security.protocol",
            "SASL_SSL",
            "--lake",
            "s3://bucket/lake",
            "--max-record-bytes",
            "2048",
            "--max-future-skew",
            "PT0S",
            "--earliest-event-time",
            "2020-01-01T00:00:00Z",
            "--parquet-compression",
            "ZSTD",
            "--parquet-row-group-bytes",
            "1048576"
        };

        IngestOptions ingest = IngestOptions.parse(shared);
        MetricsOptions metrics = MetricsOptions.parse(shared);

        Map<String, String> kafka = new java.util.HashMap<>(ingest.kafka().options());
        kafka.put("group-id", metrics.groupId());
        assertThat(kafka).isEqualTo(metrics.kafka().options()).hasSize(6);
        assertThat(ingest.groupId()).isEqualTo("decision-ledger-ingest");
        assertThat(metrics.groupId()).isEqualTo("decision-ledger-metrics");
        assertThat(ingest.lake().root()).isEqualTo(metrics.lake().root());
        assertThat(ingest.parserLimits()).isEqualTo(metrics.parserLimits());
        assertThat(ingest.parserLimits().maxFutureSkew()).isZero();
        assertThat(ingest.parquet()).isEqualTo(metrics.parquet());
    }

    @Test
    void showsItsOptionsAsGlobalJobParametersButNoSecret(@TempDir Path dir) throws Exception {
        Path keyFile = PseudonymKey.createKeyFileIfAbsent(dir.resolve("pseudonym.key"));
        String key = Files.readString(keyFile).strip();
        IngestOptions options =
                IngestOptions.parse(
                        new String[] {
                            "--topic", "loans",
                            "--pseudonym-key-file", keyFile.toString(),
                            "--kafka.security.protocol", "SASL_SSL",
                            "--kafka.sasl.jaas.config",
                                    "org.apache.kafka.common.security.plain.PlainLoginModule"
                                            + " required username=\"ingest\""
                                            + " password=\"s3cret-jaas\";",
                            "--kafka.ssl.truststore.password", "s3cret-store"
                        });
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();

        IngestJob.configureEnvironment(env, options);

        Map<String, String> shown = env.getConfig().getGlobalJobParameters().toMap();
        assertThat(shown)
                .containsEntry("topic", "loans")
                .containsEntry("group-id", "decision-ledger-ingest")
                .containsEntry("lake", "file:///tmp/decision-ledger/lake")
                .containsEntry("checkpoint-interval", "PT1M")
                .containsEntry("max-future-skew", "PT15M")
                .containsEntry("pseudonym-key-file", keyFile.toString())
                .containsEntry("pseudonym-key-env", "DECISION_LEDGER_PSEUDONYM_KEY")
                .containsEntry("kafka.security.protocol", "SASL_SSL")
                .containsEntry("kafka.sasl.jaas.config", JobOptions.HIDDEN)
                .containsEntry("kafka.ssl.truststore.password", JobOptions.HIDDEN);
        assertThat(shown.keySet()).containsExactlyInAnyOrderElementsOf(options.options().keySet());
        assertThat(String.join("\n", shown.values())).doesNotContain("s3cret").doesNotContain(key);
        // the secrets are kept for the job itself, which needs them to connect
        assertThat(options.with("topic", "other").kafkaProperties())
                .containsEntry("ssl.truststore.password", "s3cret-store");
    }
}
