package io.decisionledger.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.decisionledger.access.AccessRefusedException;
import io.decisionledger.access.AuditRole;
import io.decisionledger.access.Caller;
import io.decisionledger.lake.LakeLayout;
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
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small read-only HTTP API over the audit library for compliance tooling: {@code GET} endpoints
 * that answer with JSON (the bundle endpoint with a zip), each request authenticated by a bearer
 * token from the token file ({@link ApiTokens}) and subject to the same roles and access logging as
 * the CLI. It binds to 127.0.0.1 by default: in production it sits behind the bank's SSO proxy (see
 * README "Audit trail"), which authenticates people, terminates mTLS, and names the user and role
 * in trusted headers; the API accepts those headers only from a request carrying the proxy's own
 * {@code sso_proxy} token.
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
            String bind,
            int port,
            String trustedUserHeader,
            String trustedRoleHeader,
            int threads) {

        /** The command line of {@code audit-api} ({@code serve} in the audit jar). */
        public static final Command<Options> COMMAND =
                Command.of(
                                "audit-api",
                                "audit-api: read-only HTTP API for compliance tooling (JSON).\n\n"
                                        + "Usage: Main audit-api --lake URI --tokens FILE"
                                        + " [options]\n\n",
                                table(),
                                Options::read)
                        .withFooter(
                                """

                                GET /health
                                GET /v1/decision-at?tenant=T&user=U|case=C|user_pseudonym=P|case_pseudonym=P&at=TIME&purpose=WHY
                                GET /v1/history?tenant=T&user=U|...&from=TIME&to=TIME&purpose=WHY
                                GET /v1/event?tenant=T&event_id=E[&view=full|masked]&purpose=WHY
                                GET /v1/access-log?[tenant=T][&event_id=E][&actor=A][&from=DATE][&to=DATE][&verify=true]&purpose=WHY
                                GET /v1/bundle?tenant=T&event_id=E&purpose=WHY        (application/zip)
                                Authorization: Bearer <token>
                                """);

        private static OptionTable table() {
            OptionTable t = new OptionTable();
            LakeOptions.declareRequired(t, "Lake root.");
            t.required(
                    "tokens",
                    "Lines '<sha256-hex of token> <user> <role>' (printf %s \"$TOKEN\" |"
                            + " sha256sum).");
            t.add(
                    "bind",
                    "127.0.0.1",
                    "Address to listen on (put the SSO proxy in front; do not expose it"
                            + " directly).");
            t.add("port", "8686", "Port (0 = any free port).");
            t.add(
                    "trusted-user-header",
                    "",
                    "With --trusted-role-header: take user and role from these headers, but only"
                            + " on requests that carry an sso_proxy token.");
            t.add("trusted-role-header", "", "See --trusted-user-header.");
            t.add("threads", "4", "Request threads.");
            return t;
        }

        private static Options read(OptionTable.Parsed given) {
            String userHeader = given.optional("trusted-user-header");
            String roleHeader = given.optional("trusted-role-header");
            if ((userHeader == null) != (roleHeader == null)) {
                throw new OptionTable.InvalidOptionException(
                        "--trusted-user-header and --trusted-role-header go together");
            }
            int port = given.integer("port", 0);
            if (port > 65535) {
                throw new OptionTable.InvalidOptionException("--port must be at most 65535");
            }
            return new Options(
                    LakeOptions.lake(given),
                    Path.of(given.value("tokens")),
                    given.value("bind"),
                    port,
                    userHeader,
                    roleHeader,
                    given.integer("threads", 1));
        }

        /** The options {@code args} give; a bad command line is an InvalidOptionException. */
        public static Options parse(String[] args) {
            return COMMAND.parse(args);
        }

        static String help() {
            return COMMAND.help();
        }
    }

    private final Options options;
    private final ApiTokens tokens;
    private final AuditQueries queries;
    private final Clock clock;
    private HttpServer server;
    private ExecutorService executor;

    public AuditApi(Options options, Clock clock) throws IOException {
        this.options = options;
        this.tokens = ApiTokens.load(options.tokens());
        this.queries = new AuditQueries(options.lake(), clock);
        this.clock = clock;
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
                "audit API listening on http://"
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
        server =
                HttpServer.create(
                        new InetSocketAddress(
                                InetAddress.getByName(options.bind()), options.port()),
                        0);
        executor = Executors.newFixedThreadPool(options.threads());
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
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
        int status;
        try {
            if (!x.getRequestMethod().equals("GET")) {
                status = send(x, 405, error(405, "only GET is supported: this API is read-only"));
            } else if (path.equals("/health")) {
                ObjectNode ok = RecordJson.MAPPER.createObjectNode().put("status", "ok");
                status = send(x, 200, ok);
            } else {
                Optional<Caller> caller = authenticate(x);
                if (caller.isEmpty()) {
                    x.getResponseHeaders().add("WWW-Authenticate", "Bearer");
                    status = send(x, 401, error(401, "missing or unknown bearer token"));
                } else {
                    who = caller.get().toString();
                    status = route(x, path, caller.get(), query(x));
                }
            }
        } catch (AccessRefusedException e) {
            status = send(x, 403, error(403, e.getMessage()));
        } catch (IllegalArgumentException e) {
            status = send(x, 400, error(400, e.getMessage()));
        } catch (RuntimeException | IOException e) {
            // The full exception goes to the log without its message: messages from lower layers
            // are not guaranteed free of values.
            LOG.error("audit API request failed: {} {}", path, e.getClass().getName());
            status =
                    send(
                            x,
                            500,
                            error(500, "internal error (" + e.getClass().getSimpleName() + ")"));
        } finally {
            x.close();
        }
        LOG.info(
                "{} {} by {} -> {} in {} ms",
                x.getRequestMethod(),
                path,
                who,
                status,
                (System.nanoTime() - started) / 1_000_000);
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
                                                : AuditCommand.OPEN_END)
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
                                        "true".equals(q.get("verify")))
                                .toJson());
            }
            case "/v1/bundle" -> {
                return sendBundle(
                        x, caller, purpose, required(q, "tenant"), required(q, "event_id"));
            }
            default -> {
                return send(
                        x,
                        404,
                        error(
                                404,
                                "no such endpoint; GET /v1/decision-at, /v1/history, /v1/event, /v1/access-log, /v1/bundle"));
            }
        }
    }

    private int sendBundle(
            HttpExchange x, Caller caller, String purpose, String tenant, String eventId)
            throws IOException {
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

    /** The bearer token's caller; through an sso_proxy token, the user and role it vouches for. */
    private Optional<Caller> authenticate(HttpExchange x) {
        String auth = x.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Optional.empty();
        }
        Optional<Caller> token = tokens.authenticate(auth.substring(7).strip());
        if (token.isEmpty()) {
            return token;
        }
        Caller c = token.get();
        boolean headersConfigured = options.trustedUserHeader() != null;
        String user =
                headersConfigured
                        ? x.getRequestHeaders().getFirst(options.trustedUserHeader())
                        : null;
        String role =
                headersConfigured
                        ? x.getRequestHeaders().getFirst(options.trustedRoleHeader())
                        : null;
        if (c.role() != AuditRole.SSO_PROXY) {
            if (user != null || role != null) {
                throw new AccessRefusedException(
                        "trusted identity headers are accepted only from an sso_proxy token");
            }
            return token;
        }
        if (!headersConfigured) {
            throw new AccessRefusedException(
                    "this API is not configured to trust proxy headers (--trusted-user-header)");
        }
        if (user == null || role == null) {
            throw new AccessRefusedException("the SSO proxy did not name the user and role");
        }
        AuditRole r = AuditRole.parse(role);
        if (r == AuditRole.SSO_PROXY) {
            throw new AccessRefusedException("a proxy cannot vouch for another proxy");
        }
        return Optional.of(
                new Caller(user.strip(), r, Caller.Channel.HTTP, "sso_proxy:" + c.user()));
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

    private static Map<String, String> query(HttpExchange x) {
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
            if (q.put(k, v) != null) {
                throw new IllegalArgumentException("parameter " + k + " is given twice");
            }
        }
        return q;
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
