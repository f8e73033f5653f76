package io.decisionledger.privacy;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;

/**
 * How ingest calls the optional external recogniser of personal data that no pattern finds (names,
 * places: a Presidio analyzer service, {@code POST <url>/analyze}): the service's base URL, the
 * time one request may take, how often a failed request is retried and after what delay, the time a
 * record may wait for its answer in all (retries included), and how many records may wait at once.
 * Off when no URL is given: the ingest graph is then the one without the recogniser.
 */
public record RecognizerSettings(
        URI url,
        Duration requestTimeout,
        int retries,
        Duration retryDelay,
        Duration timeout,
        int capacity)
        implements Serializable {

    public RecognizerSettings {
        if (url != null) {
            String scheme = url.getScheme();
            if (scheme == null
                    || !(scheme.equals("http") || scheme.equals("https"))
                    || url.getHost() == null) {
                throw new IllegalArgumentException(
                        "--recognizer-url must be an http:// or https:// URL with a host, e.g."
                                + " http://presidio-analyzer:3000, not '"
                                + url
                                + "'");
            }
            if (url.getUserInfo() != null || url.getQuery() != null) {
                throw new IllegalArgumentException(
                        "--recognizer-url must not carry credentials or a query");
            }
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("--recognizer-request-timeout must be positive");
        }
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("--recognizer-timeout must be positive");
        }
        if (retries < 0) {
            throw new IllegalArgumentException("--recognizer-retries must be 0 or more");
        }
        if (retryDelay.toMillis() < 1) {
            // Flink's fixed-delay retry strategy needs a delay of at least a millisecond
            throw new IllegalArgumentException(
                    "--recognizer-retry-delay must be at least 1 ms, e.g. PT0.2S");
        }
        if (capacity < 1) {
            throw new IllegalArgumentException("--recognizer-capacity must be 1 or more");
        }
    }

    public boolean enabled() {
        return url != null;
    }

    /** The analyzer's endpoint: {@code <url>/analyze}. */
    public URI analyzeEndpoint() {
        String base = url.toString();
        return URI.create((base.endsWith("/") ? base : base + "/") + "analyze");
    }
}
