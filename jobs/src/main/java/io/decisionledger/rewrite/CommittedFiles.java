package io.decisionledger.rewrite;

import io.decisionledger.lake.LakeFiles;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The files of a dataset folder a reader should read while a partition swap may be under way: every
 * row exactly once. Between the first move of a swap's merged files into a partition and the last
 * delete of its sources ({@link PartitionRewrite#publishThenDelete}), a plain {@code *.parquet}
 * listing holds both, so every row of the partition twice. The swap's {@link SwapManifest} (its
 * commit record, in the lake's staging area from before the first move until after the last delete)
 * says which files replace which, and this class applies it to a listing: when every merged file
 * with rows is listed, the listed sources are set aside (deletes only begin once every merged file
 * is in place, so the merged files hold every row); otherwise the listed merged files are set aside
 * (no source is deleted before the last merged file is in place, so the sources hold every row).
 *
 * <p>The manifests are read before and after the listing and both are applied, so a swap that
 * commits or finishes while the folder is listed is still seen. What this cannot see is a swap that
 * commits and finishes entirely while the listing runs (its manifest appears and disappears between
 * the two reads): one partition's few renames and deletes inside one listing; the result then says
 * how many manifests it saw, and the docs (lake.md, "Reading during a compaction swap") give the
 * same recipe for DuckDB.
 */
public final class CommittedFiles {

    /** The staging areas, under the lake root, whose {@link SwapManifest}s swap lake files. */
    public static final List<String> STAGING_AREAS =
            List.of("_staging/compaction", "_staging/erasure");

    /**
     * A listing with the swaps applied.
     *
     * @param files the files to read, sorted by path
     * @param setAside listed files left out because a swap replaces them (or they replace)
     * @param swapsSeen swap manifests seen before or after the listing
     */
    public record Listing(List<FileStatus> files, List<String> setAside, int swapsSeen) {}

    private CommittedFiles() {}

    /**
     * The committed Parquet files under {@code dir} (as {@link LakeFiles#parquetFiles}), with the
     * swaps whose manifests are in {@code lakeRoot}'s staging areas applied.
     */
    public static Listing parquetFiles(Path lakeRoot, Path dir) throws IOException {
        Map<String, SwapManifest> before = manifests(lakeRoot);
        List<FileStatus> listed = listing(dir);
        Map<String, SwapManifest> seen = new LinkedHashMap<>(before);
        seen.putAll(manifests(lakeRoot));
        return apply(listed, seen.values());
    }

    /**
     * {@link LakeFiles#parquetFiles}, listed again when a file disappears between being named and
     * being looked at (a swap deleting a source): the local file system stats every name it lists.
     */
    private static List<FileStatus> listing(Path dir) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                return LakeFiles.parquetFiles(dir);
            } catch (java.io.FileNotFoundException e) {
                if (attempt == LISTING_ATTEMPTS) {
                    throw e;
                }
                try {
                    Thread.sleep(LISTING_PAUSE_MILLIS); // let the swap's deletes go by
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /** Listings of one folder (LISTING_PAUSE_MILLIS apart) before a vanishing file is an error. */
    static final int LISTING_ATTEMPTS = 250;

    static final long LISTING_PAUSE_MILLIS = 20;

    /**
     * The swap manifests in {@code lakeRoot}'s staging areas, by path; a manifest deleted while
     * being read (its swap just finished) is left out.
     */
    public static Map<String, SwapManifest> manifests(Path lakeRoot) throws IOException {
        Map<String, SwapManifest> out = new LinkedHashMap<>();
        for (String area : STAGING_AREAS) {
            Path dir = new Path(lakeRoot, area);
            collect(dir.getFileSystem(), dir, out);
        }
        return out;
    }

    /**
     * Walks {@code dir}; folders and manifests that vanish meanwhile (a swap ending) are skipped.
     */
    private static void collect(FileSystem fs, Path dir, Map<String, SwapManifest> out)
            throws IOException {
        FileStatus[] children;
        try {
            children = fs.exists(dir) ? fs.listStatus(dir) : null;
        } catch (java.io.FileNotFoundException e) {
            return;
        }
        if (children == null) {
            return;
        }
        for (FileStatus child : children) {
            String name = child.getPath().getName();
            if (child.isDir()) {
                collect(fs, child.getPath(), out);
            } else if (name.equals(SwapManifest.FILE_NAME)) {
                try {
                    out.put(
                            child.getPath().toString(),
                            PartitionRewrite.readManifest(child.getPath()));
                } catch (java.io.FileNotFoundException e) {
                    // cleaned up after its last delete: nothing of it is left to set aside
                }
            }
        }
    }

    /** {@code listed} with {@code swaps} applied (see the class comment). */
    public static Listing apply(List<FileStatus> listed, Collection<SwapManifest> swaps) {
        Set<String> present = new HashSet<>();
        for (FileStatus f : listed) {
            present.add(key(f.getPath()));
        }
        Set<String> drop = new HashSet<>();
        for (SwapManifest m : swaps) {
            boolean allMerged = true;
            for (SwapManifest.Output o : m.outputs()) {
                if (o.rows() > 0 && !present.contains(key(new Path(o.target())))) {
                    allMerged = false;
                }
            }
            if (allMerged) {
                m.sources().forEach(s -> drop.add(key(new Path(s.path()))));
            } else {
                m.outputs().forEach(o -> drop.add(key(new Path(o.target()))));
            }
        }
        List<FileStatus> files = new ArrayList<>(listed.size());
        List<String> setAside = new ArrayList<>();
        for (FileStatus f : listed) {
            if (drop.contains(key(f.getPath()))) {
                setAside.add(f.getPath().toString());
            } else {
                files.add(f);
            }
        }
        return new Listing(files, setAside, swaps.size());
    }

    /**
     * A file's identity across spellings of its URI ({@code file:/x}, {@code file:///x}, a plain
     * path): scheme, authority and path.
     */
    static String key(Path p) {
        URI u = p.toUri();
        String scheme = u.getScheme();
        if (scheme == null) {
            scheme = FileSystem.getLocalFileSystem().getUri().getScheme();
        }
        String authority = u.getAuthority() == null ? "" : u.getAuthority();
        return scheme + "://" + authority + u.getPath();
    }
}
