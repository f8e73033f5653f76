package io.decisionledger.bench.ingest;

import java.nio.file.Path;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The local Flink every ingest measurement runs on, the job and its baseline alike: an embedded
 * MiniCluster with one slot per parallel subtask, checkpoints on the local file system (as a
 * cluster would write them to its checkpoint storage), RocksDB with incremental checkpoints as in
 * production, no restarts (a failure must fail the measurement, not repeat work that would then be
 * counted). Batch jobs (compaction, verification, a metrics rebuild) get the same cluster without
 * checkpoints ({@link #batchEnvironment}).
 */
public final class LocalFlink {

    private LocalFlink() {}

    public static StreamExecutionEnvironment environment(
            int parallelism, Path checkpointDir, java.time.Duration checkpointInterval) {
        Configuration conf = new Configuration();
        // parquet-hadoop caches codecs in statics that hold the first job's class loader.
        conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.set(CheckpointingOptions.CHECKPOINT_STORAGE, "filesystem");
        conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpointDir.toUri().toString());
        // As deploy/flink/config.yaml runs production: RocksDB with incremental checkpoints and
        // bloom filters. The heap backend would re-serialize all de-duplication state at every
        // checkpoint, a cost that grows with the run and says nothing about a real deployment.
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.setString("state.backend.rocksdb.use-bloom-filter", "true");
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        env.enableCheckpointing(checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        return env;
    }

    /** The same local cluster for a bounded job in batch mode: no checkpoints, no restarts. */
    public static StreamExecutionEnvironment batchEnvironment(int parallelism) {
        Configuration conf = new Configuration();
        conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        env.setRuntimeMode(org.apache.flink.api.common.RuntimeExecutionMode.BATCH);
        return env;
    }
}
