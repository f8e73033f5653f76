package io.decisionledger.compaction;

import io.decisionledger.retention.LegalHolds;
import io.decisionledger.retention.PartitionRetainer;
import io.decisionledger.retention.RetentionManifest;
import io.decisionledger.retention.RetentionPlanner;
import io.decisionledger.retention.RetentionPolicy;
import io.decisionledger.rewrite.Dataset;
import io.decisionledger.rewrite.PartitionResult;
import io.decisionledger.rewrite.PartitionResult.Outcome;
import io.decisionledger.rewrite.PartitionRewrite;
import io.decisionledger.rewrite.PartitionTask;
import io.decisionledger.rewrite.SwapManifest;
import java.io.IOException;
import java.io.PrintStream;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * Finds the work of a compaction run, on the job's client before the Flink job starts: finishes or
 * discards what crashed earlier runs left in the staging area (their merges and their retention
 * deletions), then lists the closed partitions of each dataset with the files to merge. The
 * partitions past retention are found by the {@link RetentionPlanner}. Listing is cheap next to
 * rewriting (a few LIST requests per partition); the rewrite itself is spread over the Flink tasks.
 */
public final class CompactionPlanner {

    /** The staging area, under the landing root, outside every dataset folder. */
    public static final String STAGING = "_staging/compaction";

    private final CompactionOptions options;

    public CompactionPlanner(CompactionOptions options) {
        this.options = options;
    }

    public Path stagingRoot() {
        return options.landing().resolve(STAGING);
    }

    /**
     * Rolls forward every swap an earlier run committed (a manifest in its staging folder) and
     * deletes the rest of that run's staging folder (uncommitted merged files: their sources are
     * untouched). In a dry run only reports what it would do.
     *
     * <p>An earlier attempt of this very run (the same {@code --run-id}, rerun after its job died,
     * e.g. a TaskManager killed) is recovered the same way, here on the client before anything is
     * planned: a deletion or swap whose sources were all deleted before the kill leaves no
     * partition to plan, so a task would never find its manifest, and the staging folder would stay
     * behind.
     */
    public List<PartitionResult> recoverEarlierRuns(PrintStream log) throws IOException {
        return recoverEarlierRuns(log, null);
    }

    /**
     * As {@link #recoverEarlierRuns(PrintStream)}, also finishing retention deletions an earlier
     * run committed ({@code retainer} null: none are expected).
     */
    public List<PartitionResult> recoverEarlierRuns(PrintStream log, PartitionRetainer retainer)
            throws IOException {
        List<PartitionResult> recovered = new ArrayList<>();
        Path root = stagingRoot();
        FileSystem fs = root.getFileSystem();
        if (!fs.exists(root)) {
            return recovered;
        }
        PartitionCompactor compactor =
                new PartitionCompactor(options.parquet(), options.targetFileBytes(), null);
        for (FileStatus run : list(fs, root)) {
            if (!run.isDir()) {
                continue;
            }
            List<Path> manifests = new ArrayList<>();
            findManifests(fs, run.getPath(), manifests);
            for (Path manifestFile : manifests) {
                if (manifestFile.getName().equals(RetentionManifest.FILE_NAME)) {
                    recovered.addAll(rollForwardRetention(manifestFile, retainer, log));
                    continue;
                }
                SwapManifest m = PartitionRewrite.readManifest(manifestFile);
                if (options.dryRun()) {
                    log.printf(
                            "  would finish the interrupted swap of %s %s (run %s)%n",
                            m.dataset().label(), m.partition(), m.runId());
                    continue;
                }
                long started = System.nanoTime();
                compactor.rollForward(m, manifestFile);
                PartitionResult r =
                        new PartitionResult(
                                m.dataset(),
                                m.partition(),
                                Outcome.ROLLED_FORWARD,
                                m.sources().size(),
                                m.sources().stream().mapToLong(PartitionTask.FileRef::bytes).sum(),
                                m.outputs().size(),
                                m.outputs().stream().mapToLong(SwapManifest.Output::bytes).sum(),
                                m.rows(),
                                0,
                                (System.nanoTime() - started) / 1_000_000);
                log.println(r.progressLine() + " (run " + m.runId() + ")");
                recovered.add(r);
            }
            if (options.dryRun()) {
                log.printf(
                        "  would delete the staging folder of run %s%n", run.getPath().getName());
            } else {
                fs.delete(run.getPath(), true);
            }
        }
        return recovered;
    }

    private List<PartitionResult> rollForwardRetention(
            Path manifestFile, PartitionRetainer retainer, PrintStream log) throws IOException {
        RetentionManifest m = RetentionManifest.fromJson(PartitionRewrite.readText(manifestFile));
        if (options.dryRun()) {
            log.printf(
                    "  would finish the interrupted retention deletion of %s (run %s)%n",
                    m.label(), m.runId());
            return List.of();
        }
        if (retainer == null) {
            throw new IllegalStateException(
                    "run "
                            + m.runId()
                            + " committed a retention deletion of "
                            + m.label()
                            + " that must be finished first: run with --retention true");
        }
        PartitionResult r = retainer.rollForwardEarlierRun(m, manifestFile);
        log.println(r.progressLine() + " (run " + m.runId() + ")");
        return List.of(r);
    }

