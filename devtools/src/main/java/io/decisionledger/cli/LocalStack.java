package io.decisionledger.cli;

import io.decisionledger.compaction.CompactionJob;
import io.decisionledger.compaction.CompactionOptions;
import io.decisionledger.ingest.IngestJob;
import io.decisionledger.ingest.IngestOptions;
import io.decisionledger.metrics.MetricsJob;
import io.decisionledger.metrics.MetricsOptions;
import io.decisionledger.options.Command;
import io.decisionledger.options.Commands;
import io.decisionledger.options.Exit;
import io.decisionledger.options.OptionTable;
import io.decisionledger.privacy.PseudonymKey;
import io.decisionledger.replay.ReplayJob;
import io.decisionledger.replay.ReplayOptions;
import io.decisionledger.testkit.FlinkRestClient;
import io.decisionledger.testkit.LocalFlinkCluster;
import io.decisionledger.testkit.LocalKafkaBroker;
import io.decisionledger.testkit.LocalProcess;
import io.decisionledger.testkit.LocalS3Store;
import io.decisionledger.testkit.SampleDecisions;
import io.decisionledger.verify.VerifyJob;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.flink.configuration.CoreOptions;

/**
 * The local stack behind {@code deploy/local/stack.sh}: a Kafka broker, an S3-compatible store and
 * a Flink standalone session cluster (JobManager and TaskManager JVMs) on 127.0.0.1, started and
 * stopped one by one or together, and jobs submitted to the cluster as to a production one.
 *
 * <p>Services outlive the command that started them: each one's pid goes to a pid file in the
 * stack's work folder (default {@code .stack/}), where {@code stop} and {@code status} find it
 * again, and its endpoints to {@code <work>/stack.properties}. {@code start} is idempotent: what
 * runs already is checked and left alone, what is missing is started. {@code stop} only ends
 * processes whose pid file it wrote and whose command line still points into the work folder. Data
 * (Kafka log, S3 buckets) stays until {@code clean}.
 */
public final class LocalStack {

    /** The topic {@code start kafka} creates and {@code submit} and {@code produce} default to. */
    public static final String TOPIC = "ai-decisions";

    /** The bucket {@code start s3} creates: lake, checkpoints and savepoints all go there. */
    public static final String BUCKET = "ledger";

    public static final String LAKE = "s3://" + BUCKET + "/lake";
    public static final String CHECKPOINTS = "s3://" + BUCKET + "/checkpoints";
    public static final String SAVEPOINTS = "s3://" + BUCKET + "/savepoints";

    /** Keys of {@code stack.properties}, the stack's endpoints for scripts and tests. */
    public static final String KAFKA_BOOTSTRAP = "kafka.bootstrap-servers";

    public static final String S3_ENDPOINT = "s3.endpoint";
    public static final String S3_DATA_DIR = "s3.data-dir";
    public static final String FLINK_REST = "flink.rest";

    private static final String KAFKA_PORT = "kafka.port";
    private static final String KAFKA_CONTROLLER_PORT = "kafka.controller-port";
    private static final String S3_PORT = "s3.port";
    private static final String S3_ACCESS_KEY = "s3.access-key";
    private static final String S3_SECRET_KEY = "s3.secret-key";
    private static final String FLINK_REST_PORT = "flink.rest-port";
    private static final String FLINK_RPC_PORT = "flink.rpc-port";

    private static final Map<String, Integer> DEFAULT_PORTS =
            Map.of(
                    KAFKA_PORT, 9092,
                    KAFKA_CONTROLLER_PORT, 9093,
                    S3_PORT, 9000,
                    FLINK_REST_PORT, 8081,
                    FLINK_RPC_PORT, 6123);

    private static final Duration JOB_START_TIMEOUT = Duration.ofMinutes(3);

    /** The job jar's jobs, whose options {@code submit} checks before submitting. */
    private static final Map<String, Function<String[], ?>> JOB_OPTIONS =
            Map.of(
                    IngestJob.class.getName(), IngestOptions::parse,
                    MetricsJob.class.getName(), MetricsOptions::parse,
                    CompactionJob.class.getName(), CompactionOptions::parse,
                    VerifyJob.class.getName(), VerifyJob.Options::parse,
                    ReplayJob.class.getName(), ReplayOptions::parse);

