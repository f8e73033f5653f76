package io.decisionledger.audit;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.DecisionRecord;
import java.io.IOException;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.core.fs.FileStatus;

/**
 * Finds the registered metadata ("model card") of the model version that made a decision, in {@code
 * <lake>/models/model_versions/}, for evidence bundles. It reads the Parquet records there
 * generically and matches by column name: the card the ingest job linked the decision to ({@code
 * model_card_id} and {@code model_card_sha256} against {@code card_id} and {@code card_sha256} of
 * ModelVersionCard) first, else the decision's {@code model_metadata_id} against a {@code
 * model_metadata_id} or {@code metadata_id} column, else its {@code model_version} against {@code
 * model_version} or {@code version} (decisions stored before the registry, or cards written by
 * other tools). When nothing matches, the bundle says so ("no registered model card") rather than
 * guessing.
 */
public final class ModelCards {

    /** A matching card and its file. */
    public record Card(GenericRecord record, String file, String matchedOn) {}

    private ModelCards() {}

    public static Optional<Card> find(LakeLayout lake, DecisionRecord decision) throws IOException {
        Card byVersion = null;
        for (FileStatus f : LakeFiles.parquetFiles(lake.modelVersions())) {
            Card[] hit = {null, null};
            LakeFiles.forEachRecord(
                    f,
                    r -> {
                        if (hit[0] == null
                                && decision.getModelCardId() != null
                                && matches(r, "card_id", decision.getModelCardId())
                                && matches(r, "card_sha256", decision.getModelCardSha256())) {
                            hit[0] = new Card(r, f.getPath().toString(), "model_card_id");
                        }
                        if (hit[0] == null
                                && decision.getModelMetadataId() != null
                                && (matches(r, "model_metadata_id", decision.getModelMetadataId())
                                        || matches(
                                                r, "metadata_id", decision.getModelMetadataId()))) {
                            hit[0] = new Card(r, f.getPath().toString(), "model_metadata_id");
                        }
                        if (hit[1] == null
                                && (matches(r, "model_version", decision.getModelVersion())
                                        || matches(r, "version", decision.getModelVersion()))) {
                            hit[1] = new Card(r, f.getPath().toString(), "model_version");
                        }
                    });
            if (hit[0] != null) {
                return Optional.of(hit[0]);
            }
            if (byVersion == null) {
                byVersion = hit[1];
            }
        }
        return Optional.ofNullable(byVersion);
    }

    private static boolean matches(GenericRecord r, String column, String value) {
        Schema.Field f = r.getSchema().getField(column);
        if (f == null || value == null) {
            return false;
        }
        Object v = r.get(f.pos());
        return v != null && value.equals(v.toString());
    }
}
