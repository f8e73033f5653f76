package io.decisionledger.ingest;

import io.decisionledger.chain.ChainSharding;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.models.RequiredCertifications;
import io.decisionledger.options.OptionTable;
import io.decisionledger.options.OptionTable.InvalidOptionException;
import io.decisionledger.privacy.MaskingPolicy;
import io.decisionledger.privacy.PseudonymKey;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;

/**
 * The ingest job's options, parsed once from {@code --name value} arguments into typed values with
 * documented defaults. {@code --help} prints {@link #help()}. Unknown options are an error, so a
 * typo cannot silently fall back to a default. Extra Kafka consumer properties (security, SASL, …)
 * pass through as {@code --kafka.<property> value}.
 */
public record IngestOptions(
        String bootstrapServers,
        String topic,
        String groupId,
        StartingOffsets startingOffsets,
        boolean bounded,
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
        Properties kafkaProperties,
        String modelsTopic,
        RequiredCertifications requiredCertifications)
        implements Serializable {

    /** Where a consumer group without committed offsets starts. */
    public enum StartingOffsets {
        /** Committed group offsets; earliest when the group has none (the safe default). */
        COMMITTED,
        EARLIEST,
        LATEST
    }

    /** The options with their defaults, in the order --help prints them. */
    private static final OptionTable OPTIONS = new OptionTable(true);

    static {
        OPTIONS.add("bootstrap-servers", "localhost:9092", "Kafka bootstrap servers.");
        OPTIONS.add("topic", "ai-decisions", "Kafka topic with AI decision events (JSON).");
        OPTIONS.add(
                "models-topic",
                "",
                "Optional second Kafka topic with MODEL_VERSION_REGISTERED events (model cards)."
                        + " Cards are also read from --topic.");
        OPTIONS.add(
                "required-certifications",
                "",
                "Certifications each tenant's model cards must hold, e.g."
                        + " bank_456=EU_AI_ACT+SOC2,insurer_789=EU_AI_ACT (*=CERT: every tenant)."
                        + " Decisions without are stored but flagged MISSING_CERTIFICATION.");
        OPTIONS.add("group-id", "decision-ledger-ingest", "Kafka consumer group id.");
        OPTIONS.add(
                "starting-offsets",
                "committed",
                "committed | earliest | latest. 'committed' resumes the group and starts at the"
                        + " earliest offset when it has none. Restoring from a checkpoint or"
                        + " savepoint always resumes from the checkpointed offsets.");
        OPTIONS.add(
                "bounded",
                "false",
                "true: stop once the offsets that were latest at start are consumed (backfills,"
                        + " the demo). false: run forever.");
        OPTIONS.add(
                "lake",
                "file:///tmp/decision-ledger/lake",
                "Lake root: any Flink file system URI, e.g. file:///data/lake or s3://bucket/lake.");
        OPTIONS.add(
                "checkpoint-interval",
                "PT1M",
                "ISO-8601 duration between checkpoints. Files are committed (visible) at each"
                        + " checkpoint, so this is also the end-to-end latency and sets the file count.");
        OPTIONS.add("dedup-ttl", "P7D", "How long an event id is remembered for de-duplication.");
        ParserLimits.declareOptions(OPTIONS);
        OPTIONS.add(
                "hash-chain",
                "true",
                "Link every stored decision into its tenant's hash chain and publish chain heads."
                        + " false only to measure its cost: the lake then has no tamper evidence.");
        OPTIONS.add(
                "chain-shards",
                "",
                "Tenants with more than one hash chain, e.g. bank_456=4,insurer_789=2 (very hot"
                        + " tenants; one chain is one sequential key). Others have one chain.");
        OPTIONS.add(
                "ops-copy",
                "true",
                "Write the masked operational copy to <lake>/ops/decisions/. false only to measure"
                        + " its cost.");
        OPTIONS.add(
                "masking-policy",
                "",
                "JSON masking policy file (detectors per field, metadata allow-list, extra"
                        + " patterns, per-tenant overrides). Default: the policy built into the jar.");
        OPTIONS.add(
                "pseudonym-key-file",
                "",
                "File holding the pseudonymisation key (Base64, >= 32 bytes), read on the"
                        + " TaskManagers, e.g. a mounted secret. Default: the environment variable below.");
        OPTIONS.add(
                "pseudonym-key-env",
                PseudonymKey.DEFAULT_ENV,
                "Environment variable holding the key when no key file is given.");
        OPTIONS.add(
                "pseudonym-key-id",
                "k1",
                "Id of the current key, stored with every pseudonym (rotation).");
        ParquetSettings.declareOptions(OPTIONS);
    }

    public static boolean wantsHelp(String[] args) {
        return OptionTable.wantsHelp(args);
    }

    public static IngestOptions defaults() {
        return parse(new String[0]);
    }

    public static IngestOptions parse(String[] args) {
        OptionTable.Parsed given = OPTIONS.parse(args);
        try {
            return new IngestOptions(
                    given.value("bootstrap-servers"),
                    given.value("topic"),
                    given.value("group-id"),
                    StartingOffsets.valueOf(
                            given.value("starting-offsets").toUpperCase(Locale.ROOT)),
                    given.bool("bounded"),
                    LakeLayout.at(given.value("lake")),
                    given.duration("checkpoint-interval"),
                    given.duration("dedup-ttl"),
                    new ParserLimits(
                            given.integer("max-record-bytes"),
                            given.duration("max-future-skew"),
                            given.instant("earliest-event-time")),
                    new ParquetSettings(
                            given.value("parquet-compression"),
                            given.integer("parquet-row-group-bytes"),
                            given.integer("parquet-page-bytes")),
                    given.bool("hash-chain"),
                    ChainSharding.parse(given.value("chain-shards")),
                    given.bool("ops-copy"),
                    given.optional("masking-policy"),
                    new PseudonymKey(
                            given.optional("pseudonym-key-file"),
                            given.value("pseudonym-key-env"),
                            given.value("pseudonym-key-id")),
                    given.kafkaProperties(),
                    given.optional("models-topic"),
                    RequiredCertifications.parse(given.value("required-certifications")));
        } catch (InvalidOptionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidOptionException(e.getMessage());
        }
    }

    /** Returns a copy with some options replaced, as if they had been given on the command line. */
    public IngestOptions with(String... nameValuePairs) {
        List<String> args = new ArrayList<>(toArgs());
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            args.add("--" + nameValuePairs[i]);
            args.add(nameValuePairs[i + 1]);
        }
        return parse(args.toArray(new String[0]));
    }

    private List<String> toArgs() {
        List<String> args = new ArrayList<>();
        add(args, "bootstrap-servers", bootstrapServers);
        add(args, "topic", topic);
        add(args, "group-id", groupId);
        add(args, "starting-offsets", startingOffsets.name().toLowerCase(Locale.ROOT));
        add(args, "bounded", String.valueOf(bounded));
        add(args, "lake", lake.root());
        add(args, "checkpoint-interval", checkpointInterval.toString());
        add(args, "dedup-ttl", dedupTtl.toString());
        args.addAll(parserLimits.toArgs());
        args.addAll(parquet.toArgs());
        add(args, "hash-chain", String.valueOf(hashChain));
        if (!chainSharding.toString().isEmpty()) {
            add(args, "chain-shards", chainSharding.toString());
        }
        add(args, "ops-copy", String.valueOf(opsCopy));
        if (modelsTopic != null) {
            add(args, "models-topic", modelsTopic);
        }
        if (!requiredCertifications.isEmpty()) {
            add(args, "required-certifications", requiredCertifications.toString());
        }
        if (maskingPolicyFile != null) {
            add(args, "masking-policy", maskingPolicyFile);
        }
        if (pseudonymKey.file() != null) {
            add(args, "pseudonym-key-file", pseudonymKey.file());
        }
        add(args, "pseudonym-key-env", pseudonymKey.envVariable());
        add(args, "pseudonym-key-id", pseudonymKey.keyId());
        for (String key : kafkaProperties.stringPropertyNames()) {
            add(args, "kafka." + key, kafkaProperties.getProperty(key));
        }
        return args;
    }

    private static void add(List<String> args, String name, String value) {
        args.add("--" + name);
        args.add(value);
    }

    public static String help() {
        return OPTIONS.help(
                "IngestJob: Kafka AI decisions -> validated, de-duplicated, exactly-once Parquet"
                        + " lake.\n\nUsage: flink run -c io.decisionledger.ingest.IngestJob"
                        + " decision-ledger-jobs.jar [options]\n\n");
    }

    static Set<String> names() {
        return OPTIONS.names();
    }

    /** The masking policy: the file given, or the one built into the jar. */
    public MaskingPolicy maskingPolicy() {
        return maskingPolicyFile == null
                ? MaskingPolicy.builtIn()
                : MaskingPolicy.load(java.nio.file.Path.of(maskingPolicyFile));
    }
}
