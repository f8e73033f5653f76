package io.decisionledger.metrics;

import io.decisionledger.decision.ParserLimits;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The metrics job's options, parsed once from {@code --name value} arguments into typed values with
 * documented defaults; {@code --help} prints {@link #help()}. Unknown options are an error. The
 * parser limits and the de-duplication TTL must be the ingest job's, so both jobs accept the same
 * events. Extra Kafka client properties pass through as {@code --kafka.<property> value}.
 */
public record MetricsOptions(
        Source source,
        String bootstrapServers,
        String topic,
        String groupId,
        StartingOffsets startingOffsets,
        boolean bounded,
        LakeLayout lake,
        List<Granularity> granularities,
        Duration maxOutOfOrderness,
        Duration idleness,
        Duration allowedLateness,
        Duration checkpointInterval,
        Duration dedupTtl,
        ParserLimits parserLimits,
        ParquetSettings parquet,
        String outputTopic,
        String tenant,
        LocalDate fromDate,
        LocalDate toDate,
        Properties kafkaProperties)
        implements Serializable {

    /** Where decisions come from. */
    public enum Source {
        /** The live decisions topic, streaming, with watermarks and late corrections. */
        KAFKA,
        /** The audit lake's Parquet files, in batch: a rebuild or backfill of the read model. */
        LAKE
    }

    /** Where a consumer group without committed offsets starts. */
    public enum StartingOffsets {
        COMMITTED,
        EARLIEST,
        LATEST
    }

    private static final Map<String, String[]> OPTIONS = new LinkedHashMap<>();

    static {
        option(
                "source",
                "kafka",
                "kafka: live, streaming from the decisions topic. lake: rebuild (batch) from"
                        + " <lake>/audit/decisions; writes the same rows the live job writes.");
        option("bootstrap-servers", "localhost:9092", "Kafka bootstrap servers.");
        option("topic", "ai-decisions", "Kafka topic with AI decision events (JSON).");
        option("group-id", "decision-ledger-metrics", "Kafka consumer group id.");
        option(
                "starting-offsets",
                "committed",
                "committed | earliest | latest. 'committed' resumes the group, earliest when it has"
                        + " none. A restore from a checkpoint or savepoint resumes from it.");
        option(
                "bounded",
                "false",
                "true: stop once the offsets that were latest at start are consumed.");
        option(
                "lake",
                "file:///tmp/decision-ledger/lake",
                "Lake root (file:///..., s3://bucket/prefix): the read model goes to"
                        + " <lake>/metrics/decision_metrics; a rebuild reads <lake>/audit/decisions.");
        option(
                "granularities",
                "1m,1h,1d",
                "Tumbling event-time window lengths, comma-separated (number + s, m, h or d),"
                        + " aligned to the epoch in UTC.");
        option(
                "max-out-of-orderness",
                "PT30S",
                "How far behind the newest event time of its Kafka partition an event may be and"
                        + " still count as on time.");
        option(
                "idleness",
                "PT1M",
                "A Kafka partition without records for this long no longer holds back the"
                        + " watermark (processing time).");
        option(
                "allowed-lateness",
                "PT1H",
                "How long a window stays open after the watermark passed its end. A late event"
                        + " within it produces a correction row (higher revision); later ones go to"
                        + " <lake>/metrics/late_decisions for a rebuild. PT0S allowed.");
        option(
                "checkpoint-interval",
                "PT1M",
                "Live only. Read model files are committed at each checkpoint.");
        option(
                "dedup-ttl",
                "P7D",
                "How long an event id is remembered for de-duplication (as in ingest).");
        option(
                "max-record-bytes",
                String.valueOf(ParserLimits.DEFAULT_MAX_RECORD_BYTES),
                "Parser limit, as in ingest.");
        option(
                "max-future-skew",
                ParserLimits.DEFAULT_MAX_FUTURE_SKEW.toString(),
                "Parser limit, as in ingest.");
        option(
                "earliest-event-time",
                ParserLimits.DEFAULT_EARLIEST_EVENT_TIME.toString(),
                "Parser limit, as in ingest.");
        option(
                "output-topic",
                "",
                "Live only: also write every row revision as JSON to this Kafka topic.");
        option("tenant", "", "Lake only: rebuild one tenant. Default: every tenant.");
        option(
                "from-date",
                "",
                "Lake only: first event_date (yyyy-MM-dd, UTC) to rebuild. Default: the first.");
        option(
                "to-date",
                "",
                "Lake only: last event_date (yyyy-MM-dd, UTC) to rebuild. Default: the last.");
        option(
                "parquet-compression",
                ParquetSettings.DEFAULT_COMPRESSION,
                "SNAPPY | ZSTD | GZIP | UNCOMPRESSED.");
        option(
                "parquet-row-group-bytes",
                String.valueOf(ParquetSettings.DEFAULT_ROW_GROUP_BYTES),
                "Parquet row-group size.");
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

    public static MetricsOptions defaults() {
        return parse(new String[0]);
    }

    public static MetricsOptions parse(String[] args) {
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
                value = "true";
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
                                + String.join(", ", new TreeSet<>(OPTIONS.keySet())));
            }
        }
        try {
            Source source = Source.valueOf(value(given, "source").toUpperCase(Locale.ROOT));
            String tenant = optional(given, "tenant");
            LocalDate from = date(given, "from-date");
            LocalDate to = date(given, "to-date");
            String outputTopic = optional(given, "output-topic");
            if (source == Source.KAFKA && (tenant != null || from != null || to != null)) {
                throw new InvalidOptionException(
                        "--tenant, --from-date and --to-date select what a rebuild reads: use them"
                                + " with --source lake");
            }
            if (source == Source.LAKE && outputTopic != null) {
                throw new InvalidOptionException(
                        "--output-topic is for the live job; a rebuild writes Parquet only");
            }
            if (from != null && to != null && from.isAfter(to)) {
                throw new InvalidOptionException("--from-date is after --to-date");
            }
            return new MetricsOptions(
                    source,
                    value(given, "bootstrap-servers"),
                    value(given, "topic"),
                    value(given, "group-id"),
                    StartingOffsets.valueOf(
                            value(given, "starting-offsets").toUpperCase(Locale.ROOT)),
                    bool(given, "bounded"),
                    LakeLayout.at(value(given, "lake")),
                    Granularity.parseList(value(given, "granularities")),
                    duration(given, "max-out-of-orderness", false),
                    duration(given, "idleness", false),
                    duration(given, "allowed-lateness", true),
                    duration(given, "checkpoint-interval", false),
                    duration(given, "dedup-ttl", false),
                    new ParserLimits(
                            integer(given, "max-record-bytes"),
                            duration(given, "max-future-skew", true),
                            instant(given, "earliest-event-time")),
                    new ParquetSettings(
                            value(given, "parquet-compression"),
                            integer(given, "parquet-row-group-bytes"),
                            integer(given, "parquet-page-bytes")),
                    outputTopic,
                    tenant,
                    from,
                    to,
                    kafka);
        } catch (InvalidOptionException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidOptionException(e.getMessage());
        }
    }

    /** A copy with some options replaced, as if they had been given on the command line. */
    public MetricsOptions with(String... nameValuePairs) {
        List<String> args = new ArrayList<>(toArgs());
        for (int i = 0; i < nameValuePairs.length; i += 2) {
            args.add("--" + nameValuePairs[i]);
            args.add(nameValuePairs[i + 1]);
        }
        return parse(args.toArray(new String[0]));
    }

    private List<String> toArgs() {
        List<String> args = new ArrayList<>();
        add(args, "source", source.name().toLowerCase(Locale.ROOT));
        add(args, "bootstrap-servers", bootstrapServers);
        add(args, "topic", topic);
        add(args, "group-id", groupId);
        add(args, "starting-offsets", startingOffsets.name().toLowerCase(Locale.ROOT));
        add(args, "bounded", String.valueOf(bounded));
        add(args, "lake", lake.root());
        add(
                args,
                "granularities",
                granularities.stream().map(Granularity::label).collect(Collectors.joining(",")));
        add(args, "max-out-of-orderness", maxOutOfOrderness.toString());
        add(args, "idleness", idleness.toString());
        add(args, "allowed-lateness", allowedLateness.toString());
        add(args, "checkpoint-interval", checkpointInterval.toString());
        add(args, "dedup-ttl", dedupTtl.toString());
        add(args, "max-record-bytes", String.valueOf(parserLimits.maxRecordBytes()));
        add(args, "max-future-skew", parserLimits.maxFutureSkew().toString());
        add(args, "earliest-event-time", parserLimits.earliestEventTime().toString());
        add(args, "parquet-compression", parquet.compression());
        add(args, "parquet-row-group-bytes", String.valueOf(parquet.rowGroupBytes()));
        add(args, "parquet-page-bytes", String.valueOf(parquet.pageBytes()));
        if (outputTopic != null) {
            add(args, "output-topic", outputTopic);
        }
        if (tenant != null) {
            add(args, "tenant", tenant);
        }
        if (fromDate != null) {
            add(args, "from-date", fromDate.toString());
        }
        if (toDate != null) {
            add(args, "to-date", toDate.toString());
        }
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
                "MetricsJob: decisions -> windowed metrics read model (live from Kafka, or rebuilt"
                        + " in batch from the audit lake).\n\n");
        out.append(
                "Usage: flink run -c io.decisionledger.metrics.MetricsJob decision-ledger-jobs.jar [options]\n\n");
        for (Map.Entry<String, String[]> o : OPTIONS.entrySet()) {
            out.append(String.format("  --%-26s %s%n", o.getKey(), o.getValue()[1]));
            String d = o.getValue()[0];
            out.append(String.format("  %-28s default: %s%n", "", d.isEmpty() ? "(none)" : d));
        }
        out.append(
                String.format(
                        "  --%-26s %s%n",
                        "kafka.<property> <value>",
                        "Any Kafka client property, e.g. --kafka.security.protocol SASL_SSL."));
        return out.toString();
    }

    static Set<String> names() {
        return new TreeSet<>(OPTIONS.keySet());
    }

    private static String optional(Map<String, String> given, String name) {
        String v = given.get(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    private static String value(Map<String, String> given, String name) {
        String v = given.getOrDefault(name, OPTIONS.get(name)[0]);
        if (v == null || v.isBlank()) {
            throw new InvalidOptionException("--" + name + " must not be empty");
        }
        return v.strip();
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

    private static Duration duration(Map<String, String> given, String name, boolean zeroAllowed) {
        Duration d;
        try {
            d = Duration.parse(value(given, name));
        } catch (DateTimeParseException e) {
            throw new InvalidOptionException(
                    "--" + name + " must be an ISO-8601 duration such as PT30S, PT1M or P7D");
        }
        if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
            throw new InvalidOptionException(
                    "--" + name + (zeroAllowed ? " must not be negative" : " must be positive"));
        }
        return d;
    }

    private static Instant instant(Map<String, String> given, String name) {
        try {
            return Instant.parse(value(given, name));
        } catch (DateTimeParseException e) {
            throw new InvalidOptionException(
                    "--" + name + " must be an ISO-8601 instant such as 2000-01-01T00:00:00Z");
        }
    }

    private static LocalDate date(Map<String, String> given, String name) {
        String v = optional(given, name);
        if (v == null) {
            return null;
        }
        try {
            return LocalDate.parse(v);
        } catch (DateTimeParseException e) {
            throw new InvalidOptionException("--" + name + " must be a date such as 2026-03-15");
        }
    }
}
