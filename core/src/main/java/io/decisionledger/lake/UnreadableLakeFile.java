package io.decisionledger.lake;

import java.io.IOException;

/**
 * A lake file that cannot be read as Parquet: truncated (no footer), not Parquet at all, or with a
 * page or column that does not decode. Every reader of the lake ({@link LakeFiles}, {@link
 * ParquetScan}, the metrics rebuild's file source) raises this one exception naming the file by
 * path, so an operator knows which object to restore from backup, and a reader either stops with it
 * or counts it as unreadable; none skips the file's rows silently. The message holds the path and
 * what kind of damage was found, never a value of the file (the cause keeps the Parquet library's
 * own exception for a stack trace).
 */
public final class UnreadableLakeFile extends IOException {
    private static final long serialVersionUID = 1L;

    private final String path;

    public UnreadableLakeFile(String path, Throwable cause) {
        super("unreadable lake file " + path + ": " + damage(cause), cause);
        this.path = path;
    }

    /** The file's path (URI form: {@code s3://…}, {@code file:/…}). */
    public String path() {
        return path;
    }

    /**
     * Wraps a failure of reading {@code path} unless it already is one (a reader nested in another
     * must not wrap twice).
     */
    public static UnreadableLakeFile of(String path, Throwable failure) {
        return failure instanceof UnreadableLakeFile u ? u : new UnreadableLakeFile(path, failure);
    }

    /** The first {@link UnreadableLakeFile} in a cause chain, if any (jobs wrap task failures). */
    public static UnreadableLakeFile in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof UnreadableLakeFile u) {
                return u;
            }
        }
        return null;
    }

    private static String damage(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("is not a Parquet file") || m.contains("magic number"))) {
                return "not a Parquet file or truncated (no valid footer)";
            }
            if (m != null && (m.contains("CRC") || m.contains("checksum"))) {
                return "a page fails its checksum (corrupt bytes)";
            }
            if (t instanceof java.io.EOFException) {
                return "truncated (the file ends inside a page or the footer)";
            }
        }
        return "a page or column does not decode ("
                + (cause == null ? "unknown" : cause.getClass().getSimpleName())
                + ")";
    }
}
