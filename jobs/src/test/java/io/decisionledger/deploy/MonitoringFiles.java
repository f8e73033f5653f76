package io.decisionledger.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The PromQL expressions of deploy/monitoring: every target of every dashboard panel and every
 * alert rule's expression, named by where they come from.
 */
final class MonitoringFiles {

    static final Path DIR =
            Path.of(System.getProperty("decisionledger.deploy.dir", "../deploy"))
                    .resolve("monitoring");
    static final Path DASHBOARD = DIR.resolve("decision-ledger-dashboard.json");
    static final Path ALERTS = DIR.resolve("decision-ledger-alerts.yaml");

    /** One expression and where it is. */
    record Expr(String where, String promql) {}

    private MonitoringFiles() {}

    static JsonNode dashboard() {
        try {
            return new ObjectMapper().readTree(DASHBOARD.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode alerts() {
        try {
            return new ObjectMapper(new YAMLFactory()).readTree(ALERTS.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Expr> expressions() {
        List<Expr> out = new ArrayList<>();
        for (JsonNode panel : dashboard().get("panels")) {
            for (JsonNode target : panel.path("targets")) {
                out.add(
                        new Expr(
                                "panel '" + panel.get("title").asText() + "'",
                                target.get("expr").asText()));
            }
        }
        for (JsonNode group : alerts().get("groups")) {
            for (JsonNode rule : group.get("rules")) {
                out.add(new Expr("alert " + rule.get("alert").asText(), rule.get("expr").asText()));
            }
        }
        return out;
    }
}
