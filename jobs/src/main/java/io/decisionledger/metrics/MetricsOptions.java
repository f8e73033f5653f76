package io.decisionledger.metrics;

import io.decisionledger.decision.ParserLimits;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.options.Command;
import io.decisionledger.options.JobOptions;
import io.decisionledger.options.KafkaReading;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import io.decisionledger.options.OptionTable.InvalidOptionException;
import io.decisionledger.options.ParquetOptions;
import io.decisionledger.options.ParserLimitOptions;
import java.io.Serializable;
import java.time.Duration;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The metrics job's options, parsed once from {@code --name value} arguments into typed values with
 * documented defaults ({@link #COMMAND}; {@code --help} prints {@link #help()}; unknown options are
 * an error). Kafka reading, the lake, the parser limits and the Parquet settings are the option
 * groups the jobs share (io.decisionledger.options): the parser limits and the de-duplication TTL
 * must be the ingest job's, so both jobs accept the same events. {@link #jobParameters()} is what
 * Flink's web UI shows.
 */
public record MetricsOptions(
        Source source,
        KafkaReading kafka,
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
        LocalDate toDate)
        implements Serializable, JobOptions {

    /** Where decisions come from. */
    public enum Source {
        /** The live decisions topic, streaming, with watermarks and late corrections. */
        KAFKA,
        /** The audit lake's Parquet files, in batch: a rebuild or backfill of the read model. */
        LAKE
    }

    /** The command line of {@code MetricsJob}: the options with their defaults, in --help order. */
    public static final Command<MetricsOptions> COMMAND =
            Command.of(
                    "metrics",
                    "MetricsJob: decisions -> windowed metrics read model (live from Kafka, or"
                            + " rebuilt in batch from the audit lake).\n\nUsage: flink run -c"
                            + " io.decisionledger.metrics.MetricsJob decision-ledger-jobs.jar"
                            + " [options]\n\n",
                    table(),
                    MetricsOptions::read);

    private static OptionTable table() {
        OptionTable t = new OptionTable();
        t.add(
                "source",
                "kafka",
                "kafka: live, streaming from the decisions topic. lake: rebuild (batch) from"
                        + " <lake>/audit/decisions; writes the same rows the live job writes.");
        KafkaReading.declare(t, "decision-ledger-metrics");
        LakeOptions.declare(
                t,
                "Lake root (file:///..., s3://bucket/prefix): the read model goes to"
                        + " <lake>/metrics/decision_metrics; a rebuild reads <lake>/audit/decisions.");
        t.add(
                "granularities",
                "1m,1h,1d",
                "Tumbling event-time window lengths, comma-separated (number + s, m, h or d),"
                        + " aligned to the epoch in UTC.");
        t.add(
                "max-out-of-orderness",
                "PT30S",
                "How far behind the newest event time of its Kafka partition an event may be and"
                        + " still count as on time.");
        t.add(
                "idleness",
                "PT1M",
                "A Kafka partition without records for this long no longer holds back the"
                        + " watermark (processing time).");
        t.add(
                "allowed-lateness",
                "PT1H",
                "How long a window stays open after the watermark passed its end. A late event"
                        + " within it produces a correction row (higher revision); later ones go to"
                        + " <lake>/metrics/late_decisions for a rebuild. PT0S allowed.");
        t.add(
                "checkpoint-interval",
                "PT1M",
                "Live only. Read model files are committed at each checkpoint.");
        t.add(
                "dedup-ttl",
                "P7D",
                "How long an event id is remembered for de-duplication (as in ingest).");
        ParserLimitOptions.declare(t);
        t.add(
                "output-topic",
                "",
                "Live only: also write every row revision as JSON to this Kafka topic.");
        t.add("tenant", "", "Lake only: rebuild one tenant. Default: every tenant.");
        t.add(
                "from-date",
                "",
                "Lake only: first event_date (yyyy-MM-dd, UTC) to rebuild. Default: the first.");
        t.add(
                "to-date",
                "",
                "Lake only: last event_date (yyyy-MM-dd, UTC) to rebuild. Default: the last.");
        ParquetOptions.declare(
                t,
                ParquetSettings.defaults(),
                "Parquet row-group size; bounds writer memory per open bucket.");
        return t;
    }

    private static MetricsOptions read(OptionTable.Parsed given) {
        Source source = given.choice("source", Source.class);
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
                KafkaReading.read(given),
                LakeOptions.lake(given),
                given.as("granularities", Granularity::parseList),
                given.duration("max-out-of-orderness", false),
                given.duration("idleness", false),
                given.duration("allowed-lateness", true),
                given.duration("checkpoint-interval", false),
                given.duration("dedup-ttl", false),
                ParserLimitOptions.read(given),
                ParquetOptions.read(given),
                outputTopic,
                tenant,
                from,
                to);
    }

    public static MetricsOptions defaults() {
        return parse(new String[0]);
    }

    /** The options {@code args} give; a bad command line is an InvalidOptionException. */
    public static MetricsOptions parse(String[] args) {
        return COMMAND.parse(args);
    }

    /** A copy with some options replaced, as if they had been given on the command line. */
    public MetricsOptions with(String... nameValuePairs) {
        return COMMAND.reparse(options(), nameValuePairs);
    }

    @Override
    public Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>();
        o.put("source", source.name().toLowerCase(Locale.ROOT));
        o.putAll(kafka.options());
        o.putAll(LakeOptions.options(lake));
        o.put(
                "granularities",
                granularities.stream().map(Granularity::label).collect(Collectors.joining(",")));
        o.put("max-out-of-orderness", maxOutOfOrderness.toString());
        o.put("idleness", idleness.toString());
        o.put("allowed-lateness", allowedLateness.toString());
        o.put("checkpoint-interval", checkpointInterval.toString());
        o.put("dedup-ttl", dedupTtl.toString());
        o.putAll(ParserLimitOptions.options(parserLimits));
        if (outputTopic != null) {
            o.put("output-topic", outputTopic);
        }
        if (tenant != null) {
            o.put("tenant", tenant);
        }
        if (fromDate != null) {
            o.put("from-date", fromDate.toString());
        }
        if (toDate != null) {
            o.put("to-date", toDate.toString());
        }
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
}