    /** The services, in start order (Flink needs S3 for its checkpoints). */
    enum Component {
        S3,
        KAFKA,
        FLINK;

        String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Path stackDir;
    private final Path workDir;
    private final boolean freePorts;
    private final PrintStream out;
    private final Properties state = new Properties();

    LocalStack(Path stackDir, Path workDir, boolean freePorts, PrintStream out) {
        this.stackDir = stackDir.toAbsolutePath().normalize();
        this.workDir = workDir.toAbsolutePath().normalize();
        this.freePorts = freePorts;
        this.out = out;
        loadState();
    }

    public static void main(String[] args) throws Exception {
        Exit.with(run(args, Exit.out(), Exit.err()));
    }

    /**
     * Runs one {@code stack} command.
     *
     * @return the exit code: 0 done, 1 failed, 2 bad usage, 3 ({@code status}) something is not
     *     running
     */
    static int run(String[] args, PrintStream out, PrintStream err) throws Exception {
        return new Commands(
                        "Usage: deploy/local/stack.sh <command> [options]\n\n",
                        common().help("\nOptions for every command:\n")
                                + "\n'<command> --help' lists a command's options.\n",
                        Command.OK)
                .add(
                        "start",
                        "[all|s3|kafka|flink]...  start what is not running yet, wait until it is"
                                + " ready",
                        a -> runStep(START, a, out, err, (stack, o) -> stack.start(components(o))))
                .add(
                        "stop",
                        "[all|s3|kafka|flink]...  stop what this stack started (data is kept)",
                        a -> runStep(STOP, a, out, err, (stack, o) -> stack.stop(components(o))))
                .add(
                        "status",
                        "[all|s3|kafka|flink]...  what runs where; exit code 3 if something is"
                                + " down",
                        a ->
                                run(
                                        STATUS,
                                        a,
                                        out,
                                        err,
                                        (stack, o) -> stack.status(components(o)) ? 0 : 3))
                .add(
                        "submit",
                        ("[--class C] [--jar J] [--parallelism N] [--from-savepoint PATH]"
                                        + " [--no-wait] [job options]\nupload the job jar to the"
                                        + " Flink cluster and run a job (default: IngestJob\nreading"
                                        + " topic %s into %s; job options are added and win)")
                                .formatted(TOPIC, LAKE),
                        a -> runStep(SUBMIT, a, out, err, LocalStack::submit))
                .add(
                        "produce",
                        "[--events N] [--malformed N] [--duplicates N] [--seed N] [--topic T]\n"
                                + "send a sample of loan decisions (with malformed records and"
                                + " re-sends) to Kafka",
                        a -> runStep(PRODUCE, a, out, err, LocalStack::produce))
                .add(
                        "flink",
                        ("<flink CLI arguments>  Flink's own CLI against this cluster, e.g."
                                        + " 'flink list',\n'flink stop --savepointPath %s <job"
                                        + " id>'")
                                .formatted(SAVEPOINTS),
                        a ->
                                run(
                                        FLINK,
                                        a,
                                        out,
                                        err,
                                        (stack, o) -> stack.flinkCli(o.passedThrough())))
                .add(
                        "clean",
                        "delete the stack's data (only when nothing runs)",
                        a -> runStep(CLEAN, a, out, err, (stack, o) -> stack.clean()))
                .run(args, out, err);
    }

    /** What a stack command does with the stack and its options; returns the exit code. */
    @FunctionalInterface
    private interface Action {
        int run(LocalStack stack, OptionTable.Parsed options);
    }

    /** An action that ends with exit code 0 unless it throws. */
    @FunctionalInterface
    private interface Step {
        void run(LocalStack stack, OptionTable.Parsed options);
    }

    private static int runStep(
            Command<OptionTable.Parsed> command,
            String[] args,
            PrintStream out,
            PrintStream err,
            Step step)
            throws Exception {
        return run(
                command,
                args,
                out,
                err,
                (stack, o) -> {
                    step.run(stack, o);
                    return 0;
                });
    }

