package io.decisionledger.rewrite;

/**
 * The steps of the partition rewrite protocol, in order. Each names the moment just after it
 * completes; a crash test makes a rewrite stop there ({@link PartitionRewrite#failAt}, compaction's
 * {@code --fail-at}) exactly as a killed process would, then runs again and checks that nothing was
 * lost or duplicated.
 */
public enum SwapStep {
    /** Merged files written to the staging area, outside every dataset folder. */
    STAGED,
    /** Staged files read back and checked against the sources. */
    VERIFIED,
    /** The manifest (sources, outputs, sizes) is written: from here on the swap rolls forward. */
    MANIFEST_WRITTEN,
    /** Retention only: every source file is copied to the archive (when one is configured). */
    ARCHIVED,
    /** The first merged file is in the partition (old and new files both visible). */
    FIRST_PUBLISHED,
    /** All merged files are in the partition. */
    PUBLISHED,
    /** The first source file is deleted. */
    FIRST_SOURCE_DELETED,
    /** All source files are deleted; only the manifest is left. */
    SOURCES_DELETED
}
