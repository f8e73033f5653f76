package io.decisionledger.replay;

/**
 * A smooth rate limit without bursts: requests get evenly spaced time slots, {@code 1/rate} apart.
 * {@link #reserve()} never blocks; it returns how long the caller must wait before its slot, so
 * async callers schedule instead of holding a thread. Thread-safe.
 */
public final class RateLimiter {
    private final long intervalNanos;
    private final java.util.function.LongSupplier clock;
    private long nextSlot;

    public RateLimiter(double permitsPerSecond) {
        this(permitsPerSecond, System::nanoTime);
    }

    RateLimiter(double permitsPerSecond, java.util.function.LongSupplier nanoClock) {
        if (!(permitsPerSecond > 0)) {
            throw new IllegalArgumentException("rate must be positive");
        }
        this.intervalNanos = (long) (1_000_000_000L / permitsPerSecond);
        this.clock = nanoClock;
        this.nextSlot = nanoClock.getAsLong();
    }

    /** Reserves the next slot; returns the nanoseconds to wait for it (0: go now). */
    public synchronized long reserve() {
        long now = clock.getAsLong();
        long slot = Math.max(now, nextSlot);
        nextSlot = slot + intervalNanos;
        return slot - now;
    }
}
