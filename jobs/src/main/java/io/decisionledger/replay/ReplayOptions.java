package io.decisionledger.replay;

import io.decisionledger.decision.DecisionParser;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.Command;
import io.decisionledger.options.IdentityOptions;
import io.decisionledger.options.JobOptions;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import io.decisionledger.options.OptionTable.InvalidOptionException;
import io.decisionledger.privacy.PseudonymKey;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The replay job's options, parsed once from {@code --name value} arguments ({@link #COMMAND});
 * {@code --help} prints {@link #help()}. Unknown options are an error. {@link #jobParameters()} is
 * what Flink's web UI shows. The API key itself is never an option (it would end up in process
 * listings and logs): only where to read it from, a file or a variable of the replay's own ({@link
 * #checkApiKeyEnv}). The endpoint must be https unless explicitly allowed ({@link #checkEndpoint}),
 * and response bodies are capped ({@code --max-response-bytes}).
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
        boolean allowInsecureEndpoint,
        long maxResponseBytes,
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
        String tokenFile,
        String authConfig,
        String insecureSelfAssertedIdentity)
        implements Serializable, JobOptions {

    /** The default largest response body: 1 MiB, far above any chat completion's decision. */
    public static final long DEFAULT_MAX_RESPONSE_BYTES = 1024 * 1024;

    /** Every variable the API key may be read from starts with this. */
    public static final String API_KEY_ENV_PREFIX = "DECISION_LEDGER_REPLAY_";

    public static final String DEFAULT_API_KEY_ENV = API_KEY_ENV_PREFIX + "API_KEY";

    /** The command line of {@code ReplayJob}: the options with their defaults, in --help order. */
    public static final Command<ReplayOptions> COMMAND =
            Command.of(
                    "replay",
                    "ReplayJob: re-send stored decisions to an OpenAI-compatible endpoint and"
                            + " compare.\n\nUsage: Main replay [options]\n\n",
                    table(),
                    ReplayOptions::read);

    private static OptionTable table() {
        OptionTable t = new OptionTable();
        LakeOptions.declare(t, "Lake root (any Flink file system URI).");
        t.add(
                "purpose",
                "",
                "Required: why these full records are read (written to the access log with the"
                        + " replayed event ids), e.g. a model-risk review reference.");
        // who replays: a compliance officer proving it with a token file, as on the audit CLI
        IdentityOptions.declare(t);
        t.add(
                "tenant",
                "",
                "Only this tenant's decisions. Default: all tenants (needs a grant of all"
                        + " tenants, *).");
        t.add("from", "", "Only decisions with event_time >= this ISO-8601 instant.");
        t.add("to", "", "Only decisions with event_time < this ISO-8601 instant.");
        t.add("model-version", "", "Only decisions made by this stored model_version.");
        t.add(
                "sample-size",
                "0",
                "Replay at most this many of the selected decisions (a deterministic sample by"
                        + " hash of event id and seed). 0: no limit.");
        t.add(
                "sample-rate",
                "1.0",
                "Replay this fraction of the selected decisions (deterministic by hash), in (0, 1].");
        t.add("seed", "42", "Seed of the sample.");
        t.required(
                "base-url",
                "OpenAI-compatible API base, https://...; requests go to"
                        + " <base-url>/chat/completions. No credentials in the URL.");
        t.flag(
                "allow-insecure-endpoint",
                "Allow a plain http:// --base-url (full prompts and the API key unencrypted): for a"
                        + " model server on the same host or in tests only.");
        t.add(
                "max-response-bytes",
                String.valueOf(DEFAULT_MAX_RESPONSE_BYTES),
                "Largest response body read; a longer one is cut off while it streams and that"
                        + " decision's replay is an ERROR RESPONSE_TOO_LARGE.");
        t.add(
                "model",
                "",
                "What-if: ask this model instead of each decision's recorded model_version.");
        t.add(
                "api-key-env",
                DEFAULT_API_KEY_ENV,
                "Environment variable holding the API key; must be named "
                        + API_KEY_ENV_PREFIX
                        + "<NAME> (never another secret's variable).");
        t.add(
                "api-key-file",
                "",
                "File holding the API key (wins over the variable). Neither set: no Authorization"
                        + " header.");
        t.add("concurrency", "8", "Requests in flight per parallel subtask (async I/O capacity).");
        t.add("rate", "10", "Requests per second, all subtasks and retries together.");
        t.add("request-timeout", "PT30S", "Timeout of one HTTP request (ISO-8601 duration).");
        t.add("max-attempts", "4", "Attempts per decision, the first included.");
        t.add("initial-backoff", "PT0.5S", "Backoff before the first retry; doubles each retry.");
        t.add(
                "max-backoff",
                "PT30S",
                "Longest wait between attempts; a 429 asking for longer (Retry-After) gives up.");
        t.add(
                "confidence-tolerance",
                "0.05",
                "MATCH needs approved equal and |confidence difference| <= this.");
        t.add(
                "run-id",
                "",
                "Output folder <lake>/replays/run_id=<id>/. Default: replay-<UTC time>.");
        t.add("worst", "10", "How many of the worst drifts the summary lists.");
        t.add(
                "parallelism",
                "0",
                "Parallel subtasks calling the endpoint (in flight = concurrency x parallelism)."
                        + " 0: the environment's default parallelism. Set on the operator, because"
                        + " the adaptive batch scheduler would otherwise size it by data volume (1"
                        + " for a sample).");
        return t;
    }

    /** The options {@code args} give; a bad command line is an InvalidOptionException. */
    public static ReplayOptions parse(String[] args) {
        return COMMAND.parse(args);
    }

    private static ReplayOptions read(OptionTable.Parsed given) {
        double rate = given.doubleValue("sample-rate");
        if (!(rate > 0 && rate <= 1)) {
            throw new InvalidOptionException("--sample-rate must be in (0, 1]");
        }
        int concurrency = given.integer("concurrency", 1);
        double perSecond = given.doubleValue("rate");
        if (!(perSecond > 0)) {
            throw new InvalidOptionException("--rate must be positive");
        }
        int attempts = given.integer("max-attempts", 1);
        String runId = given.optional("run-id");
        if (runId == null) {
            runId =
                    "replay-"
                            + DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
                                    .withZone(ZoneOffset.UTC)
                                    .format(Instant.now());
        }
        if (!runId.matches("[A-Za-z0-9][A-Za-z0-9_.-]*")) {
            throw new InvalidOptionException(
                    "--run-id may hold only letters, digits, '_', '-' and '.'");
        }
        String baseUrl = given.value("base-url");
        boolean allowInsecure = given.bool("allow-insecure-endpoint");
        checkEndpoint(baseUrl, allowInsecure);
        long maxResponseBytes = given.longValue("max-response-bytes", 1);
        String apiKeyEnv = given.value("api-key-env");
        checkApiKeyEnv(apiKeyEnv);
        String tenant = given.optional("tenant");
        if (tenant != null && !DecisionParser.isValidTenantId(tenant)) {
            // it names a lake folder: only ids ingest would accept
            throw new OptionTable.InvalidOptionException(
                    "--tenant is not a valid tenant id (letters, digits, '_', '-', single '.')");
        }
        return new ReplayOptions(
                LakeOptions.lake(given),
                tenant,
                given.optional("from") == null ? null : given.instant("from"),
                given.optional("to") == null ? null : given.instant("to"),
                given.optional("model-version"),
                given.integer("sample-size", 0),
                rate,
                given.longValue("seed", Long.MIN_VALUE),
                baseUrl,
                allowInsecure,
                maxResponseBytes,
                given.optional("model"),
                apiKeyEnv,
                given.optional("api-key-file"),
                concurrency,
                perSecond,
                given.duration("request-timeout"),
                attempts,
                given.duration("initial-backoff"),
                given.duration("max-backoff"),
                given.doubleValue("confidence-tolerance"),
                runId,
                given.integer("worst", 0),
                given.integer("parallelism", 0),
                given.optional("purpose"),
                given.optional("token-file"),
                given.optional("auth-config"),
                given.optional("insecure-self-asserted-identity"));
    }

    /**
     * Every option as name → value. The API key is never an option, only the variable or file it is
     * read from, so nothing here is secret.
     */
    @Override
    public Map<String, String> options() {
        Map<String, String> o = new LinkedHashMap<>(LakeOptions.options(lake));
        put(o, "purpose", purpose);
        put(o, "token-file", tokenFile);
        put(o, "auth-config", authConfig);
        put(o, "insecure-self-asserted-identity", insecureSelfAssertedIdentity);
        put(o, "tenant", tenant);
        put(o, "from", from);
        put(o, "to", to);
        put(o, "model-version", modelVersion);
        o.put("sample-size", String.valueOf(sampleSize));
        o.put("sample-rate", String.valueOf(sampleRate));
        o.put("seed", String.valueOf(seed));
        o.put("base-url", baseUrl);
        o.put("allow-insecure-endpoint", String.valueOf(allowInsecureEndpoint));
        o.put("max-response-bytes", String.valueOf(maxResponseBytes));
        put(o, "model", model);
        o.put("api-key-env", apiKeyEnv);
        put(o, "api-key-file", apiKeyFile);
        o.put("concurrency", String.valueOf(concurrency));
        o.put("rate", String.valueOf(ratePerSecond));
        o.put("request-timeout", requestTimeout.toString());
        o.put("max-attempts", String.valueOf(maxAttempts));
        o.put("initial-backoff", initialBackoff.toString());
        o.put("max-backoff", maxBackoff.toString());
        o.put("confidence-tolerance", String.valueOf(confidenceTolerance));
        o.put("run-id", runId);
        o.put("worst", String.valueOf(worst));
        o.put("parallelism", String.valueOf(parallelism));
        return o;
    }

    private static void put(Map<String, String> o, String name, Object value) {
        if (value != null) {
            o.put(name, value.toString());
        }
    }

    public ChatCompletionsClient.Settings clientSettings() {
        return new ChatCompletionsClient.Settings(
                baseUrl,
                requestTimeout,
                maxAttempts,
                initialBackoff,
                maxBackoff,
                ratePerSecond,
                maxResponseBytes,
                allowInsecureEndpoint);
    }

    /**
     * The endpoint rule: {@code https} with a host, or plain {@code http} only when {@code
     * allowInsecure} ({@code --allow-insecure-endpoint}); never credentials in the URL (it is shown
     * in the web UI and written to the access log). The message never repeats the URL, which may
     * hold a secret.
     */
    public static void checkEndpoint(String baseUrl, boolean allowInsecure) {
        URI uri;
        try {
            uri = new URI(baseUrl);
        } catch (URISyntaxException e) {
            throw new InvalidOptionException("--base-url is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new InvalidOptionException(
                    "--base-url must be an https:// URL with a host, e.g."
                            + " https://api.openai.com/v1");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidOptionException(
                    "--base-url must not hold credentials (user:password@): they would be shown"
                            + " in the job parameters and the access log; pass the API key with"
                            + " --api-key-file or "
                            + DEFAULT_API_KEY_ENV);
        }
        if (scheme.equals("http") && !allowInsecure) {
            throw new InvalidOptionException(
                    "--base-url must use https: plain http sends the full prompts and the API key"
                            + " unencrypted. Only for a model server on the same host or in tests,"
                            + " add --allow-insecure-endpoint");
        }
    }

    /**
     * The API key variable rule: only {@code DECISION_LEDGER_REPLAY_<NAME>}, so that no other
     * secret of the environment (the pseudonymisation key, cloud credentials) can be sent to the
     * endpoint as a bearer token by naming its variable.
     */
    public static void checkApiKeyEnv(String name) {
        if (name.equals(PseudonymKey.DEFAULT_ENV)) {
            throw new InvalidOptionException(
                    "--api-key-env "
                            + name
                            + " is the pseudonymisation key, not an API key; the API key is read only from a"
                            + " variable named "
                            + API_KEY_ENV_PREFIX
                            + "<NAME> (default "
                            + DEFAULT_API_KEY_ENV
                            + ") or from --api-key-file");
        }
        if (!name.matches(API_KEY_ENV_PREFIX + "[A-Z0-9_]+")) {
            throw new InvalidOptionException(
                    "--api-key-env must name a variable "
                            + API_KEY_ENV_PREFIX
                            + "<NAME> (letters, digits, '_'; default "
                            + DEFAULT_API_KEY_ENV
                            + "), so that no other secret of the environment can be sent as the"
                            + " API key; or use --api-key-file");
        }
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
        return COMMAND.help();
    }
}
