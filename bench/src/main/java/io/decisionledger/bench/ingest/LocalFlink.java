package io.decisionledger.bench.ingest;

import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.flink.api.common.RuntimeExecutionMode;
import org.apache.flink.client.deployment.executors.PipelineExecutorUtils;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.runtime.minicluster.MiniClusterJobClient;
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

    /** Managed memory per slot, as a production TaskManager has it (deploy/flink/config.yaml). */
    static final int MANAGED_MEBIBYTES_PER_SLOT = 640;

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
        // RocksDB's memory (write buffers and block cache) is the slots' managed memory: a local
        // environment gives its TaskManager 128 MB in all, a production TaskManager (4 GB, 2
        // slots, managed fraction 0.4) about 650 MB per slot. With 64 MB per slot, RocksDB's
        // background flushes and compactions cost the metrics branch 23.6 µs per event over the
        // job without it; 7.1 µs with 640 MB (1 M events, one run each).
        conf.set(
                TaskManagerOptions.MANAGED_MEMORY_SIZE,
                MemorySize.ofMebiBytes(MANAGED_MEBIBYTES_PER_SLOT * parallelism));
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(parallelism, conf);
        env.enableCheckpointing(checkpointInterval.toMillis(), CheckpointingMode.EXACTLY_ONCE);
        return env;
    }

    /** The same local cluster for a bounded job in batch mode: no checkpoints, no restarts. */
    public static StreamExecutionEnvironment batchEnvironment(int parallelism) {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.createLocalEnvironment(
                        parallelism, batchConfiguration(parallelism));
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        return env;
    }

    private static Configuration batchConfiguration(int parallelism) {
        Configuration conf = new Configuration();
        conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        return conf;
    }

    /** The session cluster of this JVM ({@link #sessionBatchEnvironment}); null until first use. */
    private static MiniCluster session;

    private static final String SESSION_TARGET = "bench-session-cluster";

    /**
     * As {@link #batchEnvironment}, but every job of this JVM goes to one local cluster that is
     * started on first use and kept running, as jobs reach a long-lived session cluster: a warm
     * measurement's runs after the first pay job submission and scheduling, not the start and stop
     * of a cluster (its actor system, configuration parsing and services, which {@link
     * #batchEnvironment} repeats for every job).
     */
    public static synchronized StreamExecutionEnvironment sessionBatchEnvironment(int parallelism)
            throws Exception {
        Configuration conf = batchConfiguration(parallelism);
        if (session == null) {
            MiniCluster cluster =
                    new MiniCluster(
                            new MiniClusterConfiguration.Builder()
                                    .setConfiguration(conf)
                                    .setNumTaskManagers(1)
                                    .setNumSlotsPerTaskManager(parallelism)
                                    .build());
            cluster.start();
            session = cluster;
        } else if (session.getConfiguration().get(TaskManagerOptions.NUM_TASK_SLOTS)
                != parallelism) {
            throw new IllegalStateException(
                    "this JVM's session cluster has "
                            + session.getConfiguration().get(TaskManagerOptions.NUM_TASK_SLOTS)
                            + " slots, not "
                            + parallelism);
        }
        MiniCluster cluster = session;
        PipelineExecutor executor =
                (pipeline, configuration, userCodeClassLoader) ->
                        cluster.submitJob(
                                        PipelineExecutorUtils.getStreamGraph(
                                                pipeline, configuration))
                                .thenApply(
                                        submitted ->
                                                new MiniClusterJobClient(
                                                        submitted.getJobID(),
                                                        cluster,
                                                        userCodeClassLoader,
                                                        MiniClusterJobClient.JobFinalizationBehavior
                                                                .NOTHING));
        PipelineExecutorFactory factory =
                new PipelineExecutorFactory() {
                    @Override
                    public String getName() {
                        return SESSION_TARGET;
                    }

                    @Override
                    public boolean isCompatibleWith(Configuration configuration) {
                        return true;
                    }

                    @Override
                    public PipelineExecutor getExecutor(Configuration configuration) {
                        return executor;
                    }
                };
        PipelineExecutorServiceLoader loader =
                new PipelineExecutorServiceLoader() {
                    @Override
                    public PipelineExecutorFactory getExecutorFactory(Configuration c) {
                        return factory;
                    }

                    @Override
                    public Stream<String> getExecutorNames() {
                        return Stream.of(SESSION_TARGET);
                    }
                };
        conf.set(DeploymentOptions.TARGET, SESSION_TARGET);
        StreamExecutionEnvironment env =
                new StreamExecutionEnvironment(
                        loader, conf, Thread.currentThread().getContextClassLoader());
        env.setParallelism(parallelism);
        env.setRuntimeMode(RuntimeExecutionMode.BATCH);
        return env;
    }
}