    /** Runs {@code command}: bad usage exits 2 (with one line), a failure 1. */
    private static int run(
            Command<OptionTable.Parsed> command,
            String[] args,
            PrintStream out,
            PrintStream err,
            Action action)
            throws Exception {
        return command.run(
                args,
                out,
                err,
                o -> {
                    LocalStack stack =
                            new LocalStack(
                                    Path.of(
                                            System.getProperty(
                                                    "decisionledger.stack.dir", "deploy/local")),
                                    Path.of(o.value("work")),
                                    o.bool("free-ports"),
                                    out);
                    try {
                        return action.run(stack, o);
                    } catch (OptionTable.InvalidOptionException e) {
                        throw e; // bad usage: exit 2
                    } catch (RuntimeException e) {
                        err.println("error: " + e.getMessage());
                        return 1;
                    }
                });
    }

    /** The options every stack command takes. */
    private static OptionTable common() {
        return new OptionTable()
                .add(
                        "work",
                        ".stack",
                        "The stack's folder: pid files, logs, data, stack.properties.")
                .flag(
                        "free-ports",
                        "Start services on free ports instead of 9092/9093 (Kafka), 9000 (S3),"
                                + " 8081/6123 (Flink REST/RPC); a restarted service keeps its"
                                + " earlier port.");
    }

    private static OptionTable components() {
        return common().positionals("[all|s3|kafka|flink]...", "The services; default: all.");
    }

    private static final Command<OptionTable.Parsed> START =
            Command.of(
                    "start",
                    "start: starts what is not running yet and waits until it is ready.\n\n"
                            + "Usage: deploy/local/stack.sh start [all|s3|kafka|flink]..."
                            + " [options]\n\n",
                    components());

    private static final Command<OptionTable.Parsed> STOP =
            Command.of(
                    "stop",
                    "stop: stops what this stack started (data is kept).\n\nUsage:"
                            + " deploy/local/stack.sh stop [all|s3|kafka|flink]... [options]\n\n",
                    components());

    private static final Command<OptionTable.Parsed> STATUS =
            Command.of(
                    "status",
                    "status: what runs where; exit code 3 if something is down.\n\nUsage:"
                            + " deploy/local/stack.sh status [all|s3|kafka|flink]..."
                            + " [options]\n\n",
                    components());

    private static final Command<OptionTable.Parsed> SUBMIT =
            Command.of(
                    "submit",
                    "submit: uploads the job jar to the Flink cluster and runs a job.\n\nUsage:"
                            + " deploy/local/stack.sh submit [options] [job options]\n\n",
                    common().add(
                                    "class",
                                    IngestJob.class.getName(),
                                    "The job's entry class; IngestJob gets the stack's topic,"
                                            + " lake and key first.")
                            .add(
                                    "jar",
                                    "",
                                    "The job jar. Default: the system property"
                                            + " decisionledger.jar (stack.sh finds it in"
                                            + " jobs/target).")
                            .add("parallelism", "", "Default: the cluster's parallelism.default.")
                            .add("from-savepoint", "", "Savepoint to restore the job from.")
                            .flag("no-wait", "Return once submitted, not once all tasks run.")
                            .passThrough(
                                    "Job options, added after the stack's defaults (so they"
                                            + " win); checked here for the jobs of the job jar.",
                                    false));

    private static final Command<OptionTable.Parsed> PRODUCE =
            Command.of(
                    "produce",
                    "produce: sends a sample of loan decisions (with malformed records and"
                            + " re-sends) to Kafka.\n\nUsage: deploy/local/stack.sh produce"
                            + " [options]\n\n",
                    common().add("events", "1000", "Valid decisions to send.")
                            .add("malformed", "11", "Malformed records among them.")
                            .add("duplicates", "10", "Re-sent decisions among them.")
                            .add("seed", "", "Seed of the sample. Default: the current time.")
                            .add("topic", TOPIC, "Kafka topic."));

