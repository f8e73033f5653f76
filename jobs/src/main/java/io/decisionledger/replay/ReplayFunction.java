package io.decisionledger.replay;

import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.ReplayResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;

/**
 * The async I/O step of the replay: sends one stored decision to the model and completes with its
 * {@link ReplayResult}. Never fails the job for a bad reply: errors become ERROR results. Each
 * subtask gets {@code 1/parallelism} of the rate limit; the in-flight limit is the async operator's
 * capacity. The API key is read here, on the TaskManager, from the file or environment variable
 * named in the options; it is never logged or put in a result.
 */
public final class ReplayFunction extends RichAsyncFunction<DecisionRecord, ReplayResult> {
    private static final long serialVersionUID = 1L;

    private final ReplayOptions options;
    private transient ScheduledExecutorService scheduler;
    private transient ChatCompletionsClient client;

    public ReplayFunction(ReplayOptions options) {
        this.options = options;
    }

    @Override
    public void open(OpenContext openContext) throws IOException {
        int parallelism = getRuntimeContext().getTaskInfo().getNumberOfParallelSubtasks();
        scheduler =
                Executors.newSingleThreadScheduledExecutor(
                        r -> {
                            Thread t = new Thread(r, "replay-retries");
                            t.setDaemon(true);
                            return t;
                        });
        client =
                new ChatCompletionsClient(
                        options.clientSettings(),
                        apiKey(options),
                        scheduler,
                        options.ratePerSecond() / parallelism);
    }

    /**
     * The API key from --api-key-file, else from the --api-key-env variable; null if neither. The
     * variable's name is checked again here, where it is read: only the replay's own variables
     * ({@link ReplayOptions#checkApiKeyEnv}), whatever built the options.
     */
    static String apiKey(ReplayOptions options) throws IOException {
        if (options.apiKeyFile() != null) {
            String key =
                    Files.readString(Path.of(options.apiKeyFile()), StandardCharsets.UTF_8).strip();
            if (key.isEmpty()) {
                throw new IOException("the API key file is empty");
            }
            return key;
        }
        ReplayOptions.checkApiKeyEnv(options.apiKeyEnv());
        String key = System.getenv(options.apiKeyEnv());
        return key == null || key.isBlank() ? null : key.strip();
    }

    @Override
    public void asyncInvoke(DecisionRecord decision, ResultFuture<ReplayResult> result) {
        String model = replayModel(options, decision);
        client.complete(ReplayRequests.body(decision, model))
                .thenAccept(
                        reply ->
                                result.complete(
                                        List.of(
                                                ReplayComparison.compare(
                                                        options.runId(),
                                                        decision,
                                                        model,
                                                        reply,
                                                        options.confidenceTolerance()))));
    }

    @Override
    public void timeout(DecisionRecord decision, ResultFuture<ReplayResult> result) {
        result.complete(
                List.of(
                        ReplayComparison.timedOut(
                                options.runId(), decision, replayModel(options, decision))));
    }

    static String replayModel(ReplayOptions options, DecisionRecord d) {
        return options.model() != null ? options.model() : d.getModelVersion();
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
