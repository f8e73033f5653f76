package io.decisionledger.compaction;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.retention.RetentionTask;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.PartitionTask;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The typed work and results survive Flink's serializers as they travel from the client to the
 * tasks and back: every field, lists built with {@code List.of} and {@code toList()} included.
 */
class PartitionWorkTest {

    private static final PartitionTask.FileRef A = new PartitionTask.FileRef("file:/l/a", 10);
    private static final PartitionTask.FileRef B = new PartitionTask.FileRef("file:/l/b", 32);

    @Test
    void aPartitionToMergeAndOneToDeleteArriveUnchanged() throws IOException {
        PartitionWork compact =
                new PartitionWork.Compact(
                        new PartitionTask(
                                Dataset.OPS,
                                "tenant_id=t/event_date=2026-03-01",
                                "file:/l/ops/decisions/tenant_id=t/event_date=2026-03-01",
                                "file:/l/_staging/compaction/r/ops/tenant_id=t",
                                "r",
                                new ArrayList<>(List.of(A, B)),
                                List.of("file:/l/.part-0.inprogress")));
        PartitionWork retain =
                new PartitionWork.Retain(
                        new RetentionTask(
                                null,
                                "2018-05-10",
                                List.of(
                                        new RetentionTask.Part(
                                                Dataset.QUARANTINE,
                                                "ingest_date=2018-05-10",
                                                "file:/l/quarantine/ingest_date=2018-05-10",
                                                java.util.stream.Stream.of(A).toList())),
                                "file:/l/_staging/compaction/r/retention/ingest_date=2018-05-10",
                                "r"));

        PartitionWork slice =
                new PartitionWork.CompactSlice(
                        ((PartitionWork.Compact) compact).task(),
                        new io.decisionledger.rewrite.PartitionSlice(1, 3, "k-1", "k-2"));

        assertThat(roundTrip(PartitionWork.TYPE, compact)).isEqualTo(compact);
        assertThat(roundTrip(PartitionWork.TYPE, retain)).isEqualTo(retain);
        assertThat(roundTrip(PartitionWork.TYPE, slice)).isEqualTo(slice);
        assertThat(slice.sourceBytes()).isEqualTo(42);
        assertThat(compact.sourceBytes()).isEqualTo(42);
        assertThat(retain.sourceBytes()).isEqualTo(10);
    }

    @Test
    void aResultWithItsOutcomeArrivesUnchanged() throws IOException {
        PartitionResult result =
                new PartitionResult(
                        Dataset.AUDIT,
                        "tenant_id=t/event_date=2018-05-10",
                        PartitionResult.Outcome.DELETED,
                        3,
                        300,
                        1,
                        90,
                        0,
                        0,
                        12,
                        40,
                        2);

        assertThat(roundTrip(TypeInformation.of(PartitionResult.class), result)).isEqualTo(result);
    }

    private static <T> T roundTrip(TypeInformation<T> type, T value) throws IOException {
        TypeSerializer<T> serializer = type.createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(256);
        serializer.serialize(value, out);
        return serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
    }
}
