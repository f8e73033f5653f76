package io.decisionledger.testing;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;

/**
 * Test-only pass-through that throws once, after a checkpoint has completed and then {@code
 * afterRecords} more records have passed, so the job must restore from that checkpoint and replay
 * the rest. The "once" flag is static: the MiniCluster runs in the test's JVM, and a restored
 * instance must not fail again.
 */
public final class FailOnceAfterCheckpoint<T> implements MapFunction<T, T>, CheckpointListener {
    private static final long serialVersionUID = 1L;

    private static final AtomicBoolean FAILED = new AtomicBoolean();
    private static final AtomicBoolean CHECKPOINT_DONE = new AtomicBoolean();
    private static final AtomicLong SEEN_AFTER_CHECKPOINT = new AtomicLong();

    private final long afterRecords;

    public FailOnceAfterCheckpoint(long afterRecords) {
        this.afterRecords = afterRecords;
    }

    public static void reset() {
        FAILED.set(false);
        CHECKPOINT_DONE.set(false);
        SEEN_AFTER_CHECKPOINT.set(0);
    }

    public static boolean hasFailed() {
        return FAILED.get();
    }

    @Override
    public T map(T value) throws InterruptedException {
        if (!FAILED.get()) {
            // Slow the stream until the failure, so a bounded input cannot finish before the
            // first checkpoint completes.
            Thread.sleep(1);
        }
        if (CHECKPOINT_DONE.get()
                && SEEN_AFTER_CHECKPOINT.incrementAndGet() > afterRecords
                && FAILED.compareAndSet(false, true)) {
            throw new IllegalStateException("injected failure (test)");
        }
        return value;
    }

    @Override
    public void notifyCheckpointComplete(long checkpointId) {
        CHECKPOINT_DONE.set(true);
    }
}
