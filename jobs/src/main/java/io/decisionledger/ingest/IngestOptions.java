package io.decisionledger.ingest;

import io.decisionledger.chain.ChainSharding;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.decision.TenantBindings;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.metrics.MetricsBranch;
import io.decisionledger.models.RequiredCertifications;
import io.decisionledger.options.Command;
import io.decisionledger.options.JobOptions;
import io.decisionledger.options.KafkaReading;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import io.decisionledger.options.ParquetOptions;
import io.decisionledger.options.ParserLimitOptions;
import io.decisionledger.options.SigningOptions;
import io.decisionledger.privacy.MaskingPolicy;
import io.decisionledger.privacy.PseudonymKey;
import io.decisionledger.privacy.RecognizerSettings;
import java.io.Serializable;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The ingest job's options, parsed once from {@code --name value} arguments into typed values with
 * documented defaults ({@link #COMMAND}: {@code --help} prints {@link #help()}, an unknown option
 * is an error, so a typo cannot silently fall back to a default). Kafka reading, the lake, the
 * parser limits and the Parquet settings are the option groups the jobs share
 * (io.decisionledger.options); extra Kafka consumer properties (security, SASL, …) pass through as
 * {@code --kafka.<property> value}. {@link #jobParameters()} is what Flink's web UI shows.
 */
public record IngestOptions(
        KafkaReading kafka,
        LakeLayout lake,
        Duration checkpointInterval,
        Duration dedupTtl,
        ParserLimits parserLimits,
        ParquetSettings parquet,
        boolean hashChain,
        ChainSharding chainSharding,
        boolean opsCopy,
        String maskingPolicyFile,
        PseudonymKey pseudonymKey,
        String modelsTopic,
        RequiredCertifications requiredCertifications,
        TenantBindings tenantBindings,
        Duration eventDigestTtl,
        SigningOptions.Signing signing,
        RecognizerSettings recognizer,
        boolean singleShuffle,
        MetricsBranch.Settings metrics)
        implements Serializable, JobOptions {

    /** The command line of {@code IngestJob}: the options with their defaults, in --help order. */
    public static final Command<IngestOptions> COMMAND =
            Command.of(
                    "ingest",
                    "IngestJob: Kafka AI decisions -> validated, de-duplicated, exactly-once Parquet"
                            + " lake.\n\nUsage: flink run -c io.decisionledger.ingest.IngestJob"
                            + " decision-ledger-jobs.jar [options]\n\n",
                    table(),
                    IngestOptions::read);

    private static OptionTable table() {
        OptionTable t = new OptionTable();
        KafkaReading.declare(t, "decision-ledger-ingest");
        t.add(
                "models-topic",
                "",
                "Optional second Kafka topic with MODEL_VERSION_REGISTERED events (model cards)."
                        + " Cards are also read from --topic.");
        t.add(
                "required-certifications",
                "",
                "Certifications each tenant's model cards must hold, e.g."
                        + " bank_456=EU_AI_ACT+SOC2,insurer_789=EU_AI_ACT (*=CERT: every tenant)."
                        + " Decisions without are stored but flagged MISSING_CERTIFICATION.");
        LakeOptions.declare(
                t,
                "Lake root: any Flink file system URI, e.g. file:///data/lake or s3://bucket/lake.");
        t.add(
                "checkpoint-interval",
                "PT1M",
                "ISO-8601 duration between checkpoints. Files are committed (visible) at each"
                        + " checkpoint, so this is also the end-to-end latency and sets the file count.");
        t.add("dedup-ttl", "P7D", "How long an event id is remembered for de-duplication.");
        t.add(
                "event-digest-ttl",
                "P90D",
                "How long a 16-byte digest of each stored event's content is kept per event id, to"
                        + " count re-sends after --dedup-ttl with different content"
                        + " (event_id_collisions). Shorter than --dedup-ttl means --dedup-ttl.");
        t.add(
                "tenant-bindings",
                "",
                "JSON file binding topics and/or a producer-id record header to the tenants they"
                        + " may write; other records are quarantined as TENANT_NOT_ALLOWED (see"
                        + " docs/security.md). Default: tenants unbound (a warning is logged).");
        ParserLimitOptions.declare(t);
        t.add(
                "hash-chain",
                "true",
                "Link every stored decision into its tenant's hash chain and publish chain heads."
                        + " false only to measure its cost: the lake then has no tamper evidence.");
        t.add(
                "single-shuffle",
                "true",
                "De-duplicate, link model cards and chain in one operator keyed by chain"
                        + " (tenant/shard): one keyed shuffle per decision. false: the two-shuffle"
                        + " graph of earlier versions (dedup-by-event-id, link-model-cards,"
                        + " hash-chain), the only one their savepoints restore into (see"
                        + " docs/operator-guide.md, 'Upgrading a running job with a savepoint').");
        t.add(
                "chain-shards",
                "",
                "Tenants with more than one hash chain, e.g. bank_456=4,insurer_789=2 (very hot"
                        + " tenants; one chain is one sequential key). Others have one chain.");
        t.add(
                "ops-copy",
                "true",
                "Write the masked operational copy to <lake>/ops/decisions/. false only to measure"
                        + " its cost.");
        t.add(
                "masking-policy",
                "",
                "JSON masking policy file (detectors per field, metadata allow-list, extra"
                        + " patterns, per-tenant overrides). Default: the policy built into the jar.");
        t.add(
                "recognizer-url",
                "",
                "Base URL of a Presidio analyzer (POST <url>/analyze) that finds names and places"
                        + " no pattern finds in the ops copy's free text, called with async I/O."
                        + " Fails closed: a record it cannot answer for within the timeouts has"
                        + " its free text redacted ([REDACTED]) and counted. It receives"
                        + " personal data: run it inside the lake's trust boundary. Default: off.");
        t.add(
                "recognizer-request-timeout",
                "PT2S",
                "ISO-8601 duration one request to the recogniser may take.");
        t.add(
                "recognizer-retries",
                "2",
                "Retries of a failed recogniser request, --recognizer-retry-delay apart.");
        t.add("recognizer-retry-delay", "PT0.2S", "ISO-8601 duration between two retries.");
        t.add(
                "recognizer-timeout",
                "PT10S",
                "ISO-8601 duration a record may wait for the recogniser in all, retries included;"
                        + " then its free text is redacted.");
        t.add(
                "recognizer-capacity",
                "100",
                "Records per task that may wait for the recogniser at once (async I/O capacity).");
        t.add(
                "pseudonym-key-file",
                "",
                "File holding the pseudonymisation key (Base64, >= 32 bytes), read on the"
                        + " TaskManagers, e.g. a mounted secret. Default: the environment variable below.");
        t.add(
                "pseudonym-key-env",
                PseudonymKey.DEFAULT_ENV,
                "Environment variable holding the key when no key file is given.");
        t.add(
                "pseudonym-key-id",
                "k1",
                "Id of the current key, stored with every pseudonym (rotation).");
        MetricsBranch.Settings.declare(t);
        SigningOptions.declare(t, "every published chain head");
        ParquetOptions.declare(
                t,
                ParquetSettings.defaults(),
                "Parquet row-group size; bounds writer memory per open bucket.");
        return t;
    }

    private static IngestOptions read(OptionTable.Parsed given) {
        return new IngestOptions(
                KafkaReading.read(given),
                LakeOptions.lake(given),
                given.duration("checkpoint-interval"),
                given.duration("dedup-ttl"),
                ParserLimitOptions.read(given),
                ParquetOptions.read(given),
                given.bool("hash-chain"),
                given.as("chain-shards", ChainSharding::parse),
                given.bool("ops-copy"),
                given.optional("masking-policy"),
                new PseudonymKey(
                        given.optional("pseudonym-key-file"),
                        given.value("pseudonym-key-env"),
                        given.value("pseudonym-key-id")),
                given.optional("models-topic"),
                given.as("required-certifications", RequiredCertifications::parse),
                given.as(
                        "tenant-bindings",
                        v -> v.isBlank() ? null : TenantBindings.load(Path.of(v.strip()))),
                given.duration("event-digest-ttl"),
                SigningOptions.read(given),
                new RecognizerSettings(
                        given.as("recognizer-url", v -> v.isBlank() ? null : URI.create(v.strip())),
                        given.duration("recognizer-request-timeout"),
                        given.integer("recognizer-retries", 0),
                        given.duration("recognizer-retry-delay"),
                        given.duration("recognizer-timeout"),
                        given.integer("recognizer-capacity", 1)),
                given.bool("single-shuffle"),
                MetricsBranch.Settings.read(given));
    }

    public static IngestOptions defaults() {
        return parse(new String[0]);
    }

    /** The options {@code args} give; a bad command line is an InvalidOptionException. */
    public static IngestOptions parse(String[] args) {
        return COMMAND.parse(args);
    }

    /** Returns a copy with some options replaced, as if they had been given on the command line. */
    public IngestOptions with(String... nameValuePairs) {
        return COMMAND.reparse(options(), nameValuePairs);
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>(kafka.options());
        if (modelsTopic != null) {
            o.put("models-topic", modelsTopic);
        }
        if (!requiredCertifications.isEmpty()) {
            o.put("required-certifications", requiredCertifications.toString());
        }
        o.putAll(LakeOptions.options(lake));
        o.put("checkpoint-interval", checkpointInterval.toString());
        o.put("dedup-ttl", dedupTtl.toString());
        o.put("event-digest-ttl", eventDigestTtl.toString());
        if (tenantBindings != null) {
            o.put("tenant-bindings", tenantBindings.source());
        }
        o.putAll(ParserLimitOptions.options(parserLimits));
        o.put("hash-chain", String.valueOf(hashChain));
        if (!chainSharding.toString().isEmpty()) {
            o.put("chain-shards", chainSharding.toString());
        }
        o.put("ops-copy", String.valueOf(opsCopy));
        o.put("single-shuffle", String.valueOf(singleShuffle));
        if (maskingPolicyFile != null) {
            o.put("masking-policy", maskingPolicyFile);
        }
        if (pseudonymKey.file() != null) {
            o.put("pseudonym-key-file", pseudonymKey.file());
        }
        if (recognizer.enabled()) {
            o.put("recognizer-url", recognizer.url().toString());
        }
        o.put("recognizer-request-timeout", recognizer.requestTimeout().toString());
        o.put("recognizer-retries", String.valueOf(recognizer.retries()));
        o.put("recognizer-retry-delay", recognizer.retryDelay().toString());
        o.put("recognizer-timeout", recognizer.timeout().toString());
        o.put("recognizer-capacity", String.valueOf(recognizer.capacity()));
        o.put("pseudonym-key-env", pseudonymKey.envVariable());
        o.put("pseudonym-key-id", pseudonymKey.keyId());
        o.putAll(metrics.options());
        o.putAll(SigningOptions.options(signing));
        o.putAll(ParquetOptions.options(parquet));
        return o;
    }

    public static String help() {
        return COMMAND.help();
    }

    static Set<String> names() {
        return COMMAND.names();
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String topic() {
        return kafka.topic();
    }

    public String groupId() {
        return kafka.groupId();
    }

    public KafkaReading.StartingOffsets startingOffsets() {
        return kafka.startingOffsets();
    }

    public boolean bounded() {
        return kafka.bounded();
    }

    public Properties kafkaProperties() {
        return kafka.properties();
    }

    /** The masking policy: the file given, or the one built into the jar. */
    public MaskingPolicy maskingPolicy() {
        return maskingPolicyFile == null
                ? MaskingPolicy.builtIn()
                : MaskingPolicy.load(java.nio.file.Path.of(maskingPolicyFile));
    }
}
