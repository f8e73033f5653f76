package io.decisionledger.bench.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.bench.Scenario;
import io.decisionledger.bench.lake.IngestedLake;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Verification: the lake the streaming ingest wrote ({@link IngestedLake}, small files, hash
 * chains, published heads) checked by {@code VerifyJob}, against a DuckDB scan of the same files
 * that recomputes nothing. Both only read the prepared lake. The job must find it clean with every
 * stored record read; the scan must count every stored record.
 */
public final class VerifyScenario implements Scenario {

    public static final String NAME = "verify";

    private final IngestedLake.Source source;
    private IngestedLake.Facts lake;

    public VerifyScenario(IngestedLake.Source source) {
        this.source = source;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String candidate() {
        return VerifyJobMeasurement.NAME;
    }

    @Override
    public String baseline() {
        return DuckDbScanMeasurement.NAME;
    }

    @Override
    public Map<String, Object> prepare(Path workDir) throws Exception {
        lake = source.ensure();
        return lake.inputFacts();
    }

    @Override
    public Map<String, String> parameters(String measurement, int parallelism, Path runDir) {
        return VerifyJobMeasurement.parameters(parallelism, lake.root(), runDir);
    }

    @Override
    public Map<String, Object> inspect(String measurement, Path runDir) throws Exception {
        JsonNode result = new ObjectMapper().readTree(runDir.resolve("result.json").toFile());
        long read = result.path("records_read").asLong(-1);
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("rows_out", read);
        boolean ok = read == lake.auditRows();
        if (measurement.equals(candidate())) {
            ok &= VerifyJobMeasurement.reportIsClean(runDir.resolve(VerifyJobMeasurement.REPORT));
        }
        facts.put("output_ok", ok);
        return facts;
    }

    @Override
    public void close() {}
}
