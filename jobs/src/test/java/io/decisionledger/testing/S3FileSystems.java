package io.decisionledger.testing;

import io.decisionledger.testkit.LocalS3Store;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.plugin.DefaultPluginManager;
import org.apache.flink.core.plugin.DirectoryBasedPluginFinder;

/**
 * Makes {@code s3://} work in a test JVM the way it works on a cluster: flink-s3-fs-hadoop loaded
 * as a plugin (its own class loader) and pointed at the local S3-compatible store. The MiniCluster
 * does not initialise plugin file systems itself, and the setting is process-wide, hence one JVM
 * per ITCase class.
 */
public final class S3FileSystems {

    private S3FileSystems() {}

    public static void initialize(LocalS3Store s3, Path stackDir) throws IOException {
        Path plugins = stackDir.resolve("flink/target/plugins");
        if (!Files.isDirectory(plugins.resolve("s3-fs-hadoop"))) {
            throw new IllegalStateException(
                    "no S3 plugin at " + plugins + "; run 'mvn -B -DskipTests install' first");
        }
        Configuration conf = new Configuration();
        conf.setString("s3.endpoint", s3.endpoint());
        conf.setString("s3.endpoint.region", "us-east-1");
        conf.setString("s3.path.style.access", "true");
        conf.setString("s3.access-key", s3.accessKey());
        conf.setString("s3.secret-key", s3.secretKey());
        FileSystem.initialize(
                conf,
                new DefaultPluginManager(
                        new DirectoryBasedPluginFinder(plugins).findPlugins(),
                        CoreOptions.getPluginParentFirstLoaderPatterns(conf)));
    }
}