    /**
     * The planner of this run's retention work: the lake of record, under the run's staging folder,
     * as of the run's date. Compaction then skips what it covers ({@link
     * #plan(RetentionPlanner.Plan)}).
     */
    public RetentionPlanner retentionPlanner(RetentionPolicy policy, LegalHolds holds) {
        return new RetentionPlanner(
                options.lake(),
                new Path(stagingRoot(), options.runId() + "/retention"),
                options.runId(),
                options.asOf(),
                policy,
                holds);
    }

    private static void findManifests(FileSystem fs, Path dir, List<Path> out) throws IOException {
        for (FileStatus child : list(fs, dir)) {
            if (child.isDir()) {
                findManifests(fs, child.getPath(), out);
            } else if (child.getPath().getName().equals(SwapManifest.FILE_NAME)
                    || child.getPath().getName().equals(RetentionManifest.FILE_NAME)) {
                out.add(child.getPath());
            }
        }
    }

    /** The closed partitions with something to do, in dataset then path order. */
    public List<PartitionTask> plan() throws IOException {
        return plan(RetentionPlanner.Plan.none());
    }

    /**
     * As {@link #plan()}, leaving out the partitions this run's retention takes (unless files are
     * read from a separate landing area: expired files there move into the lake first and go in the
     * next run).
     */
    public List<PartitionTask> plan(RetentionPlanner.Plan retention) throws IOException {
        List<PartitionTask> tasks = new ArrayList<>();
        long staleBefore = System.currentTimeMillis() - options.inProgressMinAge().toMillis();
        for (Dataset dataset : options.datasets()) {
            if (options.tenant() != null && !dataset.perTenant()) {
                continue;
            }
            Path root = options.landing().resolve(dataset.directory());
            FileSystem fs = root.getFileSystem();
            if (!fs.exists(root)) {
                continue;
            }
            List<String> partitions = new ArrayList<>();
            collectPartitions(fs, root, dataset, 0, "", partitions);
            partitions.sort(Comparator.naturalOrder());
            for (String partition : partitions) {
                if (!options.separateLanding() && retention.covers(dataset, partition)) {
                    continue;
                }
                PartitionTask task = task(fs, root, dataset, partition, staleBefore);
                if (task != null) {
                    tasks.add(task);
                }
            }
        }
        return tasks;
    }

    private void collectPartitions(
            FileSystem fs, Path dir, Dataset dataset, int level, String prefix, List<String> out)
            throws IOException {
        String key = dataset.partitionKeys().get(level);
        for (FileStatus child : list(fs, dir)) {
            String name = child.getPath().getName();
            if (!child.isDir() || !name.startsWith(key)) {
                continue;
            }
            if (level == 0 && dataset.perTenant() && options.tenant() != null) {
                if (!name.equals(key + options.tenant())) {
                    continue;
                }
            }
            String relative = prefix + name;
            if (level + 1 < dataset.partitionKeys().size()) {
                collectPartitions(fs, child.getPath(), dataset, level + 1, relative + "/", out);
            } else {
                LocalDate date = dataset.date(relative);
                if (date != null && !date.isAfter(options.newestClosedDate())) {
                    out.add(relative);
                }
            }
        }
    }

    private PartitionTask task(
            FileSystem fs, Path root, Dataset dataset, String partition, long staleBefore)
            throws IOException {
        Path dir = new Path(root, partition);
        List<PartitionTask.FileRef> fresh = new ArrayList<>();
        List<PartitionTask.FileRef> smallCompacted = new ArrayList<>();
        List<String> stale = new ArrayList<>();
        for (FileStatus f : list(fs, dir)) {
            if (f.isDir()) {
                continue;
            }
            String name = f.getPath().getName();
            if (name.startsWith(".")) {
                if (name.contains(".inprogress") && f.getModificationTime() < staleBefore) {
                    stale.add(f.getPath().toString());
                }
            } else if (name.startsWith("_") || !name.endsWith(".parquet")) {
                continue;
            } else if (name.startsWith("compacted-") && !options.separateLanding()) {
                // Merged by an earlier run: final, unless small enough to fold into this merge.
                if (f.getLen() < options.targetFileBytes() / 2) {
                    smallCompacted.add(
                            new PartitionTask.FileRef(f.getPath().toString(), f.getLen()));
                }
            } else {
                fresh.add(new PartitionTask.FileRef(f.getPath().toString(), f.getLen()));
            }
        }
        if (fresh.isEmpty() && stale.isEmpty()) {
            return null; // nothing new since the last compaction
        }
        List<PartitionTask.FileRef> sources = new ArrayList<>();
        if (!fresh.isEmpty()) {
            sources.addAll(smallCompacted);
            sources.addAll(fresh);
        }
        sources.sort(Comparator.comparing(PartitionTask.FileRef::path));
        String target = options.lake().resolve(dataset.directory() + "/" + partition).toString();
        String staging =
                new Path(stagingRoot(), options.runId() + "/" + dataset.label() + "/" + partition)
                        .toString();
        return new PartitionTask(
                dataset, partition, target, staging, options.runId(), sources, stale);
    }

    private static List<FileStatus> list(FileSystem fs, Path dir) throws IOException {
        FileStatus[] children = fs.listStatus(dir);
        List<FileStatus> out = new ArrayList<>();
        if (children != null) {
            out.addAll(List.of(children));
        }
        out.sort(Comparator.comparing(s -> s.getPath().getName()));
        return out;
    }
}
