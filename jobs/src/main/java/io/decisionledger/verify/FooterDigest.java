package io.decisionledger.verify;

import io.decisionledger.lake.UnreadableLakeFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import org.apache.flink.core.fs.FSDataInputStream;
import org.apache.flink.core.fs.FileStatus;

/**
 * The digest an incremental verification keeps of a file it covered: SHA-256 over the file's
 * Parquet footer (the Thrift FileMetaData, its 4-byte length and the closing {@code PAR1}), read
 * with two small ranged reads instead of the whole file. The footer names every row group's row
 * count, every column chunk's offset and compressed size, and the min/max statistics of each
 * column, so a file rewritten with other rows, fewer or more rows, or any page of another length
 * gets another footer. It does not cover the bytes inside the data pages: a same-length byte flip
 * in a page that keeps every statistic leaves the footer (and the size) as it was. The listing's
 * modification time, kept beside it, changes on any rewrite on S3 (the store sets it) and on a
 * POSIX file system unless reset on purpose; a full run catches what remains.
 */
public final class FooterDigest {

    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);

    private FooterDigest() {}

    /** Lower-case hex SHA-256 of {@code file}'s footer, its length and magic. */
    public static String of(FileStatus file) throws IOException {
        long len = file.getLen();
        String path = file.getPath().toString();
        if (len < 12) {
            throw UnreadableLakeFile.of(
                    path, new IOException("too short to be a Parquet file (" + len + " bytes)"));
        }
        try (FSDataInputStream in = file.getPath().getFileSystem().open(file.getPath())) {
            byte[] tail = new byte[8];
            in.seek(len - 8);
            readFully(in, tail);
            for (int i = 0; i < 4; i++) {
                if (tail[4 + i] != MAGIC[i]) {
                    throw UnreadableLakeFile.of(
                            path, new IOException("does not end with the Parquet magic PAR1"));
                }
            }
            int footerLength = ByteBuffer.wrap(tail, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
            if (footerLength <= 0 || footerLength > len - 12) {
                throw UnreadableLakeFile.of(
                        path, new IOException("footer length " + footerLength + " out of range"));
            }
            byte[] footer = new byte[footerLength];
            in.seek(len - 8 - footerLength);
            readFully(in, footer);
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(footer);
            sha.update(tail);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void readFully(FSDataInputStream in, byte[] into) throws IOException {
        int off = 0;
        while (off < into.length) {
            int n = in.read(into, off, into.length - off);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            off += n;
        }
    }
}
