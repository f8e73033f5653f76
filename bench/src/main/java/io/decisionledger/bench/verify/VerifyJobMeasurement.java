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
        Path report = Parameters.path(p, "report");
        VerifyJob.Options options =
                VerifyJob.Options.parse(
                        new String[] {
                            "--lake", Parameters.path(p, "lake").toUri().toString(),
                            "--report", report.toString()
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
        counted.put("chains", r.chains());
        counted.put("clean", r.clean());
        counted.put("violations", r.violationCount());
        return counted;
    }
}
