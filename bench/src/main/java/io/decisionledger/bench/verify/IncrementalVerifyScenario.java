package io.decisionledger.bench.verify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.bench.MeasurementMain;
import io.decisionledger.bench.Scenario;
import io.decisionledger.bench.lake.LakeFolders;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Incremental verification: a lake of 30 days plus day 31 ({@link DailyLake}), and the verify state
 * a clean run left after day 30. The candidate is {@code VerifyJob --incremental} reading day 31
 * only; the baseline is the full {@code VerifyJob} over all 31 days. Both are credited with the
 * whole lake's records, so {@code events_per_cpu_s_ratio} is the full run's CPU-seconds over the
 * incremental run's (goal ≈ 30: the nightly cost follows the day's volume, not the lake's age). The
 * variant {@code verify-incremental-nothing-new} starts from a state that already covers day 31:
 * the fixed part of an incremental run (cluster, listing, footers, heads).
 *
 * <p>Warm ({@code --verify-warm-ups N}, N > 0): every measurement first runs its verification N
 * times untimed in the same JVM (each on its own copy of the state) and is charged only the
 * measured run's CPU: what a nightly run costs on a long-lived Flink cluster, where the JVM start,
 * class loading and JIT of the job's code were paid by earlier runs. Cold (0, the default) charges
 * the whole fresh JVM.
 */
public final class IncrementalVerifyScenario implements Scenario {

    public static final String NAME = "incremental-verify";

    private final Path cache;
    private final DailyLake.Shape shape;
    private final int warmUps;
    private DailyLake.Facts lake;
    private Path coveredState;

    public IncrementalVerifyScenario(Path cache, DailyLake.Shape shape, int warmUps) {
        this.cache = cache;
        this.shape = shape;
        this.warmUps = warmUps;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String candidate() {
        return IncrementalVerifyMeasurement.NAME;
    }

    @Override
    public String baseline() {
        return VerifyJobMeasurement.NAME;
    }

    @Override
    public List<String> variants() {
        return List.of(IncrementalVerifyMeasurement.NOTHING_NEW);
    }

    @Override
    public Map<String, Object> prepare(Path workDir) throws Exception {
        long start = System.nanoTime();
        lake = DailyLake.ensure(cache, shape);
        Files.createDirectories(workDir);
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("events", lake.records());
        facts.put("bytes", lake.bytes());
        facts.put("days", shape.days());
        facts.put("tenants", shape.tenants());
        facts.put("last_day_records", lake.lastDayRecords());
        facts.put("produce_s", (System.nanoTime() - start) / 1e9);
        return facts;
    }

    @Override
    public Map<String, String> parameters(String measurement, int parallelism, Path runDir) {
        Map<String, String> p = VerifyJobMeasurement.parameters(parallelism, lake.root(), runDir);
        if (warmUps > 0) {
            p.put(MeasurementMain.WARM_UPS, String.valueOf(warmUps));
        }
        if (!measurement.equals(baseline())) {
            Path state = runDir.resolve("state");
            LakeFolders.copy(
                    measurement.equals(IncrementalVerifyMeasurement.NOTHING_NEW)
                            ? covered(runDir)
                            : lake.state(),
                    state);
            p.put("state", state.toString());
        }
        return p;
    }

    /** A state covering day 31 too: the one the candidate's first run wrote, else made here. */
    private Path covered(Path runDir) {
        if (coveredState == null) {
            throw new IllegalStateException("the nothing-new variant runs after the candidate");
        }
        return coveredState;
    }

    @Override
    public Map<String, Object> inspect(String measurement, Path runDir) throws Exception {
        JsonNode result = new ObjectMapper().readTree(runDir.resolve("result.json").toFile());
        long read = result.path("records_read").asLong(-1);
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("rows_out", read);
        long expected =
                switch (measurement) {
                    case IncrementalVerifyMeasurement.NAME -> lake.lastDayRecords();
                    case IncrementalVerifyMeasurement.NOTHING_NEW -> 0;
                    default -> lake.records();
                };
        boolean ok =
                read == expected
                        && VerifyJobMeasurement.reportIsClean(
                                runDir.resolve(VerifyJobMeasurement.REPORT));
        if (measurement.equals(candidate()) && ok) {
            // the state the candidate wrote covers day 31: the nothing-new variant starts there
            coveredState = runDir.resolve("state");
        }
        facts.put("output_ok", ok);
        return facts;
    }

    @Override
    public void close() {}
}
