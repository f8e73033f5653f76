package io.decisionledger.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.AuthenticationException;
import io.decisionledger.access.Authenticator;
import io.decisionledger.access.Caller;
import io.decisionledger.access.TenantScope;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.lake.UnreadableLakeFile;
import io.decisionledger.options.Command;
import io.decisionledger.options.LakeOptions;
import io.decisionledger.options.OptionTable;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small read-only HTTP API over the audit library for compliance tooling: {@code GET} endpoints
 * that answer with JSON (the bundle endpoint with a zip), each request authenticated by a bearer
 * token ({@link Authenticator}: an API token from the token file, or a JWT signed by the identity
 * provider) and subject to the same roles, tenant grants and access logging as the CLI. It binds to
 * 127.0.0.1 by default: in production it sits behind the bank's SSO proxy (docs/security.md), which
 * authenticates people, terminates mTLS, and names the user, role and tenants in trusted headers;
 * the API accepts those headers only from a request carrying the proxy's own {@code sso_proxy}
 * token, and only when each is present exactly once (a proxy that appends instead of replacing
 * would otherwise let the client choose).
 *
 * <p>The application log gets method, path, caller and status per request, never the query string
 * (it names data subjects).
 */
public final class AuditApi implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AuditApi.class);

    /** Options of {@code Main audit-api}. */
    public record Options(
            LakeLayout lake,
            Path tokens,
            Path authConfig,
            String bind,
            int port,
            String trustedUserHeader,
            String trustedRoleHeader,
            String trustedTenantsHeader,
            int threads,
            Duration requestTimeout,
            Duration responseTimeout,
            Duration idleTimeout,
            int rateLimit,
            int rateBurst,
            int maxPageSize,
            Path tlsKeystore,
            Path tlsKeystorePasswordFile) {

        /** The command line of {@code audit-api} ({@code serve} in the audit jar). */
        public static final Command<Options> COMMAND =
                Command.of(
                                "audit-api",
                                "audit-api: read-only HTTP API for compliance tooling (JSON).\n\n"
                                        + "Usage: Main audit-api --lake URI (--tokens FILE |"
                                        + " --auth-config FILE) [options]\n\n",
                                table(),
                                Options::read)
                        .withFooter(
                                """

                                GET /health
                                GET /v1/openapi.json                                  (this API, OpenAPI 3)
                                GET /v1/decision-at?tenant=T&user=U|case=C|user_pseudonym=P|case_pseudonym=P&at=TIME&purpose=WHY
                                GET /v1/history?tenant=T&user=U|...&from=TIME&to=TIME&purpose=WHY[&limit=N][&page_token=K]
                                GET /v1/event?tenant=T&event_id=E[&view=full|masked]&purpose=WHY
                                GET /v1/access-log?[tenant=T][&event_id=E][&actor=A][&from=DATE][&to=DATE][&verify=true]&purpose=WHY[&limit=N][&page_token=K]
                                GET /v1/bundle?tenant=T&event_id=E&purpose=WHY        (application/zip)
                                GET /v1/subject-export?tenant=T&user=U|case=C&purpose=WHY[&format=json|html]   (GDPR Art. 15)
                                Authorization: Bearer <API token or JWT>
                                An unknown parameter is a 400; more than --rate-limit requests a minute
                                from one caller a 429 with Retry-After.
                                """);

        private static OptionTable table() {
            OptionTable t = new OptionTable();
            LakeOptions.declareRequired(t, "Lake root.");
            t.add(
                    "tokens",
                    "",
                    "API token file: lines '<sha256-hex of token> <user> <role> <tenants|*>'"
                            + " (printf %s \"$TOKEN\" | sha256sum). Wins over the tokens of"
                            + " --auth-config.");
            t.add(
                    "auth-config",
                    "",
                    "Authentication configuration (properties: tokens=FILE, jwt.issuer,"
                            + " jwt.audience, jwt.jwks-file|jwt.jwks-url, jwt.algorithms,"
                            + " jwt.clock-skew, jwt.*-claim). One of --tokens, --auth-config is"
                            + " required.");
            t.add(
                    "bind",
                    "127.0.0.1",
                    "Address to listen on (put the SSO proxy in front; do not expose it"
                            + " directly).");
            t.add("port", "8686", "Port (0 = any free port).");
            t.add(
                    "trusted-user-header",
                    "",
                    "With --trusted-role-header and --trusted-tenants-header: take user, role and"
                            + " tenants from these headers, but only on requests that carry an"
                            + " sso_proxy token, and only when each is given exactly once.");
            t.add("trusted-role-header", "", "See --trusted-user-header.");
            t.add(
                    "trusted-tenants-header",
                    "",
                    "See --trusted-user-header: the user's tenants, space-separated, or * (within"
                            + " the proxy token's own tenants).");
            t.add("threads", "4", "Request threads.");
            t.add(
                    "request-timeout",
                    "PT10S",
                    "A connection must send its whole request (line and headers) within this,"
                            + " or it is closed (slow-header attacks). Applies to the JVM's HTTP"
                            + " server (sun.net.httpserver.maxReqTime), whole seconds.");
            t.add(
                    "response-timeout",
                    "PT120S",
                    "A client must take the whole response within this, or it is closed"
                            + " (sun.net.httpserver.maxRspTime), whole seconds.");
            t.add(
                    "idle-timeout",
                    "PT30S",
                    "An idle keep-alive connection is closed after this"
                            + " (sun.net.httpserver.idleInterval), whole seconds.");
            t.add(
                    "rate-limit",
                    "60",
                    "Requests a minute per authenticated caller (token bucket); beyond it 429"
                            + " with Retry-After.");
            t.add(
                    "rate-burst",
                    "20",
                    "Requests a caller may make at once before --rate-limit applies.");
            t.add(
                    "max-page-size",
                    "500",
                    "Most records or entries one history or access-log page returns (the limit"
                            + " parameter's ceiling and default).");
            t.add(
                    "tls-keystore",
                    "",
                    "PKCS12 or JKS keystore with the server's key and certificate: serve HTTPS."
                            + " Required when --bind is not a loopback address.");
            t.add(
                    "tls-keystore-password-file",
                    "",
                    "File holding the keystore password (one line); with --tls-keystore.");
            return t;
        }

        private static Options read(OptionTable.Parsed given) {
            String userHeader = given.optional("trusted-user-header");
            String roleHeader = given.optional("trusted-role-header");
            String tenantsHeader = given.optional("trusted-tenants-header");
            if ((userHeader == null) != (roleHeader == null)
                    || (userHeader == null) != (tenantsHeader == null)) {
                throw new OptionTable.InvalidOptionException(
                        "--trusted-user-header, --trusted-role-header and --trusted-tenants-header"
                                + " go together");
            }
            if (given.optional("tokens") == null && given.optional("auth-config") == null) {
                throw new OptionTable.InvalidOptionException(
                        "--tokens or --auth-config is required");
            }
            int port = given.integer("port", 0);
            if (port > 65535) {
                throw new OptionTable.InvalidOptionException("--port must be at most 65535");
            }
            String keystore = given.optional("tls-keystore");
            String passwordFile = given.optional("tls-keystore-password-file");
            if ((keystore == null) != (passwordFile == null)) {
                throw new OptionTable.InvalidOptionException(
                        "--tls-keystore and --tls-keystore-password-file go together");
            }
            String bind = given.value("bind");
            if (keystore == null && !isLoopback(bind)) {
                throw new OptionTable.InvalidOptionException(
                        "--bind "
                                + bind
                                + " is not a loopback address: serving beyond this host needs TLS"
                                + " (--tls-keystore FILE --tls-keystore-password-file FILE)");
            }
            return new Options(
                    LakeOptions.lake(given),
                    given.optional("tokens") == null ? null : Path.of(given.value("tokens")),
                    given.optional("auth-config") == null
                            ? null
                            : Path.of(given.value("auth-config")),
                    bind,
                    port,
                    userHeader,
                    roleHeader,
                    tenantsHeader,
                    given.integer("threads", 1),
                    seconds(given, "request-timeout"),
                    seconds(given, "response-timeout"),
                    seconds(given, "idle-timeout"),
                    given.integer("rate-limit", 1),
                    given.integer("rate-burst", 1),
                    given.integer("max-page-size", 1),
                    keystore == null ? null : Path.of(keystore),
                    passwordFile == null ? null : Path.of(passwordFile));
        }

        private static Duration seconds(OptionTable.Parsed given, String name) {
            Duration d = given.duration(name);
            if (d.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new OptionTable.InvalidOptionException(
                        "--" + name + " must be at least 1 second");
            }
            return d;
        }

        static boolean isLoopback(String bind) {
            try {
                return InetAddress.getByName(bind).isLoopbackAddress();
            } catch (IOException e) {
                throw new OptionTable.InvalidOptionException(
                        "--bind " + bind + " is not an address this host can resolve");
            }
        }

        /** True when the API serves HTTPS. */
        public boolean tls() {
            return tlsKeystore != null;
        }

        /** The options {@code args} give; a bad command line is an InvalidOptionException. */
        public static Options parse(String[] args) {
            return COMMAND.parse(args);
        }

        static String help() {
            return COMMAND.help();
        }
    }

    /** A route: its path and the query parameters it accepts (any other is a 400). */
    record Route(String path, boolean authenticated, Set<String> parameters) {}

    private static final Set<String> SUBJECT =
            Set.of("user", "case", "user_pseudonym", "case_pseudonym");

    /** Every route the server answers; the OpenAPI document must describe exactly these. */
    static final List<Route> ROUTES =
            List.of(
                    new Route("/health", false, Set.of()),
                    new Route("/v1/openapi.json", false, Set.of()),
                    new Route("/v1/decision-at", true, with(SUBJECT, "tenant", "at", "purpose")),
                    new Route(
                            "/v1/history",
                            true,
                            with(
                                    SUBJECT,
                                    "tenant",
                                    "from",
                                    "to",
                                    "purpose",
                                    "limit",
                                    "page_token")),
                    new Route("/v1/event", true, Set.of("tenant", "event_id", "view", "purpose")),
                    new Route(
                            "/v1/access-log",
                            true,
                            Set.of(
                                    "tenant",
                                    "event_id",
                                    "actor",
                                    "from",
                                    "to",
                                    "verify",
                                    "purpose",
                                    "limit",
                                    "page_token")),
                    new Route("/v1/bundle", true, Set.of("tenant", "event_id", "purpose")),
                    new Route(
                            "/v1/subject-export",
                            true,
                            Set.of("tenant", "user", "case", "purpose", "format")));

    private static Set<String> with(Set<String> base, String... more) {
        Set<String> all = new java.util.HashSet<>(base);
        all.addAll(List.of(more));
        return Set.copyOf(all);
    }

    /** The server timeouts this JVM's HTTP server was started with (they are JVM-wide). */
    private static Duration[] appliedTimeouts;

    private final Options options;
    private final Authenticator authenticator;
    private final AuditQueries queries;
    private final Clock clock;
    private final CallerRateLimit rateLimit;
    private HttpServer server;
    private ExecutorService executor;

    public AuditApi(Options options, Clock clock) throws IOException {
        this.options = options;
        this.authenticator = Authenticator.load(options.authConfig(), options.tokens());
        this.queries = new AuditQueries(options.lake(), clock);
        this.clock = clock;
        this.rateLimit =
                new CallerRateLimit(options.rateLimit(), options.rateBurst(), System::nanoTime);
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.COMMAND.parseOrExit(args);
        if (options == null) {
            return; // --help
        }
        AuditCommand.initFileSystems();
        AuditApi api = new AuditApi(options, Clock.systemUTC());
        int port = api.start();
        System.out.println(
                "audit API listening on "
                        + (options.tls() ? "https" : "http")
                        + "://"
                        + options.bind()
                        + ":"
                        + port
                        + " (lake "
                        + options.lake()
                        + ")");
        Runtime.getRuntime().addShutdownHook(new Thread(api::close, "audit-api-shutdown"));
        Thread.currentThread().join();
    }

    /** Starts serving; returns the bound port. */
    public int start() throws IOException {
        if (!options.tls() && !Options.isLoopback(options.bind())) {
            // Options.parse refuses this too; a hand-built Options must not get around it
            throw new IllegalStateException(
                    "refusing to serve plain HTTP on " + options.bind() + ": configure TLS");
        }
        applyServerTimeouts(options);
        InetSocketAddress address =
                new InetSocketAddress(InetAddress.getByName(options.bind()), options.port());
        if (options.tls()) {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(sslContext(options)));
            server = https;
        } else {
            server = HttpServer.create(address, 0);
        }
        executor =
                Executors.newFixedThreadPool(
                        options.threads(),
                        r -> {
                            Thread t = new Thread(r, "audit-api-request");
                            t.setDaemon(true);
                            return t;
                        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        return server.getAddress().getPort();
    }

    /**
     * Sets the JDK HTTP server's timeouts. They are read once per JVM, when the first server is
     * created, so they are set before it; a later server in the same JVM asking for others gets the
     * first ones, and says so.
     */
    private static synchronized void applyServerTimeouts(Options o) {
        Duration[] wanted = {o.requestTimeout(), o.responseTimeout(), o.idleTimeout()};
        if (appliedTimeouts == null) {
            System.setProperty(
                    "sun.net.httpserver.maxReqTime", Long.toString(wanted[0].toSeconds()));
            System.setProperty(
                    "sun.net.httpserver.maxRspTime", Long.toString(wanted[1].toSeconds()));
            System.setProperty(
                    "sun.net.httpserver.idleInterval", Long.toString(wanted[2].toSeconds()));
            appliedTimeouts = wanted;
        } else if (!java.util.Arrays.equals(appliedTimeouts, wanted)) {
            LOG.warn(
                    "audit API timeouts are per JVM: keeping request {}, response {}, idle {}",
                    appliedTimeouts[0],
                    appliedTimeouts[1],
                    appliedTimeouts[2]);
        }
    }

    private static SSLContext sslContext(Options o) throws IOException {
        char[] password =
                Files.readString(o.tlsKeystorePasswordFile(), StandardCharsets.UTF_8)
                        .strip()
                        .toCharArray();
        try {
            KeyStore store = KeyStore.getInstance(o.tlsKeystore().toFile(), password);
            KeyManagerFactory keys =
                    KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            keys.init(store, password);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keys.getKeyManagers(), null, null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IOException(
                    "cannot use --tls-keystore (wrong password or not a keystore): "
                            + e.getClass().getSimpleName(),
                    e);
        } finally {
            java.util.Arrays.fill(password, '\0');
        }
    }

    /** The port it listens on, once started. */
    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
            executor.shutdownNow();
        }
    }

    private void handle(HttpExchange x) throws IOException {
        long started = System.nanoTime();
        String path = x.getRequestURI().getPath();
        String who = "-";
        int status = 0;
        try {
            Route route =
                    ROUTES.stream().filter(r -> r.path().equals(path)).findFirst().orElse(null);
            if (!x.getRequestMethod().equals("GET")) {
                status = send(x, 405, error(405, "only GET is supported: this API is read-only"));
            } else if (route == null) {
                status =
                        send(
                                x,
                                404,
                                error(
                                        404,
                                        "no such endpoint; see GET /v1/openapi.json for the API"));
            } else if (!route.authenticated()) {
                query(x, route); // refuses unknown parameters
                status = path.equals("/health") ? health(x) : openApi(x);
            } else {
                Caller caller = authenticate(x);
                who = caller.toString();
                long wait = rateLimit.acquire(caller.user() + "|" + caller.role().id());
                if (wait > 0) {
                    x.getResponseHeaders().add("Retry-After", Long.toString(wait));
                    status =
                            send(
                                    x,
                                    429,
                                    error(
                                            429,
                                            "rate limit: at most "
                                                    + options.rateLimit()
                                                    + " requests a minute per caller; retry in "
                                                    + wait
                                                    + " s"));
                } else {
                    status = route(x, path, caller, query(x, route));
                }
            }
        } catch (AuthenticationException e) {
            x.getResponseHeaders().add("WWW-Authenticate", "Bearer");
            status = send(x, 401, error(401, e.getMessage()));
        } catch (AccessRefusedException e) {
            status = send(x, 403, error(403, withoutPaths(e.getMessage())));
        } catch (IllegalArgumentException e) {
            status = send(x, 400, error(400, withoutPaths(e.getMessage())));
        } catch (UnreadableLakeFile e) {
            // Its message is the file's path and the kind of damage, never a value of the file:
            // the operator needs the path to restore the file; the caller gets neither.
            LOG.error("audit API request failed: {} {}", logSafe(path), e.getMessage());
            status = send(x, 500, error(500, "internal error (UnreadableLakeFile)"));
        } catch (RuntimeException | IOException e) {
            // The full exception goes to the log without its message: messages from lower layers
            // are not guaranteed free of values.
            LOG.error("audit API request failed: {} {}", logSafe(path), e.getClass().getName());
            status =
                    send(
                            x,
                            500,
                            error(500, "internal error (" + e.getClass().getSimpleName() + ")"));
        } finally {
            // logged before the exchange is closed: a client that reads to the end of the
            // connection has then been logged
            LOG.info(
                    "{} {} by {} -> {} in {} ms",
                    logSafe(x.getRequestMethod()),
                    logSafe(path),
                    logSafe(who),
                    status,
                    (System.nanoTime() - started) / 1_000_000);
            x.close();
        }
    }

    private static int health(HttpExchange x) throws IOException {
        return send(x, 200, RecordJson.MAPPER.createObjectNode().put("status", "ok"));
    }

    private static int openApi(HttpExchange x) throws IOException {
        byte[] doc;
        try (java.io.InputStream in = AuditApi.class.getResourceAsStream("/openapi.json")) {
            if (in == null) {
                throw new IOException("openapi.json is missing from the jar");
            }
            doc = in.readAllBytes();
        }
        x.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        x.getResponseHeaders().add("X-Content-Type-Options", "nosniff");
        x.sendResponseHeaders(200, doc.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(doc);
        }
        return 200;
    }

    private int route(HttpExchange x, String path, Caller caller, Map<String, String> q)
            throws IOException {
        String purpose = q.get("purpose");
        switch (path) {
            case "/v1/decision-at" -> {
                return send(
                        x,
                        200,
                        queries.decisionAt(
                                        caller,
                                        purpose,
                                        q.get("tenant"),
                                        subject(q),
                                        TimeBounds.at(required(q, "at")))
                                .toJson());
            }
            case "/v1/history" -> {
                return send(
                        x,
                        200,
                        queries.history(
                                        caller,
                                        purpose,
                                        q.get("tenant"),
                                        subject(q),
                                        q.containsKey("from")
                                                ? TimeBounds.from(q.get("from"))
                                                : java.time.Instant.EPOCH,
                                        q.containsKey("to")
                                                ? TimeBounds.toExclusive(q.get("to"))
                                                : AuditCommand.OPEN_END,
                                        page(q))
                                .toJson());
            }
            case "/v1/event" -> {
                AuditQueries.View view =
                        q.containsKey("view") ? AuditQueries.View.parse(q.get("view")) : null;
                QueryResult r =
                        queries.event(
                                caller, purpose, q.get("tenant"), required(q, "event_id"), view);
                return send(x, r.found() ? 200 : 404, r.toJson());
            }
            case "/v1/access-log" -> {
                return send(
                        x,
                        200,
                        queries.readAccessLog(
                                        caller,
                                        purpose,
                                        q.get("tenant"),
                                        q.get("event_id"),
                                        q.get("actor"),
                                        date(q, "from"),
                                        date(q, "to"),
                                        "true".equals(q.get("verify")),
                                        page(q))
                                .toJson());
            }
            case "/v1/bundle" -> {
                return sendBundle(x, caller, purpose, q.get("tenant"), q.get("event_id"));
            }
            case "/v1/subject-export" -> {
                String format = q.getOrDefault("format", "json");
                if (!format.equals("json") && !format.equals("html")) {
                    throw new IllegalArgumentException("format must be json or html");
                }
                if (q.containsKey("user") == q.containsKey("case")) {
                    throw new IllegalArgumentException("name exactly one of user, case");
                }
                Subject subject =
                        q.containsKey("user")
                                ? Subject.user(q.get("user"))
                                : Subject.caseId(q.get("case"));
                SubjectAccessExport.Result r =
                        new SubjectAccessExport(queries, clock)
                                .create(caller, purpose, q.get("tenant"), subject);
                if (format.equals("json")) {
                    return send(x, 200, r.json());
                }
                byte[] bytes = r.html().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                x.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
                x.getResponseHeaders().add("Cache-Control", "no-store");
                x.getResponseHeaders().add("X-Content-Type-Options", "nosniff");
                x.getResponseHeaders()
                        .add(
                                "Content-Security-Policy",
                                "default-src 'none'; style-src 'unsafe-inline'");
                x.sendResponseHeaders(200, bytes.length);
                try (OutputStream out = x.getResponseBody()) {
                    out.write(bytes);
                }
                return 200;
            }
            default -> throw new IllegalStateException("route without a handler");
        }
    }

    /** The page a listing asks for: limit defaults to, and may not exceed, --max-page-size. */
    private PageRequest page(Map<String, String> q) {
        int limit = options.maxPageSize();
        if (q.containsKey("limit")) {
            try {
                limit = Integer.parseInt(q.get("limit"));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("limit must be a whole number");
            }
            if (limit < 1 || limit > options.maxPageSize()) {
                throw new IllegalArgumentException(
                        "limit must be 1-" + options.maxPageSize() + " (--max-page-size)");
            }
        }
        String token = q.get("page_token");
        return new PageRequest(limit, token == null || token.isEmpty() ? null : token);
    }

    private int sendBundle(
            HttpExchange x, Caller caller, String purpose, String tenant, String eventId)
            throws IOException {
        // Role, purpose and ids before any file or temporary folder is touched.
        queries.requireBundleAccess(caller, purpose, tenant, eventId);
        Path tmp = Files.createTempDirectory("audit-bundle");
        try {
            Path folder =
                    tmp.resolve(
                            "evidence-" + tenant + "-" + Integer.toHexString(eventId.hashCode()));
            EvidenceBundle.Result r =
                    new EvidenceBundle(queries, clock)
                            .create(caller, purpose, tenant, eventId, folder, true);
            x.getResponseHeaders().add("Content-Type", "application/zip");
            x.getResponseHeaders()
                    .add(
                            "Content-Disposition",
                            "attachment; filename=\"" + r.zip().getFileName() + "\"");
            x.getResponseHeaders().add("Cache-Control", "no-store");
            x.getResponseHeaders()
                    .add("X-Records-For-Event-Id", Integer.toString(r.recordsForEventId()));
            x.sendResponseHeaders(200, Files.size(r.zip()));
            try (OutputStream out = x.getResponseBody()) {
                Files.copy(r.zip(), out);
            }
            return 200;
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /**
     * The bearer token's caller; through an sso_proxy token, the user, role and tenants it vouches
     * for (within the proxy token's own tenants).
     *
     * @throws AuthenticationException without a bearer token, or for one that does not verify
     * @throws IllegalArgumentException for an identity header that is not given exactly once
     */
    private Caller authenticate(HttpExchange x) {
        String auth = single(x, "Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new AuthenticationException("missing bearer token (Authorization: Bearer ...)");
        }
        Caller c = authenticator.authenticate(auth.substring(7).strip(), Caller.Channel.HTTP);
        boolean headersConfigured = options.trustedUserHeader() != null;
        String user = headersConfigured ? single(x, options.trustedUserHeader()) : null;
        String role = headersConfigured ? single(x, options.trustedRoleHeader()) : null;
        String tenants = headersConfigured ? single(x, options.trustedTenantsHeader()) : null;
        if (c.role() != AuditRole.SSO_PROXY) {
            if (user != null || role != null || tenants != null) {
                throw new AccessRefusedException(
                        "trusted identity headers are accepted only from an sso_proxy token");
            }
            return c;
        }
        if (!headersConfigured) {
            throw new AccessRefusedException(
                    "this API is not configured to trust proxy headers (--trusted-user-header)");
        }
        if (user == null || role == null || tenants == null) {
            throw new AccessRefusedException(
                    "the SSO proxy did not name the user, role and tenants");
        }
        AuditRole r = AuditRole.parse(role);
        if (r == AuditRole.SSO_PROXY) {
            throw new AccessRefusedException("a proxy cannot vouch for another proxy");
        }
        return new Caller(
                        user.strip(),
                        r,
                        Caller.Channel.HTTP,
                        "sso_proxy:" + c.user(),
                        TenantScope.parse(tenants),
                        false)
                .within(c.tenants());
    }

    /**
     * The one value of an identity header, or null when absent. Given twice (or as one comma-joined
     * value, as a proxy that appends instead of replacing sends it) it is refused: the client would
     * otherwise choose which one counts.
     */
    private static String single(HttpExchange x, String header) {
        List<String> values = x.getRequestHeaders().get(header);
        if (values == null || values.isEmpty()) {
            return null;
        }
        if (values.size() > 1 || values.get(0).contains(",")) {
            throw new IllegalArgumentException(
                    "header "
                            + header
                            + " must be given exactly once with one value; the request carries"
                            + " it "
                            + (values.size() > 1 ? values.size() + " times" : "as a joined list")
                            + " (a proxy must replace identity headers, not append to them)");
        }
        return values.get(0);
    }

    private static Subject subject(Map<String, String> q) {
        Subject s = null;
        int given = 0;
        for (Subject.Kind k : Subject.Kind.values()) {
            if (q.containsKey(k.parameter())) {
                given++;
                s = new Subject(k, q.get(k.parameter()));
            }
        }
        if (given != 1) {
            throw new IllegalArgumentException(
                    "name exactly one of user, case, user_pseudonym, case_pseudonym");
        }
        return s;
    }

    private static java.time.LocalDate date(Map<String, String> q, String name) {
        if (!q.containsKey(name)) {
            return null;
        }
        java.time.LocalDate d = TimeBounds.date(q.get(name));
        if (d == null) {
            throw new IllegalArgumentException(name + " must be a date (yyyy-MM-dd)");
        }
        return d;
    }

    private static String required(Map<String, String> q, String name) {
        String v = q.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException(name + " is required");
        }
        return v;
    }

    private static Map<String, String> query(HttpExchange x, Route route) {
        Map<String, String> q = new HashMap<>();
        String raw = x.getRequestURI().getRawQuery();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k =
                    URLDecoder.decode(
                            eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v =
                    eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!route.parameters().contains(k)) {
                throw new IllegalArgumentException(
                        "unknown parameter "
                                + logSafe(k)
                                + " for "
                                + route.path()
                                + "; see GET /v1/openapi.json");
            }
            if (q.put(k, v) != null) {
                throw new IllegalArgumentException("parameter " + k + " is given twice");
            }
        }
        return q;
    }

    /**
     * Text from a request, made safe to quote in a log line: control characters (CR and LF above
     * all, which would let a request forge log lines) are escaped, and the text is cut at 200
     * characters.
     */
    static String logSafe(String s) {
        if (s == null) {
            return "-";
        }
        StringBuilder out = new StringBuilder(Math.min(s.length(), 200) + 8);
        for (int i = 0; i < s.length() && out.length() < 200; i++) {
            char c = s.charAt(i);
            if (c == '\\') {
                out.append("\\\\");
            } else if (Character.isISOControl(c)
                    || c == '\u2028'
                    || c == '\u2029'
                    || Character.getType(c) == Character.FORMAT) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.length() >= 200 ? out + "..." : out.toString();
    }

    private static final java.util.regex.Pattern PATHS =
            java.util.regex.Pattern.compile(
                    "(?:[a-zA-Z][a-zA-Z0-9+.-]*:/+[^\\s\"']*)|(?:(?<![\\w./-])/(?!v1/)(?:[^\\s/\"']+/)+[^\\s\"']*)");

    /**
     * A message for a 4xx body, with anything that looks like a server path or URI (file:, s3://,
     * /tmp/...) replaced: errors from lower layers may name where the server keeps its files.
     */
    static String withoutPaths(String message) {
        if (message == null) {
            return "refused";
        }
        return PATHS.matcher(message).replaceAll("<path>");
    }

    private static ObjectNode error(int status, String message) {
        return RecordJson.MAPPER.createObjectNode().put("status", status).put("error", message);
    }

    private static int send(HttpExchange x, int status, ObjectNode body) throws IOException {
        byte[] bytes = RecordJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(body);
        x.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
        x.getResponseHeaders().add("Cache-Control", "no-store");
        x.getResponseHeaders().add("X-Content-Type-Options", "nosniff");
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
        return status;
    }
}
