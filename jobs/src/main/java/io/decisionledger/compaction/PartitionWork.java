package io.decisionledger.compaction;

import io.decisionledger.retention.RetentionTask;
import io.decisionledger.rewrite.PartitionSlice;
import io.decisionledger.rewrite.PartitionTask;
import java.io.Serializable;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * One unit of a compaction run's work, as the client planned it and a Flink task carries it out: a
 * partition to merge ({@link Compact}), one slice of a hot partition split across subtasks ({@link
 * CompactSlice}) or a partition past retention to delete ({@link Retain}). The job's input is a
 * bounded stream of these, spread over the slots; each becomes one {@link
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
     * One slice of a hot partition whose merge is split across subtasks ({@link
     * PartitionCompactor#stageSlice}): the task stages the rows in the slice's key range; the
     * client publishes the partition once every slice is staged ({@link
     * PartitionCompactor#commitSlices}). Each slice reads every source file, so its size is the
     * partition's.
     */
    record CompactSlice(PartitionTask task, PartitionSlice slice) implements PartitionWork {
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
