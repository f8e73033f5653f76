package io.decisionledger.testkit;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A real S3-compatible endpoint (s3proxy with its file-system backend) in its own JVM on 127.0.0.1.
 * The demo command and the integration tests point Flink's S3 file system at it, so the lake is
 * written through the same S3 protocol (signatures, multipart uploads) as in production, while
 * every bucket stays a plain folder that tests can read directly, for instance with DuckDB. It runs
 * from the jars under {@code deploy/local/s3proxy/target/lib} and is stopped by {@link #close()}
 * or, failing that, when this JVM exits.
 */
public final class LocalS3Store implements AutoCloseable {
    /** As the broker's: slow only on a machine busy with other JVMs, as CI's is. */
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private static final String ACCESS_KEY = "local-access-key";
    private static final String SECRET_KEY = "local-secret-key";
    // S3's rule. s3proxy silently ignores a folder with any other name (it answers NoSuchBucket),
    // so a bad name is refused here rather than leading to a puzzling 404 later.
    private static final Pattern BUCKET_NAME = Pattern.compile("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");

    /** s3proxy's main class; also how {@code stack.sh} recognises its JVM. */
    public static final String MAIN_CLASS = "org.gaul.s3proxy.Main";

    private final LocalProcess process;
    private final String endpoint;
    private final Path dataDir;

    private LocalS3Store(LocalProcess process, String endpoint, Path dataDir) {
        this.process = process;
        this.endpoint = endpoint;
        this.dataDir = dataDir;
    }

    /**
     * Starts s3proxy on a free loopback port, storing buckets as folders of {@code dataDir}, and
     * returns once it answers HTTP. Its configuration and log go to the sibling folder {@code
     * <dataDir>.s3proxy}: any entry inside {@code dataDir} would be listed as a bucket.
     *
     * @param stackDir the {@code deploy/local} folder
     * @param dataDir the folder holding the buckets; created if missing
     * @throws IllegalStateException if the jars are missing or s3proxy does not come up (the
     *     message holds the end of its log)
     */
    public static LocalS3Store start(Path stackDir, Path dataDir) {
        return start(stackDir, dataDir, 0);
    }

    /** As {@link #start(Path, Path)}, on the given loopback port; 0 picks a free one. */
    public static LocalS3Store start(Path stackDir, Path dataDir, int port) {
        Path lib = LocalProcess.libDir(stackDir, "s3proxy");
        dataDir = dataDir.toAbsolutePath();
        Path serviceDir = serviceDir(dataDir);
        // The file-system backend refuses to start without its base folder.
        LocalProcess.createDirectories(dataDir);
        LocalProcess.createDirectories(serviceDir);
        if (port == 0) {
            port = LocalProcess.freePorts(1)[0];
        }
        String endpoint = "http://127.0.0.1:" + port;

        Map<String, String> p = new LinkedHashMap<>();
        p.put("s3proxy.endpoint", endpoint);
        p.put("s3proxy.authorization", "aws-v2-or-v4");
        p.put("s3proxy.identity", ACCESS_KEY);
        p.put("s3proxy.credential", SECRET_KEY);
        p.put("jclouds.provider", "filesystem-nio2");
        p.put("jclouds.filesystem.basedir", dataDir.toString());
        Path properties = serviceDir.resolve("s3proxy.properties");
        LocalProcess.writeProperties(properties, p);
        // logback's default is DEBUG on stdout; keep warnings and errors, in the log file.
        Path logback = serviceDir.resolve("logback.xml");
        LocalProcess.writeText(
                logback,
                "<configuration><appender name=\"out\" class=\"ch.qos.logback.core.ConsoleAppender\">"
                        + "<encoder><pattern>%d %-5level %logger - %msg%n</pattern></encoder></appender>"
                        + "<root level=\"WARN\"><appender-ref ref=\"out\"/></root></configuration>\n");

        LocalProcess s3proxy =
                LocalProcess.start(
                        "s3proxy",
                        lib,
                        List.of("-Xmx256m", "-Dlogback.configurationFile=" + logback),
                        MAIN_CLASS,
                        List.of("--properties", properties.toString()),
                        serviceDir,
                        serviceDir.resolve("s3proxy.log"));
        // Any HTTP status will do: it proves the S3 handler is serving requests.
        s3proxy.awaitReady(START_TIMEOUT, () -> answers(endpoint));
        return new LocalS3Store(s3proxy, endpoint, dataDir);
    }

    /** Whether an S3 endpoint answers HTTP at all (any status: its S3 handler is serving). */
    public static boolean answers(String endpoint) throws IOException, InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest head =
                HttpRequest.newBuilder(URI.create(endpoint + "/"))
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .timeout(Duration.ofSeconds(2))
                        .build();
        return http.send(head, HttpResponse.BodyHandlers.discarding()).statusCode() > 0;
    }

    /**
     * Where s3proxy's configuration and log go for a data folder: a sibling, since any entry inside
     * the data folder would be listed as a bucket.
     */
    public static Path serviceDir(Path dataDir) {
        dataDir = dataDir.toAbsolutePath();
        return dataDir.resolveSibling(dataDir.getFileName() + ".s3proxy");
    }

    /**
     * Leaves s3proxy running after this JVM exits, its pid in {@code pidFile} (the local stack's
     * {@code start}). {@link #close()} would still stop it.
     */
    public void detach(Path pidFile) {
        process.detach(pidFile);
    }

    /** The endpoint for path-style S3 clients, e.g. {@code http://127.0.0.1:43125}. */
    public String endpoint() {
        return endpoint;
    }

    /** The access key id that requests must be signed with (AWS signature v2 or v4). */
    public String accessKey() {
        return ACCESS_KEY;
    }

    /** The secret key that goes with {@link #accessKey()}. */
    public String secretKey() {
        return SECRET_KEY;
    }

    /**
     * Creates a bucket, if it does not exist yet, and returns its folder. The file-system backend
     * treats every folder of the data folder as a bucket, visible at once without a restart.
     *
     * @throws IllegalArgumentException if {@code bucket} is not a valid S3 bucket name
     */
    public Path createBucket(String bucket) {
        Path dir = bucketDir(bucket);
        LocalProcess.createDirectories(dir);
        return dir;
    }

    /**
     * The folder backing {@code bucket}: object {@code a/b.parquet} is the plain file {@code
     * a/b.parquet} inside it.
     *
     * @throws IllegalArgumentException if {@code bucket} is not a valid S3 bucket name
     */
    public Path bucketDir(String bucket) {
        if (!BUCKET_NAME.matcher(bucket).matches()) {
            throw new IllegalArgumentException(
                    "not a valid S3 bucket name (3-63 lower-case letters, digits, '.', '-'): "
                            + bucket);
        }
        return dataDir.resolve(bucket);
    }

    /** s3proxy's JVM; package-private so tests can check it is gone after {@link #close()}. */
    public ProcessHandle processHandle() {
        return process.handle();
    }

    /** Stops s3proxy: SIGTERM, then SIGKILL if it takes more than 15 s. The data stays. */
    @Override
    public void close() {
        process.stop();
    }
}
