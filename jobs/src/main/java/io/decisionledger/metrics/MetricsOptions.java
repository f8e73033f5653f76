package io.decisionledger.metrics;

import io.decisionledger.decision.ParserLimits;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.options.OptionTable;
import io.decisionledger.options.OptionTable.InvalidOptionException;
import java.io.Serializable;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
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

    /** The options with their defaults, in the order --help prints them. */
    private static final OptionTable OPTIONS = new OptionTable(true);

    static {
        OPTIONS.add(
                "source",
                "kafka",
                "kafka: live, streaming from the decisions topic. lake: rebuild (batch) from"
                        + " <lake>/audit/decisions; writes the same rows the live job writes.");
        OPTIONS.add("bootstrap-servers", "localhost:9092", "Kafka bootstrap servers.");
        OPTIONS.add("topic", "ai-decisions", "Kafka topic with AI decision events (JSON).");
        OPTIONS.add("group-id", "decision-ledger-metrics", "Kafka consumer group id.");
        OPTIONS.add(
                "starting-offsets",
                "committed",
                "committed | earliest | latest. 'committed' resumes the group, earliest when it has"
                        + " none. A restore from a checkpoint or savepoint resumes from it.");
        OPTIONS.add(
                "bounded",
                "false",
                "true: stop once the offsets that were latest at start are consumed.");
        OPTIONS.add(
                "lake",
                "file:///tmp/decision-ledger/lake",
                "Lake root (file:///..., s3://bucket/prefix): the read model goes to"
                        + " <lake>/metrics/decision_metrics; a rebuild reads <lake>/audit/decisions.");
        OPTIONS.add(
                "granularities",
                "1m,1h,1d",
                "Tumbling event-time window lengths, comma-separated (number + s, m, h or d),"
                        + " aligned to the epoch in UTC.");
        OPTIONS.add(
                "max-out-of-orderness",
                "PT30S",
                "How far behind the newest event time of its Kafka partition an event may be and"
                        + " still count as on time.");
        OPTIONS.add(
                "idleness",
                "PT1M",
                "A Kafka partition without records for this long no longer holds back the"
                        + " watermark (processing time).");
        OPTIONS.add(
                "allowed-lateness",
                "PT1H",
                "How long a window stays open after the watermark passed its end. A late event"
                        + " within it produces a correction row (higher revision); later ones go to"
                        + " <lake>/metrics/late_decisions for a rebuild. PT0S allowed.");
        OPTIONS.add(
                "checkpoint-interval",
                "PT1M",
                "Live only. Read model files are committed at each checkpoint.");
        OPTIONS.add(
                "dedup-ttl",
                "P7D",
                "How long an event id is remembered for de-duplication (as in ingest).");
        ParserLimits.declareOptions(OPTIONS);
        OPTIONS.add(
                "output-topic",
                "",
                "Live only: also write every row revision as JSON to this Kafka topic.");
        OPTIONS.add("tenant", "", "Lake only: rebuild one tenant. Default: every tenant.");
        OPTIONS.add(
                "from-date",
                "",
                "Lake only: first event_date (yyyy-MM-dd, UTC) to rebuild. Default: the first.");
        OPTIONS.add(
                "to-date",
                "",
                "Lake only: last event_date (yyyy-MM-dd, UTC) to rebuild. Default: the last.");
        ParquetSettings.declareOptions(OPTIONS);
    }

    public static boolean wantsHelp(String[] args) {
        return OptionTable.wantsHelp(args);
    }

    public static MetricsOptions defaults() {
        return parse(new String[0]);
    }

    public static MetricsOptions parse(String[] args) {
        OptionTable.Parsed given = OPTIONS.parse(args);
        try {
            Source source = Source.valueOf(given.value("source").toUpperCase(Locale.ROOT));
            String tenant = given.optional("tenant");
            LocalDate from = given.date("from-date");
            LocalDate to = given.date("to-date");
            String outputTopic = given.optional("output-topic");
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
                    given.value("bootstrap-servers"),
                    given.value("topic"),
                    given.value("group-id"),
                    StartingOffsets.valueOf(
                            given.value("starting-offsets").toUpperCase(Locale.ROOT)),
                    given.bool("bounded"),
                    LakeLayout.at(given.value("lake")),
                    Granularity.parseList(given.value("granularities")),
                    given.duration("max-out-of-orderness", false),
                    given.duration("idleness", false),
                    given.duration("allowed-lateness", true),
                    given.duration("checkpoint-interval", false),
                    given.duration("dedup-ttl", false),
                    ParserLimits.fromOptions(given),
                    ParquetSettings.fromOptions(given),
                    outputTopic,
                    tenant,
                    from,
                    to,
                    given.kafkaProperties());
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
        args.addAll(parserLimits.toArgs());
        args.addAll(parquet.toArgs());
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
        return OPTIONS.help(
                "MetricsJob: decisions -> windowed metrics read model (live from Kafka, or rebuilt"
                        + " in batch from the audit lake).\n\nUsage: flink run -c"
                        + " io.decisionledger.metrics.MetricsJob decision-ledger-jobs.jar"
                        + " [options]\n\n");
    }

    static Set<String> names() {
        return OPTIONS.names();
    }
}
