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

    /** The lake to verify: its root, its audit rows, what the results say about it. */
    private record Lake(Path root, long auditRows, Map<String, Object> inputFacts) {}

    private final java.util.concurrent.Callable<Lake> source;
    private final int warmUps;
    private Lake lake;

    /**
     * @param warmUps {@code --verify-warm-ups}: N > 0 runs the job and the scan N times untimed in
     *     their JVMs first (the job on one session cluster), as a nightly run finds a long-lived
     *     cluster; 0 measures fresh JVMs
     */
    public VerifyScenario(IngestedLake.Source source, int warmUps) {
        this(
                () -> {
                    IngestedLake.Facts f = source.ensure();
                    return new Lake(f.root(), f.auditRows(), f.inputFacts());
                },
                warmUps);
    }

    private VerifyScenario(java.util.concurrent.Callable<Lake> source, int warmUps) {
        this.source = source;
        this.warmUps = warmUps;
    }

    /**
     * The same pair on a generated lake ({@link DailyLake} without a verify state, {@code
     * --verify-records}): millions of records in minutes instead of hours of ingest.
     */
    public static VerifyScenario generated(Path cache, DailyLake.Shape shape, int warmUps) {
        return new VerifyScenario(
                () -> {
                    long start = System.nanoTime();
                    DailyLake.Facts f = DailyLake.ensure(cache, shape, false);
                    Map<String, Object> facts = new LinkedHashMap<>();
                    facts.put("events", f.records());
                    facts.put("bytes", f.bytes());
                    facts.put("lake", "generated: " + shape);
                    facts.put("produce_s", (System.nanoTime() - start) / 1e9);
                    return new Lake(f.root(), f.records(), facts);
                },
                warmUps);
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
        lake = source.call();
        return lake.inputFacts();
    }

    @Override
    public Map<String, String> parameters(String measurement, int parallelism, Path runDir) {
        Map<String, String> p = VerifyJobMeasurement.parameters(parallelism, lake.root(), runDir);
        if (warmUps > 0) {
            p.put(io.decisionledger.bench.MeasurementMain.WARM_UPS, String.valueOf(warmUps));
        }
        return p;
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
