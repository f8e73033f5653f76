package io.decisionledger.options;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * How a command ends its process: {@link #with} and {@link #onFailure} instead of {@code
 * System.exit}, and {@link #out}/{@link #err} for what the options layer prints. {@link #capture}
 * is the seam tests use: it runs a {@code main} and returns the exit code it ended with instead of
 * ending the JVM, so every entry point (the job jar's, the audit jar's, the dev CLI's) can be
 * tested down to its exit code.
 */
public final class Exit {

    /**
     * What {@link #capture} saw: the exit code and what was printed through {@link #out}/{@link
     * #err}.
     */
    public record Captured(int code, String out, String err) {}

    /** A main, or anything else that may end the process. */
    @FunctionalInterface
    public interface Main {
        void run() throws Exception;
    }

    /**
     * Unwinds a captured main to {@link #capture}; an Error so no catch-all in between keeps it.
     */
    private static final class Unwind extends Error {
        private static final long serialVersionUID = 1L;
        final int code;

        Unwind(int code) {
            super("exit " + code, null, false, false);
            this.code = code;
        }
    }

    private record Streams(PrintStream out, PrintStream err) {}

    private static final ThreadLocal<Streams> CAPTURED = new ThreadLocal<>();

    private Exit() {}

    /** Ends the process with {@code code}. */
    public static void with(int code) {
        if (CAPTURED.get() != null) {
            throw new Unwind(code);
        }
        System.exit(code);
    }

    /**
     * Ends the process with {@code code} unless it is 0, then it returns: for a job's main, which a
     * Flink JobManager may run itself (a REST {@code /jars/<id>/run}), where ending the process
     * would end the JobManager.
     */
    public static void onFailure(int code) {
        if (code != 0) {
            with(code);
        }
    }

    /** Where help and usage go: stdout, or the captured stream under {@link #capture}. */
    public static PrintStream out() {
        Streams s = CAPTURED.get();
        return s == null ? System.out : s.out();
    }

    /** Where errors go: stderr, or the captured stream under {@link #capture}. */
    public static PrintStream err() {
        Streams s = CAPTURED.get();
        return s == null ? System.err : s.err();
    }

    /**
     * Runs {@code main} on this thread and returns the code it exited with (0 when it returned),
     * with what the options layer printed; the process is never ended.
     */
    public static Captured capture(Main main) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Streams outer = CAPTURED.get();
        CAPTURED.set(
                new Streams(
                        new PrintStream(out, true, StandardCharsets.UTF_8),
                        new PrintStream(err, true, StandardCharsets.UTF_8)));
        int code = 0;
        try {
            main.run();
        } catch (Unwind u) {
            code = u.code;
        } finally {
            if (outer == null) {
                CAPTURED.remove();
            } else {
                CAPTURED.set(outer);
            }
        }
        return new Captured(
                code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