    private static final Command<OptionTable.Parsed> FLINK =
            Command.of(
                    "flink",
                    "flink: Flink's own CLI against this cluster.\n\nUsage:"
                            + " deploy/local/stack.sh flink <Flink CLI arguments>\n\n",
                    common().passThrough(
                                    "Flink CLI arguments, as given (--help too: Flink's own).",
                                    true));

    private static final Command<OptionTable.Parsed> CLEAN =
            Command.of(
                    "clean",
                    "clean: deletes the stack's data (only when nothing runs).\n\nUsage:"
                            + " deploy/local/stack.sh clean [options]\n\n",
                    common());

    /** The components named, or all of them. */
    private static List<Component> components(OptionTable.Parsed o) {
        List<Component> components = new ArrayList<>();
        for (String name : o.positionals()) {
            components.addAll(components(name));
        }
        return components.isEmpty() ? List.of(Component.values()) : components;
    }

    // ---------------------------------------------------------------------------------- start

    void start(List<Component> components) {
        for (Component c : Component.values()) {
            if (components.contains(c)) {
                switch (c) {
                    case S3 -> startS3();
                    case KAFKA -> startKafka();
                    case FLINK -> startFlink();
                }
            }
        }
    }

    private void startS3() {
        Path dataDir = workDir.resolve("s3");
        Optional<ProcessHandle> running = s3Process();
        if (running.isPresent()) {
            String endpoint = state.getProperty(S3_ENDPOINT);
            await("s3", () -> LocalS3Store.answers(endpoint));
            report("s3", "already running at " + endpoint, running.get().pid());
            return;
        }
        long t0 = System.nanoTime();
        LocalS3Store s3 = LocalS3Store.start(stackDir, dataDir, port(S3_PORT));
        s3.createBucket(BUCKET);
        s3.detach(s3PidFile());
        state.setProperty(S3_ENDPOINT, s3.endpoint());
        state.setProperty(S3_PORT, s3.endpoint().substring(s3.endpoint().lastIndexOf(':') + 1));
        state.setProperty(S3_ACCESS_KEY, s3.accessKey());
        state.setProperty(S3_SECRET_KEY, s3.secretKey());
        state.setProperty(S3_DATA_DIR, dataDir.toString());
        saveState();
        report(
                "s3",
                String.format(
                        "ready at %s in %.1f s, bucket '%s' in %s",
                        s3.endpoint(), seconds(t0), BUCKET, dataDir.resolve(BUCKET)),
                s3.processHandle().pid());
    }

    private void startKafka() {
        Optional<ProcessHandle> running = kafkaProcess();
        if (running.isPresent()) {
            int port = Integer.parseInt(state.getProperty(KAFKA_PORT));
            await("kafka", () -> LocalProcess.listening(port));
            report(
                    "kafka",
                    "already running at " + state.getProperty(KAFKA_BOOTSTRAP),
                    running.get().pid());
            return;
        }
        long t0 = System.nanoTime();
        LocalKafkaBroker kafka =
                LocalKafkaBroker.start(
                        stackDir,
                        workDir.resolve("kafka"),
                        port(KAFKA_PORT),
                        port(KAFKA_CONTROLLER_PORT));
        kafka.createTopicIfAbsent(TOPIC, 2);
        long pid = kafka.processHandle().pid();
        kafka.detach(kafkaPidFile());
        state.setProperty(KAFKA_BOOTSTRAP, kafka.bootstrapServers());
        state.setProperty(KAFKA_PORT, String.valueOf(kafka.brokerPort()));
        state.setProperty(KAFKA_CONTROLLER_PORT, String.valueOf(kafka.controllerPort()));
        saveState();
        report(
                "kafka",
                String.format(
                        "ready at %s in %.1f s, topic '%s'",
                        kafka.bootstrapServers(), seconds(t0), TOPIC),
                pid);
    }

