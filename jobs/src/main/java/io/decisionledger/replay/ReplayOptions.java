package io.decisionledger.replay;

import io.decisionledger.lake.LakeLayout;
import java.io.Serializable;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

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
        int parallelism)
        implements Serializable {

    private static final Map<String, String[]> OPTIONS = new LinkedHashMap<>();

    static {
        option(
                "lake",
                "file:///tmp/decision-ledger/lake",
                "Lake root (any Flink file system URI).");
        option("tenant", "", "Only this tenant's decisions. Default: all tenants.");
        option("from", "", "Only decisions with event_time >= this ISO-8601 instant.");
        option("to", "", "Only decisions with event_time < this ISO-8601 instant.");
        option("model-version", "", "Only decisions made by this stored model_version.");
        option(
                "sample-size",
                "0",
                "Replay at most this many of the selected decisions (a deterministic sample by"
                        + " hash of event id and seed). 0: no limit.");
        option(
                "sample-rate",
                "1.0",
                "Replay this fraction of the selected decisions (deterministic by hash), in (0, 1].");
        option("seed", "42", "Seed of the sample.");
        option(
                "base-url",
                "http://127.0.0.1:8080/v1",
                "OpenAI-compatible API base; requests go to <base-url>/chat/completions.");
        option(
                "model",
                "",
                "What-if: ask this model instead of each decision's recorded model_version.");
        option("api-key-env", "OPENAI_API_KEY", "Environment variable holding the API key.");
        option(
                "api-key-file",
                "",
                "File holding the API key (wins over the variable). Neither set: no Authorization"
                        + " header.");
        option("concurrency", "8", "Requests in flight per parallel subtask (async I/O capacity).");
        option("rate", "10", "Requests per second, all subtasks and retries together.");
        option("request-timeout", "PT30S", "Timeout of one HTTP request (ISO-8601 duration).");
        option("max-attempts", "4", "Attempts per decision, the first included.");
        option("initial-backoff", "PT0.5S", "Backoff before the first retry; doubles each retry.");
        option(
                "max-backoff",
                "PT30S",
                "Longest wait between attempts; a 429 asking for longer (Retry-After) gives up.");
        option(
                "confidence-tolerance",
                "0.05",
                "MATCH needs approved equal and |confidence difference| <= this.");
        option(
                "run-id",
                "",
                "Output folder <lake>/replays/run_id=<id>/. Default: replay-<UTC time>.");
        option("worst", "10", "How many of the worst drifts the summary lists.");
        option(
                "parallelism",
                "0",
                "Parallel subtasks calling the endpoint (in flight = concurrency x parallelism)."
                        + " 0: the environment's default parallelism. Set on the operator, because"
                        + " the adaptive batch scheduler would otherwise size it by data volume (1"
                        + " for a sample).");
    }

    private static void option(String name, String defaultValue, String description) {
        OPTIONS.put(name, new String[] {defaultValue, description});
    }

    public static boolean wantsHelp(String[] args) {
        for (String a : args) {
            if (a.equals("--help") || a.equals("-h")) {
                return true;
            }
        }
        return false;
    }

    public static ReplayOptions parse(String[] args) {
        Map<String, String> given = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException(
                        "unexpected argument '" + a + "'; options look like --name value");
            }
            String name = a.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else if (i + 1 < args.length) {
                value = args[++i];
            } else {
                throw new IllegalArgumentException("--" + name + " needs a value");
            }
            if (!OPTIONS.containsKey(name)) {
                throw new IllegalArgumentException(
                        "unknown option --" + name + "; known options: " + OPTIONS.keySet());
            }
            given.put(name, value.strip());
        }
        double rate = number(given, "sample-rate");
        if (!(rate > 0 && rate <= 1)) {
            throw new IllegalArgumentException("--sample-rate must be in (0, 1]");
        }
        int concurrency = integer(given, "concurrency");
        if (concurrency < 1) {
            throw new IllegalArgumentException("--concurrency must be at least 1");
        }
        double perSecond = number(given, "rate");
        if (!(perSecond > 0)) {
            throw new IllegalArgumentException("--rate must be positive");
        }
        int attempts = integer(given, "max-attempts");
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
                LakeLayout.at(value(given, "lake")),
                opt(given, "tenant"),
                instant(opt(given, "from"), "from"),
                instant(opt(given, "to"), "to"),
                opt(given, "model-version"),
                integer(given, "sample-size"),
                rate,
                Long.parseLong(value(given, "seed")),
                value(given, "base-url"),
                opt(given, "model"),
                value(given, "api-key-env"),
                opt(given, "api-key-file"),
                concurrency,
                perSecond,
                Duration.parse(value(given, "request-timeout")),
                attempts,
                Duration.parse(value(given, "initial-backoff")),
                Duration.parse(value(given, "max-backoff")),
                number(given, "confidence-tolerance"),
                runId,
                integer(given, "worst"),
                integer(given, "parallelism"));
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
        StringBuilder out = new StringBuilder();
        out.append(
                "ReplayJob: re-send stored decisions to an OpenAI-compatible endpoint and compare.\n\n");
        out.append("Usage: Main replay [options]\n\n");
        for (Map.Entry<String, String[]> o : OPTIONS.entrySet()) {
            out.append(String.format("  --%-22s %s%n", o.getKey(), o.getValue()[1]));
            out.append(String.format("  %-24s default: %s%n", "", o.getValue()[0]));
        }
        return out.toString();
    }

    private static String value(Map<String, String> given, String name) {
        String v = given.getOrDefault(name, OPTIONS.get(name)[0]);
        if (v.isBlank()) {
            throw new IllegalArgumentException("--" + name + " must not be empty");
        }
        return v;
    }

    private static String opt(Map<String, String> given, String name) {
        String v = given.getOrDefault(name, OPTIONS.get(name)[0]);
        return v.isBlank() ? null : v;
    }

    private static int integer(Map<String, String> given, String name) {
        try {
            return Integer.parseInt(value(given, name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be an integer");
        }
    }

    private static double number(Map<String, String> given, String name) {
        try {
            return Double.parseDouble(value(given, name));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " must be a number");
        }
    }

    private static Instant instant(String v, String name) {
        if (v == null) {
            return null;
        }
        try {
            return Instant.parse(v);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("--" + name + " must be an ISO-8601 instant");
        }
    }
}
