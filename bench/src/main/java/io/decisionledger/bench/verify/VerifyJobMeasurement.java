package io.decisionledger.bench.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.decisionledger.bench.Measurement;
import io.decisionledger.bench.MeasurementMain;
import io.decisionledger.bench.Parameters;
import io.decisionledger.bench.ingest.LocalFlink;
import io.decisionledger.bench.lake.LakeFolders;
import io.decisionledger.verify.VerifyJob;
import io.decisionledger.verify.VerifyReport;
import io.decisionledger.verify.VerifyRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The candidate: the real {@link VerifyJob} ({@code --lake … --report …}) on a local batch cluster:
 * every record read and re-hashed (content hash and chain hash), chains sorted and walked, event
 * ids counted, heads compared.
 */
public final class VerifyJobMeasurement implements Measurement {

    public static final String NAME = "verify-job";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        return verify(p);
    }

    @Override
    public void warmUp(Map<String, String> p, int round) throws Exception {
        verify(warmUpParameters(p, round));
    }

    /**
     * The parameters of warm-up {@code round}: its own report, and its own fresh copy of the state
     * where the measured run starts from one (a run writes the next state into its folder), so the
     * measured run's input is untouched and every warm-up does the same work.
     */
    static Map<String, String> warmUpParameters(Map<String, String> p, int round) {
        Map<String, String> w = new LinkedHashMap<>(p);
        Path report = Parameters.path(p, "report");
        w.put("report", report.resolveSibling("warm-up-" + round + "-" + REPORT).toString());
        if (p.containsKey("state")) {
            Path copy = report.resolveSibling("warm-up-" + round + "-state");
            LakeFolders.copy(Parameters.path(p, "state"), copy);
            w.put("state", copy.toString());
        }
        return w;
    }

    /**
     * Runs VerifyJob on the run's {@code lake} with {@code --report} and {@code extraArgs} (the
     * incremental measurement adds its {@code --state}), writes the report, and returns what it
     * read and found.
     */
    static Map<String, Object> verify(Map<String, String> p, String... extraArgs) throws Exception {
        Path report = Parameters.path(p, "report");
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--lake",
                                Parameters.path(p, "lake").toUri().toString(),
                                "--report",
                                report.toString()));
        args.addAll(List.of(extraArgs));
        VerifyReport r =
                new VerifyRunner(VerifyJob.Options.parse(args.toArray(new String[0])))
                        .run(environment(p), System.out);
        r.writeTo(report);
        System.out.println(r.summary());
        Map<String, Object> counted = new LinkedHashMap<>();
        counted.put("records_read", r.records());
        counted.put("files_read", r.files());
        counted.put("chains", r.chains());
        counted.put("files_skipped", r.state() == null ? 0 : r.state().filesSkipped());
        counted.put("mode", r.state() == null ? "none" : r.state().mode());
        counted.put("clean", r.clean());
        counted.put("violations", r.violationCount());
        return counted;
    }

    /**
     * A fresh local cluster per run for a cold measurement; for a warm one ({@code warm-ups} > 0)
     * the JVM's session cluster, which its warm-ups started, as a nightly run finds a long-lived
     * cluster running.
     */
    private static StreamExecutionEnvironment environment(Map<String, String> p) throws Exception {
        int parallelism = Parameters.integer(p, "parallelism");
        return MeasurementMain.warmUps(p) > 0
                ? LocalFlink.sessionBatchEnvironment(parallelism)
                : LocalFlink.batchEnvironment(parallelism);
    }

    /** Whether the run wrote its report into {@code report} and found the lake CLEAN. */
    static boolean reportIsClean(Path report) throws java.io.IOException {
        return Files.exists(report)
                && "CLEAN"
                        .equals(
                                new ObjectMapper()
                                        .readTree(report.toFile())
                                        .path("result")
                                        .asText());
    }

    /** The parameters of a verify run: parallelism, lake, and the report in the run folder. */
    static Map<String, String> parameters(int parallelism, Path lake, Path runDir) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("parallelism", String.valueOf(parallelism));
        p.put("lake", lake.toString());
        p.put("report", runDir.resolve(REPORT).toString());
        return p;
    }

    /** The report file's name in the run folder. */
    static final String REPORT = "verify-report.json";
}
