/**
 * The crash-safe partition rewrite: how a batch job replaces the files of one closed lake partition
 * so that neither a crash nor a reader ever sees a row lost or changed. Every rewrite takes the
 * same steps, each idempotent: <b>stage</b> the new files in a staging folder outside every dataset
 * folder; <b>verify</b> them against the sources (row count, event ids, a SHA-256 fingerprint of
 * every record); write a <b>manifest</b> (the commit point); <b>publish</b> the staged files into
 * the partition; <b>delete</b> the sources, then the staging folder. A rerun that finds a manifest
 * rolls forward; one that finds staged files without a manifest discards them, the sources being
 * untouched.
 *
 * <p>Compaction (merge the small files of a partition) and retention (delete what is past its
 * period, rewriting the rows legal holds keep) are built on it; a data-erasure job (one person's
 * rows deleted on request) is meant to reuse it rather than invent its own swap. A hot partition
 * can be staged in slices (key ranges, {@link io.decisionledger.rewrite.PartitionSlice}) by several
 * tasks and published with one manifest once every slice is staged ({@link
 * io.decisionledger.rewrite.SliceManifest}). This package knows partitions, files and records,
 * never why a rewrite happens: it imports neither job.
 */
package io.decisionledger.rewrite;