    private void startFlink() {
        Optional<ProcessHandle> jm = jobManagerProcess();
        LocalFlinkCluster cluster;
        long t0 = System.nanoTime();
        if (jm.isPresent()) {
            cluster = LocalFlinkCluster.at(stackDir, flinkDir());
            FlinkRestClient rest = cluster.rest();
            await("flink", rest::isUp);
            report(
                    "flink",
                    "jobmanager already running at " + cluster.restEndpoint(),
                    jm.get().pid());
        } else {
            if (s3Process().isEmpty()) {
                throw new IllegalStateException(
                        "flink: its checkpoints go to "
                                + CHECKPOINTS
                                + ", so s3 must run first: stack.sh start s3");
            }
            int restPort = port(FLINK_REST_PORT);
            int rpcPort = port(FLINK_RPC_PORT);
            if (restPort == 0 || rpcPort == 0) {
                int[] free = LocalProcess.freePorts(2);
                restPort = restPort == 0 ? free[0] : restPort;
                rpcPort = rpcPort == 0 ? free[1] : rpcPort;
            }
            cluster =
                    LocalFlinkCluster.configure(
                            stackDir, flinkDir(), restPort, rpcPort, flinkSettings());
            LocalProcess process = cluster.startJobManager();
            process.detach(jobManagerPidFile());
            state.setProperty(FLINK_REST, cluster.restEndpoint());
            state.setProperty(FLINK_REST_PORT, String.valueOf(restPort));
            state.setProperty(FLINK_RPC_PORT, String.valueOf(rpcPort));
            saveState();
            report(
                    "flink",
                    String.format(
                            "jobmanager ready at %s (web UI) in %.1f s",
                            cluster.restEndpoint(), seconds(t0)),
                    process.handle().pid());
        }
        Optional<ProcessHandle> tm = taskManagerProcess();
        if (tm.isPresent()) {
            report("flink", "taskmanager already running", tm.get().pid());
            return;
        }
        long t1 = System.nanoTime();
        LocalProcess process = cluster.startTaskManager();
        process.detach(taskManagerPidFile());
        report(
                "flink",
                String.format(
                        "taskmanager registered in %.1f s (2 slots, logs in %s)",
                        seconds(t1), cluster.logDir()),
                process.handle().pid());
    }

    /**
     * The cluster's job-facing settings, as in production ({@code deploy/flink/config.yaml}):
     * RocksDB with incremental checkpoints on S3, retained on cancellation, exponential-delay
     * restarts; the S3 file system pointed at the local store.
     */
    private Map<String, String> flinkSettings() {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("state.backend.type", "rocksdb");
        c.put("execution.checkpointing.incremental", "true");
        c.put("execution.checkpointing.dir", CHECKPOINTS);
        c.put("execution.checkpointing.savepoint-dir", SAVEPOINTS);
        c.put(
                "execution.checkpointing.externalized-checkpoint-retention",
                "RETAIN_ON_CANCELLATION");
        c.put("execution.checkpointing.num-retained", "2");
        c.put("restart-strategy.type", "exponential-delay");
        c.put("restart-strategy.exponential-delay.initial-backoff", "1 s");
        c.put("restart-strategy.exponential-delay.max-backoff", "30 s");
        c.put("s3.endpoint", state.getProperty(S3_ENDPOINT));
        c.put("s3.endpoint.region", "us-east-1");
        c.put("s3.path.style.access", "true");
        c.put("s3.access-key", state.getProperty(S3_ACCESS_KEY));
        c.put("s3.secret-key", state.getProperty(S3_SECRET_KEY));
        return c;
    }

    // ----------------------------------------------------------------------------------- stop

    void stop(List<Component> components) {
        if (components.contains(Component.FLINK)) {
            stopProcess("flink", "taskmanager", taskManagerProcess(), taskManagerPidFile());
            stopProcess("flink", "jobmanager", jobManagerProcess(), jobManagerPidFile());
        }
        if (components.contains(Component.KAFKA)) {
            stopProcess("kafka", "broker", kafkaProcess(), kafkaPidFile());
        }
        if (components.contains(Component.S3)) {
            stopProcess("s3", "s3proxy", s3Process(), s3PidFile());
        }
    }

