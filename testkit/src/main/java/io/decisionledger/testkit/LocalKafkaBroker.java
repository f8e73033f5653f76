package io.decisionledger.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * A real single-node Kafka broker (KRaft, broker and controller in one) in its own JVM, listening
 * on 127.0.0.1 only. The demo command and the integration tests use it as the decision topic's
 * home, so ingestion is exercised against the same broker code as production rather than a mock. It
 * runs from the jars under {@code deploy/local/kafka/target/lib}, keeps its data and logs under the
 * given work folder and is stopped by {@link #close()} or, failing that, when this JVM exits.
 */
public final class LocalKafkaBroker implements AutoCloseable {
    /**
     * Generous on purpose: a broker restarted after SIGKILL recovers its logs first, and on a
     * two-core CI machine busy with other jobs its JVM alone took 40 s to reach the controller (a
     * clean-clone run failed at 60 s). A broker that cannot start still fails, only later.
     */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    private static final Duration FORMAT_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);

    /** The broker's main class; also how {@code stack.sh} recognises its JVM. */
    public static final String MAIN_CLASS = "kafka.Kafka";

    private final LocalProcess process;
    private final int brokerPort;
    private final int controllerPort;
    private final Admin admin;

    private LocalKafkaBroker(
            LocalProcess process, int brokerPort, int controllerPort, Admin admin) {
        this.process = process;
        this.brokerPort = brokerPort;
        this.controllerPort = controllerPort;
        this.admin = admin;
    }

    /**
     * Formats a KRaft log under {@code workDir}, unless it holds one from an earlier run (topics
     * and records are then kept), and starts a broker on two free loopback ports; returns once it
     * answers an admin request.
     *
     * @param stackDir the {@code deploy/local} folder
     * @param workDir where the broker's data, configuration and logs go
     * @throws IllegalStateException if the jars are missing or the broker does not come up (the
     *     message holds the end of its log)
     */
    public static LocalKafkaBroker start(Path stackDir, Path workDir) {
        return start(stackDir, workDir, 0, 0);
    }

    /**
     * As {@link #start(Path, Path)}, on the given loopback ports; 0 picks a free one.
     *
     * @throws IllegalStateException also when a given port is taken (the broker's log says so)
     */
    public static LocalKafkaBroker start(
            Path stackDir, Path workDir, int brokerPort, int controllerPort) {
        Path lib = LocalProcess.libDir(stackDir, "kafka");
        workDir = workDir.toAbsolutePath();
        int[] ports = LocalProcess.freePorts(2);
        if (brokerPort == 0) {
            brokerPort = controllerPort == ports[0] ? ports[1] : ports[0];
        }
        if (controllerPort == 0) {
            controllerPort = brokerPort == ports[1] ? ports[0] : ports[1];
        }
        LocalProcess.createDirectories(workDir);

        Path dataDir = workDir.resolve("data");
        Path serverProperties = workDir.resolve("server.properties");
        LocalProcess.writeProperties(
                serverProperties, serverProperties(dataDir, brokerPort, controllerPort));
        Path log4j = workDir.resolve("log4j2.properties");
        Path brokerLog = workDir.resolve("broker.log");
        LocalProcess.writeProperties(log4j, log4jProperties(brokerLog));
        // Anything that bypasses log4j (JVM errors, the format tool's report) lands here.
        Path console = workDir.resolve("console.log");
        String logging = "-Dlog4j2.configurationFile=" + log4j;

        // Formatting is skipped on a work folder that already holds a broker's data, so the
        // demo can restart on it: `--ignore-formatted` does not cover that, as the format tool
        // then still fails because the stored cluster id differs from the new one.
        if (!Files.exists(dataDir.resolve("meta.properties"))) {
            // A KRaft cluster id is a random UUID in Kafka's base64 form; Uuid makes the same
            // value as `StorageTool random-uuid` without paying for another JVM start.
            String clusterId = Uuid.randomUuid().toString();
            LocalProcess.start(
                            "kafka-storage-format",
                            lib,
                            List.of(logging),
                            "kafka.tools.StorageTool",
                            List.of("format", "-t", clusterId, "-c", serverProperties.toString()),
                            workDir,
                            console,
                            brokerLog)
                    .awaitSuccess(FORMAT_TIMEOUT);
        }

        LocalProcess broker =
                LocalProcess.start(
                        "kafka-broker",
                        lib,
                        List.of("-Xmx512m", logging),
                        MAIN_CLASS,
                        List.of(serverProperties.toString()),
                        workDir,
                        console,
                        brokerLog);
        // The admin client is made only once the port is open: before that it would log a
        // warning per refused connection and back off, adding seconds to every start.
        int port = brokerPort;
        broker.awaitReady(START_TIMEOUT, () -> LocalProcess.listening(port));
        String bootstrap = "127.0.0.1:" + brokerPort;
        Admin admin =
                Admin.create(
                        Map.of(
                                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 5000,
                                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 10000));
        try {
            // An open port is not enough: the broker answers once it has joined its controller.
            broker.awaitReady(
                    START_TIMEOUT,
                    () -> !admin.describeCluster().nodes().get(10, TimeUnit.SECONDS).isEmpty());
        } catch (RuntimeException e) {
            admin.close(Duration.ZERO);
            throw e;
        }
        return new LocalKafkaBroker(broker, brokerPort, controllerPort, admin);
    }

    private static Map<String, String> serverProperties(
            Path dataDir, int brokerPort, int controllerPort) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put(
                "listeners",
                "PLAINTEXT://127.0.0.1:"
                        + brokerPort
                        + ",CONTROLLER://127.0.0.1:"
                        + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dataDir.toString());
        p.put("num.partitions", "1");
        // Topics are created on purpose (createTopic); a typo must fail, not make a new topic.
        p.put("auto.create.topics.enable", "false");
        // A single node can hold one replica of anything; the defaults of 3 would leave the
        // internal topics (consumer offsets, transactions, share groups) unavailable.
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        // Consumers in tests and the demo join alone: no point waiting for more members.
        p.put("group.initial.rebalance.delay.ms", "0");
        // One node needs no spreading of coordinators; the default 50 partitions of these
        // internal topics cost about a second when the first group or transaction starts.
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.num.partitions", "1");
        return p;
    }

    private static Map<String, String> log4jProperties(Path logFile) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("status", "warn");
        p.put("appender.file.type", "File");
        p.put("appender.file.name", "file");
        p.put("appender.file.fileName", logFile.toString());
        p.put("appender.file.layout.type", "PatternLayout");
        p.put("appender.file.layout.pattern", "%d{ISO8601} %-5p [%t] %c - %m%n");
        // WARN keeps the file short enough that its tail explains a failed start.
        p.put("rootLogger.level", "warn");
        p.put("rootLogger.appenderRef.file.ref", "file");
        return p;
    }

    /** {@code host:port} for the {@code bootstrap.servers} setting of clients. */
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    /** The client (PLAINTEXT) port. */
    public int brokerPort() {
        return brokerPort;
    }

    /** The KRaft controller port. */
    public int controllerPort() {
        return controllerPort;
    }

    /**
     * Creates the topic unless it exists (with whatever partitions it has).
     *
     * @return whether it was created
     */
    public boolean createTopicIfAbsent(String name, int partitions) {
        try {
            if (admin.listTopics()
                    .names()
                    .get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .contains(name)) {
                return false;
            }
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("could not list topics", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        }
        createTopic(name, partitions);
        return true;
    }

    /**
     * Creates a topic with one replica per partition and waits until the controller has accepted
     * it.
     *
     * @throws IllegalStateException if the broker refuses (for instance, the topic exists)
     */
    public void createTopic(String name, int partitions) {
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1)))
                    .all()
                    .get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            awaitLeaders(name, partitions);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not create topic " + name, e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topic " + name, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topic " + name, e);
        }
    }

    /**
     * The controller accepting a topic does not mean the broker leads its partitions yet; a
     * producer that comes first holds its batches until it does. Waiting here turns a slow leader
     * election into a clear error instead of a producer timeout two minutes later. Until the broker
     * has applied the controller's metadata it does not know the topic at all (describing it fails
     * with {@link UnknownTopicOrPartitionException}, seen on a loaded CI machine): that counts as
     * no partition led yet.
     */
    public void awaitLeaders(String name, int partitions)
            throws ExecutionException, TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            long led = ledPartitions(name);
            if (led == partitions) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw process.failure(
                        "topic "
                                + name
                                + " has a leader for "
                                + led
                                + " of its "
                                + partitions
                                + " partitions after "
                                + ADMIN_TIMEOUT.toSeconds()
                                + " s");
            }
            Thread.sleep(50);
        }
    }

    /**
     * {@link SampleDecisions#produce} to this broker; a send it does not acknowledge fails with the
     * end of the broker's log, which is where the reason is. When nothing at all reached the topic
     * (its end offsets are where they were), the whole send is tried once more: a broker that took
     * longer than the producer's two-minute delivery timeout to start serving (seen once on a
     * loaded two-core CI machine) then still gets the records, exactly once and in order. A partly
     * written send is never repeated.
     *
     * @return the number of value bytes sent
     */
    public long produce(String topic, List<SampleDecisions.Event> events) {
        Map<Integer, Long> before = endOffsets(topic);
        try {
            return SampleDecisions.produce(bootstrapServers(), topic, events);
        } catch (IllegalStateException e) {
            if (!endOffsets(topic).equals(before)) {
                throw process.failure(e.getMessage() + " (part of the send was written)", e);
            }
            System.err.println(
                    process.failure("nothing was written; sending again: " + e.getMessage(), e)
                            .getMessage());
            try {
                return SampleDecisions.produce(bootstrapServers(), topic, events);
            } catch (IllegalStateException again) {
                throw process.failure("sent twice, not acknowledged: " + again.getMessage(), again);
            }
        }
    }

    /** Partitions of {@code topic} with a leader; 0 while the broker does not know the topic. */
    private long ledPartitions(String topic)
            throws ExecutionException, TimeoutException, InterruptedException {
        TopicDescription description;
        try {
            description = describe(topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return 0;
            }
            throw e;
        }
        return description.partitions().stream()
                .filter(p -> p.leader() != null && !p.leader().isEmpty())
                .count();
    }

    private TopicDescription describe(String topic)
            throws ExecutionException, TimeoutException, InterruptedException {
        return admin.describeTopics(List.of(topic))
                .allTopicNames()
                .get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                .get(topic);
    }

    /** The topic's end offset per partition. */
    public Map<Integer, Long> endOffsets(String topic) {
        try {
            Map<TopicPartition, OffsetSpec> latest = new LinkedHashMap<>();
            for (TopicPartitionInfo p : describe(topic).partitions()) {
                latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest());
            }
            Map<Integer, Long> offsets = new java.util.TreeMap<>();
            admin.listOffsets(latest)
                    .all()
                    .get(ADMIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)
                    .forEach((tp, info) -> offsets.put(tp.partition(), info.offset()));
            return offsets;
        } catch (ExecutionException | TimeoutException e) {
            throw process.failure("could not read the end offsets of " + topic, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading end offsets", e);
        }
    }

    /** The broker's JVM; package-private so tests can check it is gone after {@link #close()}. */
    public ProcessHandle processHandle() {
        return process.handle();
    }

    /**
     * Leaves the broker running after this JVM exits, its pid in {@code pidFile} (the local stack's
     * {@code start}); releases the admin client. {@link #close()} would still stop it.
     */
    public void detach(Path pidFile) {
        admin.close(Duration.ofSeconds(5));
        process.detach(pidFile);
    }

    /** Stops the broker: SIGTERM for a clean shutdown, SIGKILL if it takes more than 15 s. */
    @Override
    public void close() {
        // First, so the admin client does not log reconnect attempts against a stopping broker.
        try {
            admin.close(Duration.ofSeconds(5));
        } finally {
            process.stop();
        }
    }
}
