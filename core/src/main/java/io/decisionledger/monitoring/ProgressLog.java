package io.decisionledger.monitoring;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.core.execution.JobClient;

/**
 * A batch job's progress in the client's log at a steady interval: every {@code every}, the line
 * {@link Line} makes of the job's accumulators as they stand (reported by the TaskManagers with
 * their heartbeats) and the seconds since the last line. Progress is a courtesy: a failed poll
 * prints that it failed and ends the reporting, never the job. Close it when the job has ended.
 */
public final class ProgressLog implements AutoCloseable {

    /** VerifyJob's and CompactionJob's interval. */
    public static final Duration EVERY = Duration.ofSeconds(5);

    /** One progress line from the accumulators and the seconds since the last line. */
    @FunctionalInterface
    public interface Line {
        String of(Map<String, Object> accumulators, double seconds);
    }

    private final Thread thread;

    private ProgressLog(Thread thread) {
        this.thread = thread;
    }

    /** Starts printing {@code line} to {@code log} every {@code every} (a daemon thread). */
    public static ProgressLog start(
            String name, JobClient job, Duration every, PrintStream log, Line line) {
        Thread t =
                new Thread(
                        () -> {
                            try {
                                long last = System.nanoTime();
                                while (!Thread.currentThread().isInterrupted()) {
                                    Thread.sleep(every.toMillis());
                                    Map<String, Object> acc = job.getAccumulators().get();
                                    long now = System.nanoTime();
                                    log.println(line.of(acc, (now - last) / 1e9));
                                    last = now;
                                }
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            } catch (Exception e) {
                                log.println(
                                        "  (progress unavailable: "
                                                + e.getClass().getSimpleName()
                                                + ")");
                            }
                        },
                        name);
        t.setDaemon(true);
        t.start();
        return new ProgressLog(t);
    }

    /** A count's rate since the last time it was asked for (the first time: since 0). */
    public static final class Rate {
        private long last;

        public double perSecond(long count, double seconds) {
            double rate = (count - last) / seconds;
            last = count;
            return rate;
        }
    }

    /** An accumulator's value as a long (0 until the first report). */
    public static long count(Map<String, Object> accumulators, String name) {
        Object v = accumulators.get(name);
        return v instanceof Number n ? n.longValue() : 0L;
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}
