package io.decisionledger.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import org.apache.flink.configuration.RestOptions;

/**
 * A Flink standalone session cluster on 127.0.0.1 made of real JobManager and TaskManager JVMs, as
 * a Flink distribution's {@code bin/start-cluster.sh} would start them, but from the Maven Central
 * jars under {@code deploy/local/flink/target/lib} (flink-dist is not served there) with the
 * flink-s3-fs-hadoop plugin from {@code deploy/local/flink/target/plugins}. Jobs are submitted to
 * it through its REST API ({@link FlinkRestClient}), exactly as to a production cluster.
 *
 * <p>Its configuration lives in {@code <workDir>/conf/config.yaml}, written once by {@link
 * #configure}; JobManager and TaskManagers are started separately, so a TaskManager can be killed
 * and replaced while the JobManager keeps the job (the end-to-end test's failure), and the local
 * stack can leave them running as detached processes.
 */
public final class LocalFlinkCluster {
    /** The JobManager's main class; also how {@code stack.sh} recognises its JVM. */
    public static final String JOB_MANAGER_CLASS =
            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint";

    /** The TaskManager's main class; also how {@code stack.sh} recognises its JVM. */
    public static final String TASK_MANAGER_CLASS =
            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner";

    private static final String BASH_JAVA_UTILS =
            "org.apache.flink.runtime.util.bash.BashJavaUtils";
    private static final String RESULT_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";
    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    /**
     * What Flink's distribution puts in {@code env.java.opts.all} for Java 17: Flink (Kryo, the RPC
     * system, the memory manager) reflects into these JDK packages.
     */
    public static final List<String> JVM_MODULE_OPTIONS =
            List.of(
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
                    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final AtomicLong TASK_MANAGER_SEQUENCE = new AtomicLong();

    private final Path lib;
    private final Path plugins;
    private final Path workDir;
    private final int restPort;

    private LocalFlinkCluster(Path lib, Path plugins, Path workDir, int restPort) {
        this.lib = lib;
        this.plugins = plugins;
        this.workDir = workDir;
        this.restPort = restPort;
    }

    /**
     * Writes the cluster's {@code conf/config.yaml}: everything bound to 127.0.0.1 on the given
     * ports, a JobManager and TaskManagers of laptop size, two slots per TaskManager, plus {@code
     * settings} (checkpoint storage, S3 endpoint, …), which win over the defaults.
     *
     * @param stackDir the {@code deploy/local} folder
     * @param workDir the cluster's folder: conf/, log/, tmp/
     * @param restPort REST and web UI port
     * @param rpcPort the JobManager's RPC port
     */
    public static LocalFlinkCluster configure(
            Path stackDir, Path workDir, int restPort, int rpcPort, Map<String, String> settings) {
        Path lib = LocalProcess.libDir(stackDir, "flink");
        workDir = workDir.toAbsolutePath();
        Path conf = workDir.resolve("conf");
        LocalProcess.createDirectories(conf);
        LocalProcess.createDirectories(workDir.resolve("log"));
        LocalProcess.createDirectories(workDir.resolve("tmp"));

        Map<String, String> c = new LinkedHashMap<>();
        c.put("jobmanager.rpc.address", "127.0.0.1");
        c.put("jobmanager.rpc.port", String.valueOf(rpcPort));
        c.put("jobmanager.bind-host", "127.0.0.1");
        c.put("taskmanager.host", "127.0.0.1");
        c.put("taskmanager.bind-host", "127.0.0.1");
        c.put("rest.address", "127.0.0.1");
        c.put("rest.bind-address", "127.0.0.1");
        c.put("rest.port", String.valueOf(restPort));
        c.put("jobmanager.memory.process.size", "1024m");
        c.put("taskmanager.memory.process.size", "1600m");
        c.put("taskmanager.numberOfTaskSlots", "2");
        c.put("parallelism.default", "2");
        // The job jar is ~85 MB; the default 100 MiB limit leaves too little headroom.
        c.put("rest.server.max-content-length", "209715200");
        c.put("rest.client.max-content-length", "209715200");
        c.put("web.submit.enable", "true");
        c.put("web.upload.dir", workDir.resolve("tmp").toString());
        c.put("io.tmp.dirs", workDir.resolve("tmp").toString());
        // parquet-hadoop caches codecs in statics that hold the first job's class loader; a
        // session cluster runs many jobs in the same TaskManager JVM.
        c.put("classloader.check-leaked-classloader", "false");
        // A killed TaskManager refuses connections at once: notice it after two failed heartbeats
        // (a few seconds) instead of the default 10 s interval. The timeout stays generous for a
        // busy two-core machine.
        c.put("heartbeat.interval", "2 s");
        c.put("heartbeat.timeout", "30 s");
        // The REST API serves metrics as last fetched from the TaskManagers.
        c.put("metrics.fetcher.update-interval", "1 s");
        c.putAll(settings);

        StringBuilder yaml =
                new StringBuilder(
                        "# Written by decision-ledger's local stack (LocalFlinkCluster); rewritten"
                                + " on each configure.\n");
        c.forEach((k, v) -> yaml.append(k).append(": ").append(yamlString(v)).append('\n'));
        LocalProcess.writeText(conf.resolve("config.yaml"), yaml.toString());
        LocalProcess.writeProperties(conf.resolve("log4j.properties"), log4jProperties());
        return at(stackDir, workDir);
    }

    /** A cluster configured earlier in {@code workDir} (its JobManager may or may not run). */
    public static LocalFlinkCluster at(Path stackDir, Path workDir) {
        Path lib = LocalProcess.libDir(stackDir, "flink");
        Path plugins =
                stackDir.resolve("flink").resolve("target").resolve("plugins").toAbsolutePath();
        workDir = workDir.toAbsolutePath();
        Configuration conf = configuration(workDir);
        return new LocalFlinkCluster(lib, plugins, workDir, conf.get(RestOptions.PORT));
    }

    /** The configuration as Flink itself reads it from {@code conf/config.yaml}. */
    public static Configuration configuration(Path workDir) {
        Path conf = workDir.toAbsolutePath().resolve("conf");
        if (!conf.resolve("config.yaml").toFile().isFile()) {
            throw new IllegalStateException("no Flink configuration in " + conf);
        }
        return GlobalConfiguration.loadConfiguration(conf.toString());
    }

    /** The REST endpoint (also the web UI), e.g. {@code http://127.0.0.1:8081}. */
    public String restEndpoint() {
        return "http://127.0.0.1:" + restPort;
    }

    public FlinkRestClient rest() {
        return new FlinkRestClient(restEndpoint());
    }

    /** The configuration folder, which also tells this cluster's JVMs apart from others. */
    public Path confDir() {
        return workDir.resolve("conf");
    }

    public Path logDir() {
        return workDir.resolve("log");
    }

    /**
     * Starts the JobManager (with the dispatcher, resource manager and REST endpoint) and waits
     * until the REST API answers.
     */
    public LocalProcess startJobManager() {
        Path log = logDir().resolve("jobmanager.log");
        LocalProcess jm =
                launch(
                        "flink-jobmanager",
                        "GET_JM_RESOURCE_PARAMS",
                        JOB_MANAGER_CLASS,
                        List.of(),
                        log,
                        logDir().resolve("jobmanager.out"));
        FlinkRestClient rest = rest();
        jm.awaitReady(START_TIMEOUT, rest::isUp);
        return jm;
    }

    /**
     * Starts a TaskManager with a fresh resource id and waits until it has registered with the
     * JobManager, which must be running.
     */
    public LocalProcess startTaskManager() {
        String id =
                "local-tm-"
                        + System.currentTimeMillis()
                        + "-"
                        + TASK_MANAGER_SEQUENCE.incrementAndGet();
        LocalProcess tm =
                launch(
                        "flink-taskmanager",
                        "GET_TM_RESOURCE_PARAMS",
                        TASK_MANAGER_CLASS,
                        List.of("-D", "taskmanager.resource-id=" + id),
                        logDir().resolve(id + ".log"),
                        logDir().resolve(id + ".out"));
        FlinkRestClient rest = rest();
        tm.awaitReady(START_TIMEOUT, () -> rest.taskManagerIds().contains(id));
        return tm;
    }

    /**
     * Runs Flink's command-line client ({@code flink list}, {@code flink stop --savepointPath …},
     * {@code flink run …}) against this cluster, with this process's standard streams.
     *
     * @return its exit code
     */
    public int runCli(List<String> cliArgs) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>();
        cmd.add(java.toString());
        cmd.addAll(JVM_MODULE_OPTIONS);
        cmd.add("-Dlog.file=" + logDir().resolve("client.log"));
        cmd.add("-Dlog4j.configurationFile=file:" + confDir().resolve("log4j.properties"));
        cmd.addAll(List.of("-cp", lib + "/*", "org.apache.flink.client.cli.CliFrontend"));
        cmd.addAll(cliArgs);
        ProcessBuilder builder = new ProcessBuilder(cmd).inheritIO();
        builder.environment().put("FLINK_CONF_DIR", confDir().toString());
        builder.environment().put("FLINK_PLUGINS_DIR", plugins.toString());
        try {
            return builder.start().waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("could not run Flink's CLI", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running Flink's CLI", e);
        }
    }

    private LocalProcess launch(
            String name,
            String resourceCommand,
            String mainClass,
            List<String> extraArgs,
            Path log,
            Path console) {
        List<String> jvmOptions = new ArrayList<>();
        List<String> args = new ArrayList<>(List.of("--configDir", confDir().toString()));
        List<String> memory = resourceParams(resourceCommand);
        // Line 1: heap, direct and metaspace limits; line 2: the derived memory sizes as -D
        // dynamic properties, so the process and Flink agree on the budget.
        jvmOptions.addAll(List.of(memory.get(0).split(" ")));
        jvmOptions.addAll(JVM_MODULE_OPTIONS);
        jvmOptions.add("-Dlog.file=" + log);
        jvmOptions.add("-Dlog4j.configurationFile=file:" + confDir().resolve("log4j.properties"));
        jvmOptions.add("-Dlog4j2.formatMsgNoLookups=true");
        if (!memory.get(1).isBlank()) {
            args.addAll(List.of(memory.get(1).split(" ")));
        }
        args.addAll(extraArgs);
        return LocalProcess.start(
                name,
                lib,
                jvmOptions,
                mainClass,
                args,
                Map.of(
                        "FLINK_PLUGINS_DIR", plugins.toString(),
                        "FLINK_CONF_DIR", confDir().toString()),
                workDir,
                console,
                log);
    }

    /**
     * Asks Flink for the JVM flags and derived memory settings of a JobManager or TaskManager of
     * this configuration, as {@code bin/jobmanager.sh} and {@code bin/taskmanager.sh} do.
     */
    private List<String> resourceParams(String command) {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd =
                List.of(
                        java.toString(),
                        "-cp",
                        lib + "/*",
                        BASH_JAVA_UTILS,
                        command,
                        "--configDir",
                        confDir().toString());
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IllegalStateException(
                        "Flink's BashJavaUtils " + command + " failed:\n" + out);
            }
            List<String> results =
                    out.lines()
                            .filter(l -> l.startsWith(RESULT_PREFIX))
                            .map(l -> l.substring(RESULT_PREFIX.length()).strip())
                            .toList();
            if (results.size() < 2) {
                throw new IllegalStateException(
                        "unexpected output of BashJavaUtils " + command + ":\n" + out);
            }
            return results.subList(results.size() - 2, results.size());
        } catch (IOException e) {
            throw new UncheckedIOException("could not run BashJavaUtils", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running BashJavaUtils", e);
        }
    }

    private static Map<String, String> log4jProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("monitorInterval", "30");
        p.put("rootLogger.level", "INFO");
        p.put("rootLogger.appenderRef.file.ref", "MainAppender");
        // As Flink's distribution: quiet the chattiest libraries.
        p.put("logger.kafka.name", "org.apache.kafka");
        p.put("logger.kafka.level", "WARN");
        p.put("logger.hadoop.name", "org.apache.hadoop");
        p.put("logger.hadoop.level", "WARN");
        p.put("logger.parquet.name", "org.apache.parquet");
        p.put("logger.parquet.level", "WARN");
        p.put("appender.main.name", "MainAppender");
        p.put("appender.main.type", "File");
        p.put("appender.main.append", "true");
        p.put("appender.main.fileName", "${sys:log.file}");
        p.put("appender.main.layout.type", "PatternLayout");
        p.put("appender.main.layout.pattern", "%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n");
        return p;
    }

    /** A YAML double-quoted scalar: Flink converts strings to the option's type. */
    private static String yamlString(String value) {
        return '"' + value.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }
}
