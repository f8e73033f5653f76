package io.decisionledger.bench.verify;

import io.decisionledger.bench.Measurement;
import io.decisionledger.bench.Parameters;
import io.decisionledger.verify.VerifyJob;
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
        return VerifyJobMeasurement.verify(
                p, "--state", Parameters.path(p, "state").toUri().toString());
    }

    @Override
    public void warmUp(Map<String, String> p, int round) throws Exception {
        run(VerifyJobMeasurement.warmUpParameters(p, round));
    }
}
