package io.decisionledger.testing;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** The MiniCluster every ITCase uses: one TaskManager with two slots (parallelism 2). */
public final class MiniClusters {

    private MiniClusters() {}

    public static MiniClusterExtension twoSlots() {
        return twoSlots(new Configuration());
    }

    public static MiniClusterExtension twoSlots(Configuration conf) {
        // parquet-hadoop caches codecs in statics that hold the first job's class loader.
        conf.set(CoreOptions.CHECK_LEAKED_CLASSLOADER, false);
        return new MiniClusterExtension(
                new MiniClusterResourceConfiguration.Builder()
                        .setNumberTaskManagers(1)
                        .setNumberSlotsPerTaskManager(2)
                        .setConfiguration(conf)
                        .build());
    }
}
