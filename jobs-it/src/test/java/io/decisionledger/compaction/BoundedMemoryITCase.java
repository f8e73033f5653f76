package io.decisionledger.compaction;

import static io.decisionledger.compaction.CompactedLake.fileNames;
import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.Fingerprints;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.schema.RetentionSummary;
import io.decisionledger.testing.SmallFileLake;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition several times larger than the heap of the JVM that compacts it: CompactionJob runs
 * (on its local MiniCluster) in a child JVM with {@value #HEAP_MB} MB of heap over one partition of
 * more than three times that in Parquet bytes (more again decoded), then retention deletes most of
 * it and rewrites the rows legal holds keep. Both are checked here row for row: the compacted
 * partition holds exactly the written rows (SHA-256 of every row's every field), in the dataset's
 * order; after retention exactly the held users' rows, and summaries count the deleted ones. On the
 * old compactor, which read a partition into one heap, the child JVM runs out of memory.
 */
class BoundedMemoryITCase {

    private static final int HEAP_MB = 96;

    /**
     * The sort buffer of both runs. With 16 MiB, retention ran out of this heap once in a loaded CI
     * run (allocating a compacted file's 8 MiB row group to read it into the sort, beside the
     * merge's row groups, the sort buffer and the writer's row group: more than the operator
     * guide's sizing rule then counted); 8 MiB leaves the MiniCluster its own share.
     */
    private static final long SORT_BUFFER_BYTES = 8L * 1024 * 1024;

    private static final String TENANT = "bank_456";
    private static final LocalDate DAY = LocalDate.of(2025, 1, 15);
    private static final int USERS = 40;
    private static final int HELD_USERS = 24;
    private static final int FILES = 40;
    private static final int PROMPT_CHARS = 5000;

    @TempDir Path work;

    @Test
    void aPartitionThreeTimesTheHeapIsCompactedAndRetainedRowForRow() throws Exception {
        // given one partition of unsorted part files, > 3x the child's heap in bytes
        Path lakeDir = work.resolve("lake");
        LakeLayout lake = LakeLayout.at(lakeDir.toUri().toString());
        Path dir = lakeDir.resolve("audit/decisions/tenant_id=" + TENANT + "/event_date=" + DAY);
        long target = 3L * HEAP_MB * 1024 * 1024;
        Fingerprints fingerprints = new Fingerprints(Dataset.AUDIT);
        List<byte[]> all = new ArrayList<>();
        List<byte[]> held = new ArrayList<>();
        long written = writePartition(dir, template(), target, fingerprints, all, held);
        assertThat(written).isGreaterThan(target);

        // when CompactionJob compacts it in a JVM with that heap
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        runChild(
                "compact",
                "--lake",
                lake.root(),
                "--datasets",
                "audit",
                "--retention",
                "false",
                "--run-id",
                "big1",
                "--as-of",
                today,
                "--sort-buffer-bytes",
                String.valueOf(SORT_BUFFER_BYTES),
                "--parquet-row-group-bytes",
                String.valueOf(8 * 1024 * 1024));

        // then the partition is compacted files only, holding exactly the rows written, in order
        assertThat(fileNames(dir)).isNotEmpty().allMatch(n -> n.startsWith("compacted-big1-"));
        assertThat(rowsOf(dir, fingerprints)).isDeepEqualTo(sorted(all));

        // when retention runs on it in the same heap, with holds on most users
        Path policy = work.resolve("policy.json");
        Files.writeString(policy, "{\"version\": \"t1\", \"default\": \"P6M\"}");
        Path holds = work.resolve("holds.json");
        StringBuilder json = new StringBuilder("{\"holds\": [");
        for (int u = 0; u < HELD_USERS; u++) {
            json.append(u == 0 ? "" : ",")
                    .append("{\"id\": \"LH-")
                    .append(u)
                    .append("\", \"tenant_id\": \"")
                    .append(TENANT)
                    .append("\", \"user_id\": \"")
                    .append(user(u))
                    .append("\", \"reason\": \"inquiry\", \"placed_by\": \"legal\"}");
        }
        Files.writeString(holds, json.append("]}").toString());
        runChild(
                "retain",
                "--lake",
                lake.root(),
                "--datasets",
                "audit",
                "--run-id",
                "big2",
                "--as-of",
                today,
                "--retention-policy",
                policy.toString(),
                "--legal-holds",
                holds.toString(),
                "--sort-buffer-bytes",
                String.valueOf(SORT_BUFFER_BYTES),
                "--parquet-row-group-bytes",
                String.valueOf(8 * 1024 * 1024));

        // then exactly the held users' rows are left, and the summaries count the others
        assertThat(fileNames(dir)).isNotEmpty().allMatch(n -> n.startsWith("compacted-big2-"));
        assertThat(rowsOf(dir, fingerprints)).isDeepEqualTo(sorted(held));
        long summarised = 0;
        for (FileStatus f :
                LakeFiles.parquetFiles(
                        new org.apache.flink.core.fs.Path(
                                lakeDir.resolve(LakeLayout.RETENTION_SUMMARIES).toUri()))) {
            List<RetentionSummary> s = new ArrayList<>();
            LakeFiles.forEachRecord(f, RetentionSummary.class, s::add);
            summarised += s.stream().mapToLong(RetentionSummary::getRecords).sum();
        }
        assertThat(summarised).isEqualTo(all.size() - held.size());
    }

    /** A real decision (parsed, as ingest writes it) to vary. */
    private DecisionRecord template() throws IOException {
        Path scratch = work.resolve("scratch");
        SmallFileLake.write(LakeLayout.at(scratch.toUri().toString()), 5, List.of(DAY), 5, 0, 1);
        List<DecisionRecord> out = new ArrayList<>();
        for (FileStatus f :
                LakeFiles.parquetFiles(
                        new org.apache.flink.core.fs.Path(
                                scratch.resolve("audit/decisions").toUri()))) {
            LakeFiles.forEachRecord(f, DecisionRecord.class, out::add);
        }
        return out.get(0);
    }

    /**
     * Writes {@value #FILES} part files of rows in random order, each with a 5,000-character
     * prompt, until {@code bytes} are written; returns the bytes written.
     */
    private static long writePartition(
            Path dir,
            DecisionRecord template,
            long bytes,
            Fingerprints fingerprints,
            List<byte[]> all,
            List<byte[]> held)
            throws IOException {
        Random random = new Random(42);
        long written = 0;
        long seq = 0;
        long startMillis = DAY.atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        byte[] hash = new byte[32];
        for (int f = 0; written <= bytes; f++) {
            List<SpecificRecordBase> rows = new ArrayList<>();
            long fileBytes = 0;
            while (fileBytes < bytes / FILES) {
                DecisionRecord r = DecisionRecord.newBuilder(template).build();
                int u = random.nextInt(USERS);
                r.setTenantId(TENANT);
                r.setUserId(user(u));
                r.setEventId(new UUID(random.nextLong(), random.nextLong()).toString());
                r.setEventTime(
                        java.time.Instant.ofEpochMilli(
                                startMillis + random.nextInt(24 * 3600 * 1000)));
                r.setPrompt(text(random, PROMPT_CHARS));
                r.setChainShard(0);
                r.setChainSeq(++seq);
                random.nextBytes(hash);
                r.setPrevHash(HexFormat.of().formatHex(hash));
                random.nextBytes(hash);
                r.setHash(HexFormat.of().formatHex(hash));
                byte[] print = fingerprints.of(r);
                all.add(print);
                if (u < HELD_USERS) {
                    held.add(print);
                }
                rows.add(r);
                fileBytes += PROMPT_CHARS + 600;
            }
            Path file = dir.resolve("part-" + f + "-0.parquet");
            LakeFiles.writeParquet(new org.apache.flink.core.fs.Path(file.toUri()), rows);
            written += Files.size(file);
        }
        return written;
    }

    private static String user(int u) {
        return String.format("user-%02d", u);
    }

    private static String text(Random random, int chars) {
        byte[] b = new byte[chars];
        for (int i = 0; i < chars; i++) {
            int c = random.nextInt(27);
            b[i] = (byte) (c == 26 ? ' ' : 'a' + c);
        }
        return new String(b, StandardCharsets.US_ASCII);
    }

    /**
     * The sorted fingerprints of the partition's rows, read file by file (names in order); checks
     * on the way that the rows are in the dataset's order across the files.
     */
    private static byte[][] rowsOf(Path dir, Fingerprints fingerprints) throws IOException {
        List<byte[]> prints = new ArrayList<>();
        SpecificRecordBase[] last = {null};
        long[] outOfOrder = {0};
        for (String name : fileNames(dir)) {
            org.apache.flink.core.fs.Path p =
                    new org.apache.flink.core.fs.Path(dir.resolve(name).toUri());
            LakeFiles.forEachRecord(
                    p.getFileSystem().getFileStatus(p),
                    DecisionRecord.class,
                    r -> {
                        try {
                            prints.add(fingerprints.of(r));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                        if (last[0] != null && Dataset.AUDIT.order().compare(last[0], r) > 0) {
                            outOfOrder[0]++;
                        }
                        last[0] = DecisionRecord.newBuilder(r).setPrompt("").build();
                    });
        }
        assertThat(outOfOrder[0]).as("rows out of order").isZero();
        return sorted(prints);
    }

    private static byte[][] sorted(List<byte[]> prints) {
        byte[][] a = prints.toArray(new byte[0][]);
        Arrays.sort(a, Arrays::compare);
        return a;
    }

    /** Runs CompactionJob in a child JVM with {@value #HEAP_MB} MB of heap; fails unless exit 0. */
    private void runChild(String name, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx" + HEAP_MB + "m");
        command.add("-XX:MaxDirectMemorySize=512m");
        command.add("-Djava.io.tmpdir=" + Files.createDirectories(work.resolve("tmp-" + name)));
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(CompactionJob.class.getName());
        command.addAll(List.of(args));
        File log = work.resolve(name + ".log").toFile();
        Process child =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log).start();
        if (!child.waitFor(15, TimeUnit.MINUTES)) {
            child.destroyForcibly();
        }
        String out = Files.readString(log.toPath());
        assertThat(child.exitValue())
                .as("%s in %d MB of heap:%n%s", name, HEAP_MB, tail(out))
                .isZero();
        assertThat(out).doesNotContain("OutOfMemoryError");
    }

    private static String tail(String out) {
        return out.length() <= 6000 ? out : out.substring(out.length() - 6000);
    }
}
