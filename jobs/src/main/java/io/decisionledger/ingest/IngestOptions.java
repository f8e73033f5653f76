package io.decisionledger.ingest;

import io.decisionledger.chain.ChainSharding;
import io.decisionledger.decision.ParserLimits;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.models.RequiredCertifications;
import io.decisionledger.privacy.MaskingPolicy;
import io.decisionledger.privacy.PseudonymKey;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

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

    /** Option name → (default, description), in the order --help prints them. */
    private static final Map<String, String[]> OPTIONS = new LinkedHashMap<>();

    static {
        option("bootstrap-servers", "localhost:9092", "Kafka bootstrap servers.");
        option("topic", "ai-decisions", "Kafka topic with AI decision events (JSON).");
        option(
                "models-topic",
                "",
                "Optional second Kafka topic with MODEL_VERSION_REGISTERED events (model cards)."
                        + " Cards are also read from --topic.");
        option(
                "required-certifications",
                "",
                "Certifications each tenant's model cards must hold, e.g."
                        + " bank_456=EU_AI_ACT+SOC2,insurer_789=EU_AI_ACT (*=CERT: every tenant)."
                        + " Decisions without are stored but flagged MISSING_CERTIFICATION.");
        option("group-id", "decision-ledger-ingest", "Kafka consumer group id.");
        option(
                "starting-offsets",
                "committed",
                "committed | earliest | latest. 'committed' resumes the group and starts at the"
                        + " earliest offset when it has none. Restoring from a checkpoint or"
                        + " savepoint always resumes from the checkpointed offsets.");
        option(
                "bounded",
                "false",
                "true: stop once the offsets that were latest at start are consumed (backfills,"
                        + " the demo). false: run forever.");
        option(
                "lake",
                "file:///tmp/decision-ledger/lake",
                "Lake root: any Flink file system URI, e.g. file:///data/lake or s3://bucket/lake.");
        option(
                "checkpoint-interval",
                "PT1M",
                "ISO-8601 duration between checkpoints. Files are committed (visible) at each"
                        + " checkpoint, so this is also the end-to-end latency and sets the file count.");
        option("dedup-ttl", "P7D", "How long an event id is remembered for de-duplication.");
        option(
                "max-record-bytes",
                String.valueOf(ParserLimits.DEFAULT_MAX_RECORD_BYTES),
                "Larger values are quarantined as RECORD_TOO_LARGE.");
        option(
                "max-future-skew",
                ParserLimits.DEFAULT_MAX_FUTURE_SKEW.toString(),
                "Event timestamps further than this after the ingest time are quarantined.");
        option(
                "earliest-event-time",
                ParserLimits.DEFAULT_EARLIEST_EVENT_TIME.toString(),
                "Event timestamps before this instant are quarantined.");
        option(
                "hash-chain",
                "true",
                "Link every stored decision into its tenant's hash chain and publish chain heads."
                        + " false only to measure its cost: the lake then has no tamper evidence.");
        option(
                "chain-shards",
                "",
                "Tenants with more than one hash chain, e.g. bank_456=4,insurer_789=2 (very hot"
                        + " tenants; one chain is one sequential key). Others have one chain.");
        option(
                "ops-copy",
                "true",
                "Write the masked operational copy to <lake>/ops/decisions/. false only to measure"
                        + " its cost.");
        option(
                "masking-policy",
                "",
                "JSON masking policy file (detectors per field, metadata allow-list, extra"
                        + " patterns, per-tenant overrides). Default: the policy built into the jar.");
        option(
                "pseudonym-key-file",
                "",
                "File holding the pseudonymisation key (Base64, >= 32 bytes), read on the"
                        + " TaskManagers, e.g. a mounted secret. Default: the environment variable below.");
        option(
                "pseudonym-key-env",
                PseudonymKey.DEFAULT_ENV,
                "Environment variable holding the key when no key file is given.");
        option(
                "pseudonym-key-id",
                "k1",
                "Id of the current key, stored with every pseudonym (rotation).");
        option(
                "parquet-compression",
                ParquetSettings.DEFAULT_COMPRESSION,
                "SNAPPY | ZSTD | GZIP | UNCOMPRESSED.");
        option(
                "parquet-row-group-bytes",
                String.valueOf(ParquetSettings.DEFAULT_ROW_GROUP_BYTES),
                "Parquet row-group size; bounds writer memory per open bucket.");
        option(
                "parquet-page-bytes",
                String.valueOf(ParquetSettings.DEFAULT_PAGE_BYTES),
                "Parquet page size.");
    }

    private static void option(String name, String defaultValue, String description) {
        OPTIONS.put(name, new String[] {defaultValue, description});
    }

    /** Thrown for a bad command line; the message says which option and why. */
    public static final class InvalidOptionException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        InvalidOptionException(String message) {
            super(message);
        }
    }

    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    public static IngestOptions defaults() {
        return parse(new String[0]);
    }

    public static IngestOptions parse(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        Properties kafka = new Properties();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new InvalidOptionException(
                        "unexpected argument '" + a + "'; options look like --name value");
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                value = args[++i];
            } else {
                value = "true"; // a bare flag such as --bounded
            }
            if (name.startsWith("kafka.")) {
                kafka.setProperty(name.substring("kafka.".length()), value);
            } else if (OPTIONS.containsKey(name)) {
                given.put(name, value);
            } else {
                throw new InvalidOptionException(
                        "unknown option --"
                                + name
                                + "; known options: "
                                + String.join(", ", names()));
            }
        }
        try {
            return new IngestOptions(
                    value(given, "bootstrap-servers"),
                    value(given, "topic"),
                    value(given, "group-id"),
                    StartingOffsets.valueOf(
                            value(given, "starting-offsets").toUpperCase(Locale.ROOT)),
                    bool(given, "bounded"),
                    LakeLayout.at(value(given, "lake")),
                    duration(given, "checkpoint-interval"),
                    duration(given, "dedup-ttl"),
                    new ParserLimits(
                            integer(given, "max-record-bytes"),
                            duration(given, "max-future-skew"),
                            instant(given, "earliest-event-time")),
                    new ParquetSettings(
                            value(given, "parquet-compression"),
                            integer(given, "parquet-row-group-bytes"),
                            integer(given, "parquet-page-bytes")),
                    bool(given, "hash-chain"),
                    ChainSharding.parse(given.getOrDefault("chain-shards", "")),
                    bool(given, "ops-copy"),
                    optional(given, "masking-policy"),
                    new PseudonymKey(
                            optional(given, "pseudonym-key-file"),
                            value(given, "pseudonym-key-env"),
                            value(given, "pseudonym-key-id")),
                    kafka,
                    optional(given, "models-topic"),
                    RequiredCertifications.parse(
                            given.getOrDefault("required-certifications", "")));
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
        add(args, "max-record-bytes", String.valueOf(parserLimits.maxRecordBytes()));
        add(args, "max-future-skew", parserLimits.maxFutureSkew().toString());
        add(args, "earliest-event-time", parserLimits.earliestEventTime().toString());
        add(args, "parquet-compression", parquet.compression());
        add(args, "parquet-row-group-bytes", String.valueOf(parquet.rowGroupBytes()));
        add(args, "parquet-page-bytes", String.valueOf(parquet.pageBytes()));
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
        StringBuilder out = new StringBuilder();
        out.append(
                "IngestJob: Kafka AI decisions -> validated, de-duplicated, exactly-once Parquet lake.\n\n");
        out.append(
                "Usage: flink run -c io.decisionledger.ingest.IngestJob decision-ledger-jobs.jar [options]\n\n");
        for (Map.Entry<String, String[]> o : OPTIONS.entrySet()) {
            out.append(String.format("  --%-26s %s%n", o.getKey(), o.getValue()[1]));
            out.append(String.format("  %-28s default: %s%n", "", o.getValue()[0]));
        }
        out.append(
                String.format(
                        "  --%-26s %s%n",
                        "kafka.<property> <value>",
                        "Any Kafka consumer property, e.g. --kafka.security.protocol SASL_SSL."));
        return out.toString();
    }

    private static Set<String> names() {
        return new TreeSet<>(OPTIONS.keySet());
    }

    private static String value(Map<String, String> given, String name) {
        if (OPTIONS.get(name)[0].isEmpty() && !given.containsKey(name)) {
            return "";
        }
        String v = given.getOrDefault(name, OPTIONS.get(name)[0]);
        if (v == null || v.isBlank()) {
            throw new InvalidOptionException("--" + name + " must not be empty");
        }
        return v.strip();
    }

    private static String optional(Map<String, String> given, String name) {
        String v = given.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** The masking policy: the file given, or the one built into the jar. */
    public MaskingPolicy maskingPolicy() {
        return maskingPolicyFile == null
                ? MaskingPolicy.builtIn()
                : MaskingPolicy.load(java.nio.file.Path.of(maskingPolicyFile));
    }

    private static boolean bool(Map<String, String> given, String name) {
        String v = value(given, name).toLowerCase(Locale.ROOT);
        if (!v.equals("true") && !v.equals("false")) {
            throw new InvalidOptionException("--" + name + " must be true or false");
        }
        return Boolean.parseBoolean(v);
    }

    private static int integer(Map<String, String> given, String name) {
        try {
            return Integer.parseInt(value(given, name));
        } catch (NumberFormatException e) {
            throw new InvalidOptionException("--" + name + " must be an integer");
        }
    }

    private static Duration duration(Map<String, String> given, String name) {
        try {
            Duration d = Duration.parse(value(given, name));
            if (d.isNegative() || d.isZero()) {
                throw new InvalidOptionException("--" + name + " must be positive");
            }
            return d;
        } catch (DateTimeParseException e) {
            throw new InvalidOptionException(
                    "--" + name + " must be an ISO-8601 duration such as PT30S, PT1M or P7D");
        }
    }

    private static Instant instant(Map<String, String> given, String name) {
        try {
            return Instant.parse(value(given, name));
        } catch (DateTimeParseException e) {
            throw new InvalidOptionException(
                    "--" + name + " must be an ISO-8601 instant such as 2000-01-01T00:00:00Z");
        }
    }
}
