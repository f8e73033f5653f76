package io.decisionledger.compaction;

import io.decisionledger.retention.RetentionTask;
import io.decisionledger.rewrite.PartitionTask;
import java.io.Serializable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * One unit of a compaction run's work, as the client planned it and a Flink task carries it out: a
 * partition to merge ({@link Compact}) or a partition past retention to delete ({@link Retain}).
 * The job's input is a bounded stream of these, spread over the slots; each becomes one {@link
 * io.decisionledger.rewrite.PartitionResult}.
 */
public sealed interface PartitionWork extends Serializable {

    /** How the work travels between Flink tasks (Kryo: a sealed type is no POJO). */
    TypeInformation<PartitionWork> TYPE = TypeInformation.of(PartitionWork.class);

    /** Bytes of the planned source files: the bigger, the earlier it should start. */
    long sourceBytes();

    /** A closed partition whose small files are merged ({@link PartitionCompactor}). */
    record Compact(PartitionTask task) implements PartitionWork {
        @Override
        public long sourceBytes() {
            return task.sourceBytes();
        }
    }

    /**
     * A partition past retention, deleted after its summaries are written, keeping held rows
     * ({@link io.decisionledger.retention.PartitionRetainer}).
     */
    record Retain(RetentionTask task) implements PartitionWork {
        @Override
        public long sourceBytes() {
            return task.sourceBytes();
        }
    }
}
