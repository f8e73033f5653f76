package io.decisionledger.rewrite;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The listing a reader gets while a swap is under way: each row once, whatever step the swap is at,
 * decided by the swap's manifest alone (file names only here; SwapWindowITCase reads rows).
 */
class CommittedFilesTest {

    private static final String PARTITION = "tenant_id=t1/event_date=2026-03-10";

    @TempDir Path lake;

    private Path dir;
    private org.apache.flink.core.fs.Path root;

    @BeforeEach
    void partition() throws Exception {
        dir = Files.createDirectories(lake.resolve("audit/decisions/" + PARTITION));
        root = new org.apache.flink.core.fs.Path(lake.toUri());
    }

    @Test
    void withoutASwapEveryListedFileIsRead() throws Exception {
        touch("part-1.parquet", "part-2.parquet", "compacted-old-0.parquet");

        CommittedFiles.Listing listing = list();

        assertThat(names(listing))
                .containsExactly("compacted-old-0.parquet", "part-1.parquet", "part-2.parquet");
        assertThat(listing.setAside()).isEmpty();
        assertThat(listing.swapsSeen()).isZero();
    }

    @Test
    void mergedFilesNotAllInPlaceAreSetAsideAndTheSourcesRead() throws Exception {
        // merged file 0 moved in, merged file 1 not yet; a late file arrived meanwhile
        touch("part-1.parquet", "part-2.parquet", "compacted-r1-0.parquet", "part-late.parquet");
        manifest();

        assertThat(names(list()))
                .containsExactly("part-1.parquet", "part-2.parquet", "part-late.parquet");
    }

    @Test
    void allMergedFilesInPlaceSetTheRemainingSourcesAside() throws Exception {
        // every merged file with rows in place (the empty one never is), one source deleted
        touch("part-2.parquet", "compacted-r1-0.parquet", "compacted-r1-1.parquet");
        touch("part-late.parquet");
        manifest();

        CommittedFiles.Listing listing = list();

        assertThat(names(listing))
                .containsExactly(
                        "compacted-r1-0.parquet", "compacted-r1-1.parquet", "part-late.parquet");
        assertThat(listing.setAside()).hasSize(1).allMatch(f -> f.endsWith("/part-2.parquet"));
        assertThat(listing.swapsSeen()).isEqualTo(1);
    }

    @Test
    void aFileIsTheSameFileWhateverTheSpellingOfItsUri() {
        Path f = dir.resolve("part-1.parquet");
        assertThat(CommittedFiles.key(new org.apache.flink.core.fs.Path(f.toUri())))
                .isEqualTo(CommittedFiles.key(new org.apache.flink.core.fs.Path("file://" + f)))
                .isEqualTo(CommittedFiles.key(new org.apache.flink.core.fs.Path(f.toString())));
    }

    private void manifest() throws Exception {
        String at = dir.toUri().toString();
        SwapManifest m =
                new SwapManifest(
                        "r1",
                        Dataset.AUDIT,
                        PARTITION,
                        List.of(
                                new PartitionTask.FileRef(at + "part-1.parquet", 10),
                                new PartitionTask.FileRef(at + "part-2.parquet", 10)),
                        List.of(
                                new SwapManifest.Output(
                                        "file:/staged/0", at + "compacted-r1-0.parquet", 5, 12),
                                new SwapManifest.Output(
                                        "file:/staged/1", at + "compacted-r1-1.parquet", 5, 8),
                                new SwapManifest.Output(
                                        "file:/staged/2", at + "compacted-r1-2.parquet", 5, 0)),
                        20);
        Path staging =
                Files.createDirectories(lake.resolve("_staging/compaction/r1/audit/" + PARTITION));
        PartitionRewrite.writeManifest(
                m,
                new org.apache.flink.core.fs.Path(staging.resolve(SwapManifest.FILE_NAME).toUri()));
    }

    private CommittedFiles.Listing list() throws Exception {
        return CommittedFiles.parquetFiles(
                root, new org.apache.flink.core.fs.Path(lake.resolve("audit/decisions").toUri()));
    }

    private void touch(String... names) throws Exception {
        for (String n : names) {
            Files.writeString(dir.resolve(n), n);
        }
    }

    private static List<String> names(CommittedFiles.Listing listing) {
        return listing.files().stream().map(FileStatus::getPath).map(p -> p.getName()).toList();
    }
}
