package io.decisionledger.privacy;

import io.decisionledger.schema.OpsDecisionRecord;
import java.io.Serializable;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.functions.async.AsyncRetryStrategy;
import org.apache.flink.streaming.api.functions.async.ResultFuture;
import org.apache.flink.streaming.api.functions.async.RichAsyncFunction;
import org.apache.flink.streaming.util.retryable.AsyncRetryStrategies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The external recogniser's step of the ops copy (Flink async I/O, after {@link PiiMasker}): sends
 * the free text of a masked record (prompt, system prompt, user history, response, reasoning) in
 * one request to a Presidio analyzer ({@link PresidioRecognizer}) and replaces the names and places
 * it finds. Fails closed: when the service cannot be reached, answers with an error or nonsense, or
 * is too slow, every free-text field of the record becomes {@link #REDACTED} and the record is
 * flagged (the Boolean, true); the retry strategy tries again while a result is flagged, and the
 * last flagged result is what is kept, so nothing unrecognised ever passes. {@link
 * RecognizerOutcome} counts the flagged records and unwraps them. The input is never changed (a
 * retry sends it again).
 */
public final class RecognizerMasking
        extends RichAsyncFunction<OpsDecisionRecord, Tuple2<OpsDecisionRecord, Boolean>> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(RecognizerMasking.class);

    /** What a free-text field reads when the recogniser could not look at it. */
    public static final String REDACTED = "[REDACTED]";

    /** Between two fields in the one request: no name runs across it. */
    private static final String SEPARATOR = "\n\n";

    private final RecognizerSettings settings;
    private transient HttpClient http;

    public RecognizerMasking(RecognizerSettings settings) {
        this.settings = settings;
    }

    /** The operator's output type: the record, and whether it was redacted (fail closed). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static TypeInformation<Tuple2<OpsDecisionRecord, Boolean>> outputType() {
        return (TypeInformation)
                Types.TUPLE(new AvroTypeInfo<>(OpsDecisionRecord.class), Types.BOOLEAN);
    }

    /**
     * Retry while the result is redacted (the request failed), {@code settings.retries()} times,
     * {@code settings.retryDelay()} apart; after the last retry the redacted result is kept.
     */
    @SuppressWarnings("unchecked")
    public static AsyncRetryStrategy<Tuple2<OpsDecisionRecord, Boolean>> retryStrategy(
            RecognizerSettings settings) {
        if (settings.retries() == 0) {
            return AsyncRetryStrategies.NO_RETRY_STRATEGY;
        }
        return new AsyncRetryStrategies.FixedDelayRetryStrategyBuilder<
                        Tuple2<OpsDecisionRecord, Boolean>>(
                        settings.retries(), settings.retryDelay().toMillis())
                .ifResult(new WhileRedacted())
                .build();
    }

    /** The retry predicate: serialisable, as it travels with the job graph. */
    private static final class WhileRedacted
            implements Predicate<Collection<Tuple2<OpsDecisionRecord, Boolean>>>, Serializable {
        private static final long serialVersionUID = 1L;

        @Override
        public boolean test(Collection<Tuple2<OpsDecisionRecord, Boolean>> results) {
            for (Tuple2<OpsDecisionRecord, Boolean> r : results) {
                if (r.f1) {
                    return true;
                }
            }
            return false;
        }
    }

    @Override
    public void open(OpenContext openContext) {
        http =
                HttpClient.newBuilder()
                        .version(HttpClient.Version.HTTP_1_1)
                        .connectTimeout(settings.requestTimeout())
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build();
    }

    @Override
    public void asyncInvoke(
            OpsDecisionRecord in, ResultFuture<Tuple2<OpsDecisionRecord, Boolean>> result) {
        List<String> texts = texts(in);
        StringBuilder joined = new StringBuilder();
        int[] starts = new int[texts.size()];
        for (int i = 0; i < texts.size(); i++) {
            if (i > 0) {
                joined.append(SEPARATOR);
            }
            starts[i] = joined.length();
            joined.append(texts.get(i));
        }
        if (joined.isEmpty()) {
            result.complete(List.of(Tuple2.of(in, false)));
            return;
        }
        String text = joined.toString();
        HttpRequest request =
                HttpRequest.newBuilder(settings.analyzeEndpoint())
                        .timeout(settings.requestTimeout())
                        .header("Content-Type", "application/json")
                        .POST(
                                HttpRequest.BodyPublishers.ofByteArray(
                                        PresidioRecognizer.request(text)))
                        .build();
        http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .whenComplete(
                        (response, error) -> {
                            String failure;
                            if (error != null) {
                                Throwable cause =
                                        error instanceof java.util.concurrent.CompletionException
                                                        && error.getCause() != null
                                                ? error.getCause()
                                                : error;
                                failure = cause.getClass().getSimpleName();
                            } else if (response.statusCode() != 200) {
                                failure = "HTTP " + response.statusCode();
                            } else {
                                try {
                                    List<PresidioRecognizer.Finding> findings =
                                            PresidioRecognizer.findings(response.body(), text);
                                    result.complete(
                                            List.of(
                                                    Tuple2.of(
                                                            masked(in, texts, starts, findings),
                                                            false)));
                                    return;
                                } catch (IllegalArgumentException | ClassCastException e) {
                                    failure = e.getMessage();
                                }
                            }
                            // event ids and the service's address only: the text is personal
                            LOG.warn(
                                    "recogniser {} failed for event {} ({}); its free text is"
                                            + " redacted unless a retry succeeds",
                                    settings.analyzeEndpoint(),
                                    in.getEventId(),
                                    failure);
                            result.complete(List.of(Tuple2.of(redacted(in), true)));
                        });
    }

    @Override
    public void timeout(
            OpsDecisionRecord in, ResultFuture<Tuple2<OpsDecisionRecord, Boolean>> result) {
        LOG.warn(
                "recogniser {} gave no answer for event {} within {} (retries included); its free"
                        + " text is redacted",
                settings.analyzeEndpoint(),
                in.getEventId(),
                settings.timeout());
        result.complete(List.of(Tuple2.of(redacted(in), true)));
    }

    /** The free text of a record, in a fixed order: what is sent, and what is redacted. */
    static List<String> texts(OpsDecisionRecord r) {
        List<String> texts = new ArrayList<>();
        forEachText(
                r,
                t -> {
                    texts.add(t);
                    return t;
                });
        return texts;
    }

    /** A copy with every free-text field (non-null) replaced by {@link #REDACTED}. */
    public static OpsDecisionRecord redacted(OpsDecisionRecord in) {
        OpsDecisionRecord out = OpsDecisionRecord.newBuilder(in).build();
        int[] fields = {0};
        forEachText(
                out,
                t -> {
                    fields[0]++;
                    return REDACTED;
                });
        out.setMaskedValues(in.getMaskedValues() + fields[0]);
        return out;
    }

    private static OpsDecisionRecord masked(
            OpsDecisionRecord in,
            List<String> texts,
            int[] starts,
            List<PresidioRecognizer.Finding> findings) {
        OpsDecisionRecord out = OpsDecisionRecord.newBuilder(in).build();
        if (findings.isEmpty()) {
            return out;
        }
        int[] next = {0};
        int[] applied = {0};
        forEachText(
                out,
                t -> {
                    int i = next[0]++;
                    int from = starts[i];
                    int to = from + texts.get(i).length();
                    List<PresidioRecognizer.Finding> own = new ArrayList<>();
                    for (PresidioRecognizer.Finding f : findings) {
                        int s = Math.max(f.start(), from);
                        int e = Math.min(f.end(), to);
                        if (s < e) {
                            own.add(
                                    new PresidioRecognizer.Finding(
                                            s - from, e - from, f.placeholder()));
                        }
                    }
                    applied[0] += own.size();
                    return PresidioRecognizer.mask(t, own);
                });
        out.setMaskedValues(in.getMaskedValues() + applied[0]);
        return out;
    }

    /** Calls {@code f} on each non-null free-text field of {@code r} and stores what it returns. */
    private static void forEachText(OpsDecisionRecord r, UnaryOperator<String> f) {
        if (r.getPrompt() != null) {
            r.setPrompt(f.apply(r.getPrompt()));
        }
        if (r.getSystemPrompt() != null) {
            r.setSystemPrompt(f.apply(r.getSystemPrompt()));
        }
        if (r.getContextUserHistory() != null) {
            List<String> history = new ArrayList<>(r.getContextUserHistory().size());
            for (String entry : r.getContextUserHistory()) {
                history.add(entry == null ? null : f.apply(entry));
            }
            r.setContextUserHistory(history);
        }
        if (r.getResponseContent() != null) {
            r.setResponseContent(f.apply(r.getResponseContent()));
        }
        if (r.getDecisionReasoning() != null) {
            r.setDecisionReasoning(f.apply(r.getDecisionReasoning()));
        }
    }
}
