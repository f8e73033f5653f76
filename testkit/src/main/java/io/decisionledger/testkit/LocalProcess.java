package io.decisionledger.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One service of the local stack running in its own JVM: the plumbing shared by {@link
 * LocalKafkaBroker}, {@link LocalS3Store} and {@link LocalFlinkCluster}. The child JVMs use the
 * classpaths that {@code mvn install} copies under {@code deploy/local/<component>/target/lib}, so
 * the services never share a classpath with Flink or with the tests.
 *
 * <p>A service is tied to the JVM that started it (a shutdown hook stops it) until {@link
 * #detach()} hands it over to a pid file, which is how {@code deploy/local/stack.sh start} leaves
 * services running after it exits and how {@code stop} finds them again.
 */
public final class LocalProcess {
    private static final Duration GRACEFUL_STOP = Duration.ofSeconds(15);
    private static final Duration FORCED_STOP = Duration.ofSeconds(5);
    private static final int LOG_TAIL_LINES = 40;
    // The services bind this address; InetAddress.getLoopbackAddress() may be ::1 instead.
    private static final String LOOPBACK = "127.0.0.1";
    // Children get their own session, so a Ctrl-C or a closed terminal that hits the launcher
    // does not also hit services that `stack.sh start` left running on purpose. Attached services
    // are still stopped by the launcher's shutdown hook.
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    /** A readiness check; an exception means "not ready yet" and is kept for the error message. */
    public interface Probe {
        boolean ready() throws Exception;
    }

    private final String name;
    private final Process process;
    private final List<Path> logs;
    private final Thread shutdownHook;
    private final long launchedAt = System.nanoTime();

    private LocalProcess(String name, Process process, List<Path> logs) {
        this.name = name;
        this.process = process;
        this.logs = logs;
        // Without the hook an aborted test run or a Ctrl-C'd demo would leave brokers holding
        // ports.
        this.shutdownHook = new Thread(this::destroy, "stop-" + name);
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The folder of jars for one component of {@code deploy/local}, or a hint on how to make it.
     */
    public static Path libDir(Path stackDir, String component) {
        Path lib = stackDir.resolve(component).resolve("target").resolve("lib");
        if (!Files.isDirectory(lib)) {
            throw new IllegalStateException(
                    "No "
                            + component
                            + " jars in "
                            + lib.toAbsolutePath().normalize()
                            + ": run `mvn -B -DskipTests install` at the top of the project first");
        }
        return lib;
    }

    /**
     * Distinct loopback ports that were free a moment ago. All sockets are held open together so
     * the same port is not handed out twice; another process may still take one before the service
     * binds it, which shows up as a start-up failure with the service's log.
     */
    public static int[] freePorts(int count) {
        List<ServerSocket> sockets = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                ServerSocket socket = new ServerSocket();
                sockets.add(socket);
                socket.bind(new InetSocketAddress(LOOPBACK, 0));
            }
            return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
        } catch (IOException e) {
            throw new UncheckedIOException("could not find a free loopback port", e);
        } finally {
            for (ServerSocket socket : sockets) {
                try {
                    socket.close();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    /** Whether something accepts TCP connections on the loopback port. */
    public static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(LOOPBACK, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    public static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create " + dir, e);
        }
    }

    /**
     * Writes a Java properties file in the given key order (readable when debugging). Values only
     * need their backslashes escaped: they hold no line breaks or leading blanks.
     */
    public static void writeProperties(Path file, Map<String, String> properties) {
        StringBuilder text = new StringBuilder();
        properties.forEach(
                (key, value) ->
                        text.append(key)
                                .append('=')
                                .append(value.replace("\\", "\\\\"))
                                .append('\n'));
        writeText(file, text.toString());
    }

    public static void writeText(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + file, e);
        }
    }

    /**
     * Starts {@code mainClass} in a new JVM. Its standard output and error are appended to {@code
     * console}; {@code otherLogs} are files the service writes itself, shown with the console in
     * error messages.
     */
    public static LocalProcess start(
            String name,
            Path libDir,
            List<String> jvmOptions,
            String mainClass,
            List<String> args,
            Path workDir,
            Path console,
            Path... otherLogs) {
        return start(
                name, libDir, jvmOptions, mainClass, args, Map.of(), workDir, console, otherLogs);
    }

    /** As above, with extra environment variables for the child (e.g. FLINK_PLUGINS_DIR). */
    public static LocalProcess start(
            String name,
            Path libDir,
            List<String> jvmOptions,
            String mainClass,
            List<String> args,
            Map<String, String> environment,
            Path workDir,
            Path console,
            Path... otherLogs) {
        // The JDK running us, not whatever `java` is on the PATH: same version, no surprises.
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            // A child of a JVM is never a process-group leader, so setsid execs in place: the
            // pid stays the JVM's.
            command.add(SETSID.toString());
        }
        command.add(java.toString());
        command.addAll(jvmOptions);
        command.add("-cp");
        // The java launcher expands `dir/*` itself; no shell is involved.
        command.add(libDir.toAbsolutePath() + "/*");
        command.add(mainClass);
        command.addAll(args);
        List<Path> logs = new ArrayList<>();
        logs.add(console);
        logs.addAll(List.of(otherLogs));
        createDirectories(workDir);
        try {
            ProcessBuilder builder = new ProcessBuilder(command);
            builder.environment().putAll(environment);
            Process process =
                    builder.directory(workDir.toFile())
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(console.toFile()))
                            .start();
            return new LocalProcess(name, process, List.copyOf(logs));
        } catch (IOException e) {
            throw new UncheckedIOException("could not start " + name + ": " + command, e);
        }
    }

    /** For one-shot tools: waits for the JVM to exit and requires exit code 0. */
    public void awaitSuccess(Duration timeout) {
        try {
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                stop();
                throw failure(name + " did not finish within " + timeout.toSeconds() + " s", null);
            }
        } catch (InterruptedException e) {
            throw interrupted(e);
        }
        stop();
        if (process.exitValue() != 0) {
            throw failure(name + " failed with exit code " + process.exitValue(), null);
        }
    }

    /**
     * Polls {@code probe} until it answers true, at most until {@code timeout} after the JVM was
     * launched. If the JVM dies or the time runs out, the JVM is stopped and the exception carries
     * the tail of its logs, which is where the reason is.
     */
    public void awaitReady(Duration timeout, Probe probe) {
        long deadline = launchedAt + timeout.toNanos();
        Exception lastProblem = null;
        while (true) {
            if (!process.isAlive()) {
                stop();
                throw failure(
                        name + " exited with code " + process.exitValue() + " before it was ready",
                        lastProblem);
            }
            try {
                if (probe.ready()) {
                    return;
                }
            } catch (InterruptedException e) {
                throw interrupted(e);
            } catch (Exception e) {
                lastProblem = e;
            }
            if (System.nanoTime() >= deadline) {
                stop();
                throw failure(
                        name + " was not ready within " + timeout.toSeconds() + " s", lastProblem);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                throw interrupted(e);
            }
        }
    }

    public ProcessHandle handle() {
        return process.toHandle();
    }

    /** Whether the JVM is still running. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Lets the JVM outlive this one: no shutdown hook stops it any more, and its pid goes to {@code
     * pidFile} for {@link #findRunning} and {@link #stop(ProcessHandle)}.
     */
    public void detach(Path pidFile) {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // Already shutting down: the hook stops the process, which is what the caller gets.
        }
        writeText(pidFile, process.pid() + "\n");
    }

    /**
     * The process whose pid is in {@code pidFile}, if it is alive and still the one that was
     * started there: its command line must contain every one of {@code markers} (its main class and
     * a path of its own work folder), so a pid reused by an unrelated process is never taken for
     * the service, let alone stopped.
     */
    public static Optional<ProcessHandle> findRunning(Path pidFile, String... markers) {
        if (!Files.isRegularFile(pidFile)) {
            return Optional.empty();
        }
        long pid;
        try {
            pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).strip());
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(
                        p ->
                                p.info()
                                        .commandLine()
                                        .map(
                                                cmd ->
                                                        List.of(markers).stream()
                                                                .allMatch(cmd::contains))
                                        .orElse(false));
    }

    /**
     * Stops a process this JVM did not start (one found by {@link #findRunning}): SIGTERM, then
     * SIGKILL if it is still there after 15 s.
     *
     * @return whether it is gone
     */
    public static boolean stop(ProcessHandle process) {
        process.destroy();
        if (!awaitExit(process, GRACEFUL_STOP)) {
            process.destroyForcibly();
            awaitExit(process, FORCED_STOP);
        }
        return !process.isAlive();
    }

    /** Waits up to {@code timeout} for a process to exit; true when it has. */
    public static boolean awaitExit(ProcessHandle process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (process.isAlive() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return !process.isAlive();
    }

    /** The readiness error with the tail of the service's logs, for callers' own checks. */
    public IllegalStateException failure(String message) {
        return failure(message, null);
    }

    /** Stops the JVM (SIGTERM, then SIGKILL after 15 s); safe to call more than once. */
    public void stop() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // The JVM is already shutting down and runs the hook itself; stopping twice is
            // harmless.
        }
        destroy();
    }

    private void destroy() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(GRACEFUL_STOP.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(FORCED_STOP.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private IllegalStateException interrupted(InterruptedException e) {
        stop();
        Thread.currentThread().interrupt();
        return new IllegalStateException("interrupted while waiting for " + name, e);
    }

    /** As {@link #failure(String)}, keeping the caller's exception as the cause. */
    public IllegalStateException failure(String message, Exception cause) {
        StringBuilder text = new StringBuilder(message);
        for (Path log : logs) {
            text.append("\n---- last lines of ").append(log).append(" ----\n");
            text.append(tail(log));
        }
        return new IllegalStateException(text.toString(), cause);
    }

    private static String tail(Path log) {
        if (!Files.exists(log)) {
            return "(no such file)\n";
        }
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                return "(empty)\n";
            }
            List<String> last =
                    lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
            return String.join("\n", last) + "\n";
        } catch (IOException e) {
            // Reporting the original failure matters more than the log; say why the tail is
            // missing.
            return "(could not read: " + e + ")\n";
        }
    }
}
