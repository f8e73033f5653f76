package io.decisionledger.audit;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The audit API's per-caller rate limit: a token bucket per authenticated caller that holds {@code
 * burst} requests and refills at {@code perMinute}. A request that finds the bucket empty is
 * answered 429 with the seconds until the next token (Retry-After), before anything is read, so one
 * caller (or one stolen token) cannot occupy the API's few request threads and the lake.
 */
final class CallerRateLimit {

    /** Buckets kept at most; beyond it, full (idle) buckets are dropped. */
    private static final int MAX_BUCKETS = 10_000;

    private final double perNano;
    private final double burst;
    private final LongSupplier nanoTime;
    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();

    CallerRateLimit(int perMinute, int burst, LongSupplier nanoTime) {
        if (perMinute < 1 || burst < 1) {
            throw new IllegalArgumentException("rate limit and burst must be at least 1");
        }
        this.perNano = perMinute / 60e9;
        this.burst = burst;
        this.nanoTime = nanoTime;
    }

    /**
     * Takes one token of {@code caller}'s bucket.
     *
     * @return 0 when the request may go ahead, else the whole seconds to wait (at least 1)
     */
    long acquire(String caller) {
        if (buckets.size() > MAX_BUCKETS) {
            long now = nanoTime.getAsLong();
            buckets.values().removeIf(b -> b.isFull(now));
        }
        return buckets.computeIfAbsent(caller, k -> new Bucket(nanoTime.getAsLong()))
                .take(nanoTime.getAsLong());
    }

    private final class Bucket {
        private double tokens = burst;
        private long last;

        Bucket(long now) {
            this.last = now;
        }

        synchronized long take(long now) {
            refill(now);
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            double waitNanos = (1 - tokens) / perNano;
            return Math.max(1, (long) Math.ceil(waitNanos / 1e9));
        }

        synchronized boolean isFull(long now) {
            refill(now);
            return tokens >= burst;
        }

        private void refill(long now) {
            tokens = Math.min(burst, tokens + (now - last) * perNano);
            last = now;
        }
    }
}
