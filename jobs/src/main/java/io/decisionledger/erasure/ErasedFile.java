package io.decisionledger.erasure;

import java.io.Serializable;
import java.util.List;

/**
 * What an erasure did to one file: which rows of the plan it changed and the file's digest before
 * and after. Written to the run's staging area before the file's swap is committed (so a run that
 * dies after the commit still accounts for it in the receipt) and returned to the client. Names
 * event ids, columns and files, never a personal value.
 *
 * @param rootLabel lake, landing or archive
 * @param dataset audit, ops or quarantine
 * @param path the file, relative to its root
 * @param rows rows in the file before
 * @param rowsErased rows whose personal data was erased (audit, quarantine) or removed (ops)
 * @param beforeSha256 SHA-256 of the file's bytes before
 * @param afterPath the file that replaces it, relative to the root; null when every row was removed
 * @param afterSha256 its SHA-256, or null
 * @param eventIds the event ids of the changed rows (null ids of quarantined input left out)
 * @param columns the columns erased
 * @param layout2Records changed rows whose kept digests are unsalted: audit rows of record layout
 *     2, access-log entries of access-log layout 1
 */
public record ErasedFile(
        String rootLabel,
        String dataset,
        String path,
        long rows,
        long rowsErased,
        String beforeSha256,
        String afterPath,
        String afterSha256,
        List<String> eventIds,
        List<String> columns,
        long layout2Records)
        implements Serializable {}