    private void stopProcess(
            String component, String what, Optional<ProcessHandle> process, Path pidFile) {
        if (process.isEmpty()) {
            out.printf("%-6s %s not running%n", component, what);
        } else {
            long t0 = System.nanoTime();
            long pid = process.get().pid();
            if (!LocalProcess.stop(process.get())) {
                throw new IllegalStateException(
                        component + ": " + what + " (pid " + pid + ") did not stop");
            }
            out.printf("%-6s %s stopped in %.1f s (pid %d)%n", component, what, seconds(t0), pid);
        }
        deleteIfExists(pidFile);
    }

    // --------------------------------------------------------------------------------- status

    boolean status(List<Component> components) {
        boolean allUp = true;
        for (Component c : components) {
            switch (c) {
                case S3 -> {
                    Optional<ProcessHandle> p = s3Process();
                    allUp &= p.isPresent();
                    line(
                            "s3",
                            p,
                            state.getProperty(S3_ENDPOINT, "")
                                    + "  buckets in "
                                    + workDir.resolve("s3"));
                }
                case KAFKA -> {
                    Optional<ProcessHandle> p = kafkaProcess();
                    allUp &= p.isPresent();
                    line("kafka", p, state.getProperty(KAFKA_BOOTSTRAP, "") + "  topic " + TOPIC);
                }
                case FLINK -> {
                    Optional<ProcessHandle> jm = jobManagerProcess();
                    Optional<ProcessHandle> tm = taskManagerProcess();
                    allUp &= jm.isPresent() && tm.isPresent();
                    String detail = state.getProperty(FLINK_REST, "");
                    if (jm.isPresent()) {
                        try {
                            var o = new FlinkRestClient(detail).get("/overview");
                            detail +=
                                    String.format(
                                            "  %d taskmanager(s), %d/%d slots free, %d job(s) running",
                                            o.path("taskmanagers").asInt(),
                                            o.path("slots-available").asInt(),
                                            o.path("slots-total").asInt(),
                                            o.path("jobs-running").asInt());
                        } catch (RuntimeException e) {
                            detail += "  (REST API not answering: " + e.getMessage() + ")";
                        }
                    }
                    line("flink", jm, "jobmanager  " + detail);
                    line("flink", tm, "taskmanager");
                }
            }
        }
        return allUp;
    }

    private void line(String component, Optional<ProcessHandle> p, String detail) {
        out.printf(
                "%-6s %-8s %-11s %s%n",
                component,
                p.isPresent() ? "running" : "stopped",
                p.map(h -> "pid " + h.pid()).orElse(""),
                detail);
    }

    // --------------------------------------------------------------------------------- submit

    /** The stack's pseudonymisation key, made on first use and kept until {@code clean}. */
    private Path pseudonymKeyFile() {
        try {
            return PseudonymKey.createKeyFileIfAbsent(workDir.resolve("secrets/pseudonym.key"));
        } catch (IOException e) {
            throw new UncheckedIOException("could not create the stack's pseudonymisation key", e);
        }
    }

