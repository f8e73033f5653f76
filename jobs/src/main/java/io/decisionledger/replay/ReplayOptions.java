package io.decisionledger.replay;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.OptionTable;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The replay job's options, parsed once from {@code --name value} arguments; {@code --help} prints
 * {@link #help()}. Unknown options are an error. The API key itself is never an option (it would
 * end up in process listings and logs): only where to read it from.
 */
public record ReplayOptions(
        LakeLayout lake,
        String tenant,
        Instant from,
        Instant to,
        String modelVersion,
        int sampleSize,
        double sampleRate,
        long seed,
        String baseUrl,
        String model,
        String apiKeyEnv,
        String apiKeyFile,
        int concurrency,
        double ratePerSecond,
        Duration requestTimeout,
        int maxAttempts,
        Duration initialBackoff,
        Duration maxBackoff,
        double confidenceTolerance,
        String runId,
        int worst,
        int parallelism,
        String purpose,
        String identityFile)
        implements Serializable {

    /** The options with their defaults, in the order --help prints them. */
    private static final OptionTable OPTIONS = new OptionTable(false);

    static {
        OPTIONS.add(
                "lake",
                "file:///tmp/decision-ledger/lake",
                "Lake root (any Flink file system URI).");
        OPTIONS.add(
                "purpose",
                "",
                "Required: why these full records are read (written to the access log with the"
                        + " replayed event ids), e.g. a model-risk review reference.");
        OPTIONS.add(
                "identity-file",
                "",
                "Who replays: a properties file with user=... and role=compliance_officer."
                        + " Default: the environment variable "
                        + io.decisionledger.access.Caller.ENV
                        + "=user:role.");
        OPTIONS.add("tenant", "", "Only this tenant's decisions. Default: all tenants.");
        OPTIONS.add("from", "", "Only decisions with event_time >= this ISO-8601 instant.");
        OPTIONS.add("to", "", "Only decisions with event_time < this ISO-8601 instant.");
        OPTIONS.add("model-version", "", "Only decisions made by this stored model_version.");
        OPTIONS.add(
                "sample-size",
                "0",
                "Replay at most this many of the selected decisions (a deterministic sample by"
                        + " hash of event id and seed). 0: no limit.");
        OPTIONS.add(
                "sample-rate",
                "1.0",
                "Replay this fraction of the selected decisions (deterministic by hash), in (0, 1].");
        OPTIONS.add("seed", "42", "Seed of the sample.");
        OPTIONS.add(
                "base-url",
                "http://127.0.0.1:8080/v1",
                "OpenAI-compatible API base; requests go to <base-url>/chat/completions.");
        OPTIONS.add(
                "model",
                "",
                "What-if: ask this model instead of each decision's recorded model_version.");
        OPTIONS.add("api-key-env", "OPENAI_API_KEY", "Environment variable holding the API key.");
        OPTIONS.add(
                "api-key-file",
                "",
                "File holding the API key (wins over the variable). Neither set: no Authorization"
                        + " header.");
        OPTIONS.add(
                "concurrency",
                "8",
                "Requests in flight per parallel subtask (async I/O capacity).");
        OPTIONS.add("rate", "10", "Requests per second, all subtasks and retries together.");
        OPTIONS.add("request-timeout", "PT30S", "Timeout of one HTTP request (ISO-8601 duration).");
        OPTIONS.add("max-attempts", "4", "Attempts per decision, the first included.");
        OPTIONS.add(
                "initial-backoff", "PT0.5S", "Backoff before the first retry; doubles each retry.");
        OPTIONS.add(
                "max-backoff",
                "PT30S",
                "Longest wait between attempts; a 429 asking for longer (Retry-After) gives up.");
        OPTIONS.add(
                "confidence-tolerance",
                "0.05",
                "MATCH needs approved equal and |confidence difference| <= this.");
        OPTIONS.add(
                "run-id",
                "",
                "Output folder <lake>/replays/run_id=<id>/. Default: replay-<UTC time>.");
        OPTIONS.add("worst", "10", "How many of the worst drifts the summary lists.");
        OPTIONS.add(
                "parallelism",
                "0",
                "Parallel subtasks calling the endpoint (in flight = concurrency x parallelism)."
                        + " 0: the environment's default parallelism. Set on the operator, because"
                        + " the adaptive batch scheduler would otherwise size it by data volume (1"
                        + " for a sample).");
    }

    public static boolean wantsHelp(String[] args) {
        return OptionTable.wantsHelp(args);
    }

    public static ReplayOptions parse(String[] args) {
        OptionTable.Parsed given = OPTIONS.parse(args);
        double rate = given.doubleValue("sample-rate");
        if (!(rate > 0 && rate <= 1)) {
            throw new IllegalArgumentException("--sample-rate must be in (0, 1]");
        }
        int concurrency = given.integer("concurrency");
        if (concurrency < 1) {
            throw new IllegalArgumentException("--concurrency must be at least 1");
        }
        double perSecond = given.doubleValue("rate");
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("--rate must be positive");
        }
        int attempts = given.integer("max-attempts");
        if (attempts < 1) {
            throw new IllegalArgumentException("--max-attempts must be at least 1");
        }
        String runId = opt(given, "run-id");
        if (runId == null) {
            runId =
                    "replay-"
                            + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                                    .withZone(ZoneOffset.UTC)
                                    .format(Instant.now());
        }
        if (!runId.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw new IllegalArgumentException(
                    "--run-id may hold only letters, digits, '_', '-' and '.'");
        }
        return new ReplayOptions(
                LakeLayout.at(given.value("lake")),
                opt(given, "tenant"),
                optionalInstant(given, "from"),
                optionalInstant(given, "to"),
                opt(given, "model-version"),
                given.integer("sample-size"),
                rate,
                given.longValue("seed", Long.MIN_VALUE),
                given.value("base-url"),
                opt(given, "model"),
                given.value("api-key-env"),
                opt(given, "api-key-file"),
                concurrency,
                perSecond,
                given.duration("request-timeout"),
                attempts,
                given.duration("initial-backoff"),
                given.duration("max-backoff"),
                given.doubleValue("confidence-tolerance"),
                runId,
                given.integer("worst"),
                given.integer("parallelism"),
                opt(given, "purpose"),
                opt(given, "identity-file"));
    }

    public ChatCompletionsClient.Settings clientSettings() {
        return new ChatCompletionsClient.Settings(
                baseUrl, requestTimeout, maxAttempts, initialBackoff, maxBackoff, ratePerSecond);
    }

    /**
     * How long the async operator waits for one decision, retries and waits included, before it
     * records TIMEOUT_OVERALL: every attempt may take the request timeout plus the longest backoff,
     * plus the queueing the rate limit imposes on a full operator.
     */
    public Duration overallTimeout() {
        Duration perAttempt = requestTimeout.plus(maxBackoff);
        Duration queueing =
                Duration.ofMillis((long) (concurrency * maxAttempts * 1000 / ratePerSecond));
        return perAttempt.multipliedBy(maxAttempts).plus(queueing).plusSeconds(5);
    }

    public static String help() {
        return OPTIONS.help(
                "ReplayJob: re-send stored decisions to an OpenAI-compatible endpoint and"
                        + " compare.\n\nUsage: Main replay [options]\n\n");
    }

    /** The value, or null when it is empty (not given and without default). */
    private static String opt(OptionTable.Parsed given, String name) {
        String v = given.value(name);
        return v.isEmpty() ? null : v;
    }

    private static Instant optionalInstant(OptionTable.Parsed given, String name) {
        return opt(given, name) == null ? null : given.instant(name);
    }
}
