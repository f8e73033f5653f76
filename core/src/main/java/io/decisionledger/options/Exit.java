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
        with(code, "exit code " + code);
    }

    /**
     * Ends the process with {@code code}; {@code why} is what it says when it may not: inside a
     * Flink JobManager or TaskManager, which runs a job's main itself on a REST {@code
     * /jars/<id>/run} or in application mode, ending the process would end the JobManager, so the
     * main fails with {@code why} instead (the REST call answers with it). The Flink CLI ({@code
     * flink run}) does end with the code.
     */
    public static void with(int code, String why) {
        if (CAPTURED.get() != null) {
            throw new Unwind(code);
        }
        if (insideFlinkCluster(System.getProperty("sun.java.command", ""))) {
            throw new IllegalStateException(why);
        }
        System.exit(code);
    }

    /** Whether {@code command} (the JVM's main class and arguments) is a Flink cluster process. */
    static boolean insideFlinkCluster(String command) {
        return command.startsWith("org.apache.flink.")
                && !command.startsWith("org.apache.flink.client.cli.");
    }

    /**
     * Ends the process with {@code code} unless it is 0, then it returns: for a job's main, which a
     * Flink JobManager may run itself (a REST {@code /jars/<id>/run}).
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
