package io.decisionledger.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.ParquetFormats;
import io.decisionledger.lake.ParquetSettings;
import io.decisionledger.schema.ChainHead;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.local.LocalDataOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The shaded job jar (issue 14): within its size budget, without the Hadoop components the jobs
 * never load, and still with what they do load. An ITCase because it needs the jar {@code package}
 * builds; failsafe runs it with the shaded jar first on the classpath and without the Hadoop and
 * native-codec jars behind it (see the pom), so the Parquet round trips here use only what the
 * shade filters kept.
 */
class ShadedJarITCase {

    /** Issue 14's budget: 60 MB. */
    private static final long MAX_BYTES = 60_000_000L;

    private static final Path JAR = shadedJar();

    /** Only HDFS's top-level classes stay (HdfsConfiguration among them), none of its packages. */
    private static final String HDFS = "org/apache/hadoop/hdfs/";

    @TempDir Path dir;

    @Test
    void staysWithinTheSizeBudget() throws IOException {
        assertThat(Files.size(JAR)).as("size of %s in bytes", JAR).isLessThanOrEqualTo(MAX_BYTES);
    }

    @Test
    void holdsNoHadoopComponentTheJobsDoNotLoad() throws IOException {
        Set<String> entries = entries(JAR);

        // YARN, HDFS's client, MapReduce on YARN, and the web servers and clients around them
        assertThat(entries)
                .noneMatch(e -> e.startsWith("org/apache/hadoop/yarn/"))
                .noneMatch(e -> e.startsWith(HDFS) && e.indexOf('/', HDFS.length()) > 0)
                .noneMatch(e -> e.startsWith("org/apache/hadoop/mapreduce/v2/"))
                .noneMatch(e -> e.startsWith("org/apache/hadoop/mapreduce/jobhistory/"))
                .noneMatch(e -> e.startsWith("webapps/"))
                .noneMatch(e -> e.startsWith("org/apache/hadoop/shaded/org/eclipse/jetty/"))
                .noneMatch(e -> e.startsWith("org/apache/hadoop/shaded/com/sun/jersey/"))
                .noneMatch(e -> e.startsWith("org/apache/hadoop/shaded/org/apache/curator/"))
                .noneMatch(e -> e.startsWith("org/apache/hadoop/shaded/org/apache/http/"))
                .noneMatch(e -> e.startsWith("org/apache/hadoop/shaded/com/google/common/"))
                .noneMatch(e -> e.startsWith("org/apache/hadoop/shaded/org/jline/"))
                .noneMatch(e -> e.startsWith("com/google/protobuf/"))
                .noneMatch(e -> e.startsWith("org/apache/commons/beanutils/"))
                .noneMatch(e -> e.startsWith("org/apache/commons/digester/"));
        // native codecs for other platforms than Linux and macOS on x86-64 and arm64
        assertThat(entries)
                .noneMatch(e -> e.startsWith("win/") || e.startsWith("aix/"))
                .noneMatch(e -> e.startsWith("linux/s390x/") || e.startsWith("linux/riscv64/"))
                .noneMatch(e -> e.startsWith("org/xerial/snappy/native/Windows/"));

        // but what the Parquet path, core-default.xml and Flink's Hadoop support load is there
        assertThat(entries)
                .contains(
                        "core-default.xml",
                        "org/apache/hadoop/conf/Configuration.class",
                        "org/apache/hadoop/fs/LocalFileSystem.class",
                        "org/apache/hadoop/io/compress/GzipCodec.class",
                        "org/apache/hadoop/mapred/JobConf.class",
                        "org/apache/hadoop/mapreduce/lib/output/FileOutputFormat.class",
                        "org/apache/hadoop/hdfs/HdfsConfiguration.class",
                        "org/apache/hadoop/security/UserGroupInformation.class",
                        "org/apache/hadoop/metrics2/impl/MetricsSystemImpl.class",
                        "org/apache/hadoop/shaded/com/ctc/wstx/stax/WstxInputFactory.class",
                        "org/apache/hadoop/thirdparty/com/google/common/cache/CacheBuilder.class",
                        "META-INF/services/org.apache.hadoop.fs.FileSystem",
                        "META-INF/services/org.apache.hadoop.io.compress.CompressionCodec")
                .anyMatch(e -> e.matches("linux/amd64/libzstd-jni-.*\\.so"))
                .anyMatch(e -> e.matches("linux/aarch64/libzstd-jni-.*\\.so"))
                .anyMatch(e -> e.matches("darwin/aarch64/libzstd-jni-.*\\.dylib"))
                .contains(
                        "org/xerial/snappy/native/Linux/x86_64/libsnappyjava.so",
                        "org/xerial/snappy/native/Linux/aarch64/libsnappyjava.so",
                        "org/xerial/snappy/native/Mac/aarch64/libsnappyjava.dylib");
    }

