package io.decisionledger.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real HTTP server implementing the contract of a Presidio analyzer's {@code POST /analyze} (the
 * request {@code {"text", "language", "entities"}}, the answer {@code [{entity_type, start, end,
 * score}]} with offsets in code points), standing in for Presidio, which cannot run here. It
 * "recognises" the fixed names and places it is given, wherever they occur. {@link Mode#SLOW}
 * answers only when stopped (so every request times out), {@link Mode#ERROR} answers 500, and a
 * stopped stub refuses connections (the service is down).
 */
public final class PresidioStub implements AutoCloseable {

    /** How the stub answers. */
    public enum Mode {
        ANSWER,
        SLOW,
        ERROR
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(daemonThreads());
    private final Map<String, String> entities;
    private final Mode mode;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicInteger requests = new AtomicInteger();

    /**
     * @param entities text to recognise → entity type (PERSON, LOCATION, …)
     */
    public PresidioStub(Mode mode, Map<String, String> entities) throws IOException {
        this.mode = mode;
        this.entities = entities;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/analyze", this::analyze);
        server.setExecutor(executor);
        server.start();
    }

    /** The base URL, as given to {@code --recognizer-url}. */
    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Requests received so far. */
    public int requests() {
        return requests.get();
    }

    /** A base URL where nothing listens: the service is down. */
    public static String downUrl() throws IOException {
        HttpServer s =
                HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        int port = s.getAddress().getPort();
        s.stop(0);
        return "http://127.0.0.1:" + port;
    }

    private void analyze(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            if (!"POST".equals(exchange.getRequestMethod())
                    || !request.path("text").isTextual()
                    || !"en".equals(request.path("language").asText())) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            switch (mode) {
                case SLOW -> {
                    try {
                        stopped.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    exchange.sendResponseHeaders(503, -1);
                    return;
                }
                case ERROR -> {
                    exchange.sendResponseHeaders(500, -1);
                    return;
                }
                case ANSWER -> {
                    // answered below
                }
            }
            String text = request.get("text").asText();
            ArrayNode found = JSON.createArrayNode();
            for (Map.Entry<String, String> e : entities.entrySet()) {
                for (int at = text.indexOf(e.getKey());
                        at >= 0;
                        at = text.indexOf(e.getKey(), at + 1)) {
                    int end = at + e.getKey().length();
                    found.addObject()
                            .put("entity_type", e.getValue())
                            .put("start", text.codePointCount(0, at))
                            .put("end", text.codePointCount(0, end))
                            .put("score", 0.85);
                }
            }
            // a kind ingest does not ask for: must be ignored
            found.addObject()
                    .put("entity_type", "DATE_TIME")
                    .put("start", 0)
                    .put("end", 1)
                    .put("score", 0.6);
            byte[] body = JSON.writeValueAsBytes(found);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        stopped.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    private static java.util.concurrent.ThreadFactory daemonThreads() {
        return r -> {
            Thread t = new Thread(r, "presidio-stub");
            t.setDaemon(true);
            return t;
        };
    }

    /** The names and places the tests plant. */
    public static Map<String, String> plantedEntities() {
        return Map.of("Emeka Okafor", "PERSON", "Lagos", "LOCATION", "Zoë Brandt", "PERSON");
    }
}