    void submit(OptionTable.Parsed o) {
        String entryClass = o.value("class");
        List<String> jobArgs = o.passedThrough();
        Function<String[], ?> jobOptions = JOB_OPTIONS.get(entryClass);
        if (jobOptions != null) {
            // a typo in a job option is bad usage here, not a job failing on the cluster
            try {
                jobOptions.apply(jobArgs.toArray(new String[0]));
            } catch (IllegalArgumentException e) {
                throw new OptionTable.InvalidOptionException(
                        "job option of "
                                + entryClass.substring(entryClass.lastIndexOf('.') + 1)
                                + ": "
                                + e.getMessage());
            }
        }
        String jar =
                o.optional("jar") != null
                        ? o.value("jar")
                        : System.getProperty("decisionledger.jar");
        Integer parallelism =
                o.optional("parallelism") == null ? null : o.integer("parallelism", 1);
        String savepoint = o.optional("from-savepoint");
        boolean wait = !o.bool("no-wait");
        if (jar == null) {
            throw new OptionTable.InvalidOptionException(
                    "no job jar: pass --jar (stack.sh finds it in jobs/target)");
        }
        if (jobManagerProcess().isEmpty()) {
            throw new IllegalStateException("flink is not running: stack.sh start");
        }
        List<String> programArgs = new ArrayList<>();
        if (entryClass.equals(IngestJob.class.getName())) {
            // Defaults first: IngestOptions lets a later occurrence of an option win.
            programArgs.addAll(
                    List.of(
                            "--bootstrap-servers",
                            state.getProperty(KAFKA_BOOTSTRAP, "127.0.0.1:9092"),
                            "--topic",
                            TOPIC,
                            "--lake",
                            LAKE,
                            "--checkpoint-interval",
                            "PT10S",
                            // The TaskManagers run on this machine, so they read the stack's key
                            // file; a cluster elsewhere mounts a secret (deploy/kubernetes).
                            "--pseudonym-key-file",
                            pseudonymKeyFile().toString()));
        }
        programArgs.addAll(jobArgs);

        if (parallelism == null) {
            // Web submission does not fall back to the cluster's parallelism.default (its REST
            // handler defaults to 1), so the stack passes the configured default itself.
            parallelism =
                    LocalFlinkCluster.configuration(flinkDir())
                            .get(CoreOptions.DEFAULT_PARALLELISM);
        }
        FlinkRestClient rest = new FlinkRestClient(state.getProperty(FLINK_REST));
        long t0 = System.nanoTime();
        String jarId = rest.uploadJar(Path.of(jar));
        out.printf("flink  uploaded %s in %.1f s%n", Path.of(jar).getFileName(), seconds(t0));
        long t1 = System.nanoTime();
        String jobId = rest.runJar(jarId, entryClass, programArgs, parallelism, savepoint);
        out.printf("flink  submitted %s as job %s%n", entryClass, jobId);
        out.println("job-id=" + jobId);
        if (wait) {
            long deadline = System.nanoTime() + JOB_START_TIMEOUT.toNanos();
            while (!rest.allTasksRunning(jobId)) {
                String jobState = rest.jobState(jobId);
                if (jobState.equals("FAILED") || jobState.equals("CANCELED")) {
                    throw new IllegalStateException(
                            "job "
                                    + jobId
                                    + " is "
                                    + jobState
                                    + "; see "
                                    + flinkDir().resolve("log"));
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "job " + jobId + " not running after " + JOB_START_TIMEOUT);
                }
                sleep(200);
            }
            out.printf(
                    "flink  job %s running (all tasks) %.1f s after submission; web UI %s/#/job/running/%s/overview%n",
                    jobId, seconds(t1), rest.endpoint(), jobId);
        }
    }

    // -------------------------------------------------------------------------------- produce

    void produce(OptionTable.Parsed o) {
        int events = o.integer("events", 0);
        int malformed = o.integer("malformed", 0);
        int duplicates = o.integer("duplicates", 0);
        long seed =
                o.optional("seed") == null
                        ? System.currentTimeMillis()
                        : o.longValue("seed", Long.MIN_VALUE);
        String topic = o.value("topic");
        if (kafkaProcess().isEmpty()) {
            throw new IllegalStateException("kafka is not running: stack.sh start kafka");
        }
        SampleDecisions.Sample sample =
                SampleDecisions.generate(seed, events, malformed, duplicates, Instant.now());
        long t0 = System.nanoTime();
        SampleDecisions.produce(state.getProperty(KAFKA_BOOTSTRAP), topic, sample.events());
        out.printf(
                "kafka  produced %d records to '%s' in %.1f s: %d valid decisions (expect them in"
                        + " audit/), %d malformed and %d re-sends (expect them in quarantine/)%n",
                sample.events().size(),
                topic,
                seconds(t0),
                sample.acceptedTotal(),
                malformed,
                duplicates);
    }

    // ---------------------------------------------------------------------------- flink, clean

    /** Runs Flink's CLI ({@code CliFrontend}) against this cluster, with the terminal's I/O. */
    int flinkCli(List<String> args) {
        if (jobManagerProcess().isEmpty()) {
            throw new IllegalStateException("flink is not running: stack.sh start flink");
        }
        LocalFlinkCluster cluster = LocalFlinkCluster.at(stackDir, flinkDir());
        return cluster.runCli(args);
    }