    @Test
    void holdsNoDevToolingAndStartsNoTool() throws IOException {
        assertThat(entries(JAR))
                .noneMatch(e -> e.startsWith("io/decisionledger/cli/"))
                .noneMatch(e -> e.startsWith("io/decisionledger/testkit/"))
                .noneMatch(e -> e.startsWith("io/decisionledger/audit/"))
                .contains("io/decisionledger/jobs/Jobs.class");
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(JAR.toFile())) {
            assertThat(jar.getManifest().getMainAttributes().getValue("Main-Class"))
                    .isEqualTo("io.decisionledger.jobs.Jobs");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"SNAPPY", "ZSTD", "GZIP", "LZ4_RAW", "UNCOMPRESSED"})
    void writesAndReadsParquetWithOnlyTheShadedJar(String codec) throws Exception {
        // given Hadoop, Parquet and the native codecs load from the shaded jar, nothing else
        assertThat(location(Configuration.class)).isEqualTo(JAR);
        assertThat(location(ParquetReader.class)).isEqualTo(JAR);
        assertThat(location(com.github.luben.zstd.Zstd.class)).isEqualTo(JAR);
        assertThat(location(org.xerial.snappy.Snappy.class)).isEqualTo(JAR);
        List<ChainHead> written = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            written.add(
                    ChainHead.newBuilder()
                            .setTenantId("tenant_" + (i % 7))
                            .setChainShard(i % 4)
                            .setChainSeq(i)
                            .setHash(String.format("%064x", i))
                            .setEventId("evt-" + i)
                            .setPublishedAt(Instant.parse("2026-11-27T08:00:00Z").plusMillis(i))
                            .build());
        }
        Path file = dir.resolve("part-" + codec + ".parquet");

        // when they are written the way the jobs write them
        try (LocalDataOutputStream out = new LocalDataOutputStream(file.toFile())) {
            BulkWriter<ChainHead> writer =
                    ParquetFormats.writerFor(
                                    ChainHead.class,
                                    new ParquetSettings(codec, 64 * 1024, 8 * 1024))
                            .create(out);
            for (ChainHead h : written) {
                writer.addElement(h);
            }
            writer.finish();
        }

        // then the jobs' readers read them back, compressed with that codec
        FileStatus status =
                FileSystem.getLocalFileSystem()
                        .getFileStatus(new org.apache.flink.core.fs.Path(file.toUri()));
        assertThat(LakeFiles.footer(status).getBlocks().get(0).getColumns())
                .allMatch(c -> c.getCodec() == CompressionCodecName.valueOf(codec));
        List<ChainHead> read = new ArrayList<>();
        LakeFiles.forEachRecord(status, ChainHead.class, read::add);
        assertThat(read).isEqualTo(written);
        // and so does a reader on a default Hadoop configuration (core-default.xml, class names)
        long rows = 0;
        try (ParquetReader<GenericRecord> reader =
                AvroParquetReader.<GenericRecord>builder(new LocalInputFile(file)).build()) {
            while (reader.read() != null) {
                rows++;
            }
        }
        assertThat(rows).isEqualTo(written.size());
    }

    @Test
    void hadoopsServiceLookupsStillWork() throws IOException {
        // FileSystem's registrations still name the HDFS file systems, whose classes are gone:
        // FileSystem.loadFileSystems skips those, and the local one still resolves
        Configuration conf = new Configuration();
        assertThat(org.apache.hadoop.fs.FileSystem.getLocal(conf))
                .isInstanceOf(LocalFileSystem.class);
        assertThat(org.apache.hadoop.fs.FileSystem.getFileSystemClass("file", conf).getSimpleName())
                .isEqualTo("LocalFileSystem");
        // and every codec registered with Hadoop loads
        assertThat(CompressionCodecFactory.getCodecClasses(conf))
                .extracting(Class::getSimpleName)
                .contains("GzipCodec", "SnappyCodec", "ZStandardCodec", "Lz4Codec", "BZip2Codec");
    }

    // ----------------------------------------------------------------------------------- util

    /**
     * {@code jobs/target/decision-ledger-jobs-*.jar}, as deploy/local/stack.sh finds it (this test
     * runs in the jobs-it module; the jobs module's target folder is passed in by failsafe).
     */
    private static Path shadedJar() {
        List<Path> jars = new ArrayList<>();
        Path jobsTarget =
                Path.of(System.getProperty("decisionledger.jobs.target", "../jobs/target"));
        try (DirectoryStream<Path> found =
                Files.newDirectoryStream(jobsTarget, "decision-ledger-jobs-*.jar")) {
            found.forEach(
                    jar -> {
                        if (!jar.getFileName().toString().endsWith("-tests.jar")) {
                            jars.add(jar);
                        }
                    });
        } catch (IOException e) {
            throw new IllegalStateException("no " + jobsTarget + " folder: run after package", e);
        }
        assertThat(jars).as("shaded jars in target/").hasSize(1);
        try {
            return jars.get(0).toRealPath();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> entries(Path jar) throws IOException {
        Set<String> names = new TreeSet<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            zip.stream().map(ZipEntry::getName).forEach(names::add);
        }
        return names;
    }

    private static Path location(Class<?> type) throws IOException, URISyntaxException {
        return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI())
                .toRealPath();
    }
}
