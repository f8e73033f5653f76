package io.decisionledger.bench.verify;

import io.decisionledger.bench.Measurement;
import io.decisionledger.bench.Parameters;
import io.decisionledger.bench.ingest.LocalFlink;
import io.decisionledger.verify.VerifyJob;
import io.decisionledger.verify.VerifyReport;
import io.decisionledger.verify.VerifyRunner;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The real {@link VerifyJob} with {@code --incremental --state …}: starts from the verify state the
 * scenario prepared (a copy in the run folder), reads the footers of the covered files and only the
 * files no state covers, walks each chain on from its recorded position, and writes the next state.
 * {@link #NAME} runs it on the day that arrived since; {@link #NOTHING_NEW} from a state that
 * already covers everything, which prices the fixed part (listing, footers, heads, the cluster).
 */
public final class IncrementalVerifyMeasurement implements Measurement {

    public static final String NAME = "verify-incremental";
    public static final String NOTHING_NEW = "verify-incremental-nothing-new";

    private final String name;

    public IncrementalVerifyMeasurement(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Map<String, Object> run(Map<String, String> p) throws Exception {
        Path report = Parameters.path(p, "report");
        VerifyJob.Options options =
                VerifyJob.Options.parse(
                        new String[] {
                            "--lake", Parameters.path(p, "lake").toUri().toString(),
                            "--report", report.toString(),
                            "--state", Parameters.path(p, "state").toUri().toString()
                        });
        VerifyReport r =
                new VerifyRunner(options)
                        .run(
                                LocalFlink.batchEnvironment(Parameters.integer(p, "parallelism")),
                                System.out);
        r.writeTo(report);
        System.out.println(r.summary());
        Map<String, Object> counted = new LinkedHashMap<>();
        counted.put("records_read", r.records());
        counted.put("files_read", r.files());
        counted.put("files_skipped", r.state() == null ? 0 : r.state().filesSkipped());
        counted.put("mode", r.state() == null ? "none" : r.state().mode());
        counted.put("clean", r.clean());
        counted.put("violations", r.violationCount());
        return counted;
    }
}