    void clean() {
        List<String> running = new ArrayList<>();
        s3Process().ifPresent(p -> running.add("s3"));
        kafkaProcess().ifPresent(p -> running.add("kafka"));
        jobManagerProcess().ifPresent(p -> running.add("flink jobmanager"));
        taskManagerProcess().ifPresent(p -> running.add("flink taskmanager"));
        if (!running.isEmpty()) {
            throw new IllegalStateException(
                    "still running: " + String.join(", ", running) + "; stack.sh stop first");
        }
        if (Files.exists(workDir)) {
            try (Stream<Path> paths = Files.walk(workDir)) {
                for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("could not delete " + workDir, e);
            }
        }
        out.println("stack  deleted " + workDir);
    }

    // ------------------------------------------------------------------------------ processes

    private Path s3PidFile() {
        return LocalS3Store.serviceDir(workDir.resolve("s3")).resolve("s3proxy.pid");
    }

    private Path kafkaPidFile() {
        return workDir.resolve("kafka").resolve("broker.pid");
    }

    private Path flinkDir() {
        return workDir.resolve("flink");
    }

    private Path jobManagerPidFile() {
        return flinkDir().resolve("jobmanager.pid");
    }

    private Path taskManagerPidFile() {
        return flinkDir().resolve("taskmanager.pid");
    }

    Optional<ProcessHandle> s3Process() {
        return LocalProcess.findRunning(
                s3PidFile(),
                LocalS3Store.MAIN_CLASS,
                LocalS3Store.serviceDir(workDir.resolve("s3")).toString());
    }

    Optional<ProcessHandle> kafkaProcess() {
        return LocalProcess.findRunning(
                kafkaPidFile(),
                LocalKafkaBroker.MAIN_CLASS,
                workDir.resolve("kafka").resolve("server.properties").toString());
    }

    Optional<ProcessHandle> jobManagerProcess() {
        return LocalProcess.findRunning(
                jobManagerPidFile(),
                LocalFlinkCluster.JOB_MANAGER_CLASS,
                flinkDir().resolve("conf").toString());
    }

    Optional<ProcessHandle> taskManagerProcess() {
        return LocalProcess.findRunning(
                taskManagerPidFile(),
                LocalFlinkCluster.TASK_MANAGER_CLASS,
                flinkDir().resolve("conf").toString());
    }

    // ---------------------------------------------------------------------------------- state

    /** A port for a service: the one it had before, else the default, else 0 (free). */
    private int port(String key) {
        String known = state.getProperty(key);
        if (known != null) {
            return Integer.parseInt(known);
        }
        return freePorts ? 0 : DEFAULT_PORTS.get(key);
    }

    private Path stateFile() {
        return workDir.resolve("stack.properties");
    }

    private void loadState() {
        if (Files.isRegularFile(stateFile())) {
            try (InputStream in = Files.newInputStream(stateFile())) {
                state.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("could not read " + stateFile(), e);
            }
        }
    }

    private void saveState() {
        LocalProcess.createDirectories(workDir);
        try (OutputStream o = Files.newOutputStream(stateFile())) {
            state.store(o, "decision-ledger local stack endpoints (deploy/local/stack.sh)");
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + stateFile(), e);
        }
    }

    private void report(String component, String message, long pid) {
        out.printf("%-6s %s (pid %d)%n", component, message, pid);
    }

    /** For a service found running: waits until it answers, e.g. right after a start by others. */
    private void await(String component, LocalProcess.Probe probe) {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (probe.ready()) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (Exception e) {
                last = e;
            }
            sleep(200);
        }
        throw new IllegalStateException(
                component + " runs but does not answer" + (last == null ? "" : ": " + last));
    }

    private static List<Component> components(String name) {
        if (name.equals("all")) {
            return List.of(Component.values());
        }
        for (Component c : Component.values()) {
            if (c.label().equals(name)) {
                return List.of(c);
            }
        }
        throw new OptionTable.InvalidOptionException(
                "unknown component '" + name + "' (all, s3, kafka, flink)");
    }

    private static void deleteIfExists(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("could not delete " + file, e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
