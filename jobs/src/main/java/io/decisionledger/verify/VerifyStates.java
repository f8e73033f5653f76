package io.decisionledger.verify;

import io.decisionledger.chain.TrustedKeys;
import io.decisionledger.lake.ExclusiveCreate;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileStatus;
import org.apache.flink.core.fs.FileSystem;
import org.apache.flink.core.fs.Path;

/**
 * The folder of verify states ({@code <lake>/verify/state/} unless {@code --state} names another):
 * one file per run that wrote one, {@code state-0000000042.json}, created exclusively so two runs
 * cannot both write the same number. Reading takes the newest and checks it before anything is
 * skipped on its word: it must hash to its recorded sha256, carry its own number, name the hash of
 * the state before it, be about this lake and, with trusted keys, carry a valid signature. A state
 * that fails any check is reported ({@link ViolationKind#STATE_TAMPERED}, {@link
 * ViolationKind#STATE_ROLLED_BACK}, {@link ViolationKind#STATE_UNSIGNED}) and not used: the run
 * verifies the whole lake (fail safe).
 */
final class VerifyStates {

    /** The dataset violations about the state are marked with. */
    static final String DATASET = "verify-state";

    private static final String PREFIX = "state-";
    private static final String SUFFIX = ".json";

    /**
     * The newest state and what was found wrong with it.
     *
     * @param state the state to start from; null when there is none or it failed a check
     * @param newestRun the newest state's number (0 when there is none): the next one is one more
     * @param newestSha256 the newest state's hash as stored (null when none or unreadable): the
     *     next state names it
     * @param problems violations about the newest state
     */
    record Loaded(
            VerifyState state, long newestRun, String newestSha256, List<Violation> problems) {}

    private VerifyStates() {}

    static String fileName(long run) {
        return String.format("%s%010d%s", PREFIX, run, SUFFIX);
    }

    static Loaded load(Path dir, String lakeRoot, TrustedKeys keys) throws IOException {
        TreeMap<Long, Path> byRun = list(dir);
        if (byRun.isEmpty()) {
            return new Loaded(null, 0, null, List.of());
        }
        long newest = byRun.lastKey();
        Path file = byRun.get(newest);
        List<Violation> problems = new ArrayList<>();
        VerifyState s;
        try {
            s = VerifyState.fromJson(read(file), file.toString());
        } catch (IOException e) {
            problems.add(problem(ViolationKind.STATE_TAMPERED, file, e.getMessage()));
            return new Loaded(null, newest, null, problems);
        }
        if (s.run() != newest) {
            problems.add(
                    problem(
                            ViolationKind.STATE_ROLLED_BACK,
                            file,
                            "the file of state "
                                    + newest
                                    + " holds the state of run "
                                    + s.run()
                                    + ": an older state was put in place of the newest"));
        }
        if (!lakeRoot.equals(s.lake())) {
            problems.add(
                    problem(
                            ViolationKind.STATE_TAMPERED,
                            file,
                            "the state is about another lake (" + s.lake() + ")"));
        }
        if (newest > 1 && s.previousSha256() == null) {
            // only a full run after an unreadable state starts the chain anew (--refresh-state)
            if (!"full".equals(s.mode())) {
                problems.add(
                        problem(
                                ViolationKind.STATE_TAMPERED,
                                file,
                                "it names no previous state, and only a full run may start the"
                                        + " state chain anew"));
            }
        } else if (newest > 1) {
            Path previous = byRun.get(newest - 1);
            if (previous == null) {
                problems.add(
                        problem(
                                ViolationKind.STATE_ROLLED_BACK,
                                file,
                                "state " + (newest - 1) + " is missing before it"));
            } else {
                String previousSha;
                try {
                    previousSha =
                            VerifyState.fromJson(read(previous), previous.toString()).sha256();
                } catch (IOException e) {
                    previousSha = null;
                }
                if (previousSha == null || !previousSha.equals(s.previousSha256())) {
                    problems.add(
                            problem(
                                    ViolationKind.STATE_TAMPERED,
                                    file,
                                    "it does not name the hash of state "
                                            + (newest - 1)
                                            + " before it: the state chain is broken"));
                }
            }
        } else if (s.previousSha256() != null) {
            problems.add(
                    problem(
                            ViolationKind.STATE_ROLLED_BACK,
                            file,
                            "the first state names a previous state: the states before it are"
                                    + " missing"));
        }
        if (keys != null) {
            TrustedKeys.Verdict v = s.check(keys);
            if (v.status() == TrustedKeys.Status.UNSIGNED) {
                problems.add(
                        problem(
                                ViolationKind.STATE_UNSIGNED,
                                file,
                                "the verify state is not signed (run the verification with"
                                        + " --signing-key)"));
            } else if (v.status() == TrustedKeys.Status.BAD) {
                problems.add(problem(ViolationKind.STATE_TAMPERED, file, v.detail()));
            }
        }
        return new Loaded(problems.isEmpty() ? s : null, newest, s.sha256(), problems);
    }

    /** Writes {@code state} as the file of its run; fails if that file exists already. */
    static Path write(Path dir, VerifyState state) throws IOException {
        Path file = new Path(dir, fileName(state.run()));
        dir.getFileSystem().mkdirs(dir);
        if (!ExclusiveCreate.create(file, state.toJson())) {
            throw new IOException(
                    file
                            + " exists already: another verification wrote state "
                            + state.run()
                            + " meanwhile; run again");
        }
        return file;
    }

    static Violation problem(ViolationKind kind, Path file, String detail) {
        return Violation.of(kind, null, 0, -1, -1, file.toString(), detail).in(DATASET);
    }

    private static TreeMap<Long, Path> list(Path dir) throws IOException {
        TreeMap<Long, Path> byRun = new TreeMap<>();
        FileSystem fs = dir.getFileSystem();
        if (!fs.exists(dir)) {
            return byRun;
        }
        FileStatus[] listed = fs.listStatus(dir);
        if (listed == null) {
            return byRun;
        }
        for (FileStatus f : listed) {
            String name = f.getPath().getName();
            if (!f.isDir() && name.startsWith(PREFIX) && name.endsWith(SUFFIX)) {
                try {
                    byRun.put(
                            Long.parseLong(
                                    name.substring(
                                            PREFIX.length(), name.length() - SUFFIX.length())),
                            f.getPath());
                } catch (NumberFormatException e) {
                    // not a state file (an operator's copy, e.g. state-backup.json): ignored
                }
            }
        }
        return byRun;
    }

    private static byte[] read(Path file) throws IOException {
        try (FSDataInputStream in = file.getFileSystem().open(file)) {
            return in.readAllBytes();
        }
    }
}
