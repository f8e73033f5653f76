package io.decisionledger.privacy;

import io.decisionledger.schema.OpsDecisionRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.metrics.Counter;

/**
 * After {@link RecognizerMasking}: counts the records whose free text was redacted because the
 * recogniser failed (fail closed), and passes the records on to the ops sink. An operator alert on
 * {@value #METRIC_REDACTED_RECORDS} tells that the ops copy is losing its free text.
 */
public final class RecognizerOutcome
        extends RichMapFunction<Tuple2<OpsDecisionRecord, Boolean>, OpsDecisionRecord> {
    private static final long serialVersionUID = 1L;

    public static final String METRIC_REDACTED_RECORDS = "ops_records_redacted_recognizer_failed";
    public static final String METRIC_REDACTED_FIELDS = "ops_fields_redacted_recognizer_failed";

    private transient Counter records;
    private transient Counter fields;

    @Override
    public void open(OpenContext openContext) {
        records = getRuntimeContext().getMetricGroup().counter(METRIC_REDACTED_RECORDS);
        fields = getRuntimeContext().getMetricGroup().counter(METRIC_REDACTED_FIELDS);
    }

    @Override
    public OpsDecisionRecord map(Tuple2<OpsDecisionRecord, Boolean> in) {
        if (in.f1) {
            records.inc();
            fields.inc(RecognizerMasking.texts(in.f0).size());
        }
        return in.f0;
    }
}
