package io.decisionledger.verify;

import io.decisionledger.decision.FieldDigests;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * Digests of a derived row for the derived verification: SHA-256 of its Avro binary encoding (the
 * exact comparison: any difference in any column differs) and a 64-bit digest per column (to name
 * which columns differ, never what they hold). Avro's binary encoding is the same for a row built
 * in memory and the same row read back from Parquet, so a row re-derived now and the row stored at
 * ingest compare equal exactly when every column is equal.
 */
final class RowDigests<T extends SpecificRecordBase> {

    private final SpecificDatumWriter<T> writer;
    private final MessageDigest sha = FieldDigests.sha256();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream(1024);
    private BinaryEncoder encoder;

    RowDigests(Schema schema) {
        this.writer = new SpecificDatumWriter<>(schema);
    }

    /** Lower-case hex SHA-256 of the row's Avro binary encoding. */
    String digest(T row) {
        bytes.reset();
        encoder = EncoderFactory.get().binaryEncoder(bytes, encoder);
        try {
            writer.write(row, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return HexFormat.of().formatHex(sha.digest(bytes.toByteArray()));
    }

    /** A 64-bit digest of each column's value, in schema order. */
    long[] columns(T row) {
        List<Schema.Field> fields = row.getSchema().getFields();
        long[] out = new long[fields.size()];
        for (int i = 0; i < out.length; i++) {
            Object v = row.get(i);
            String text = v == null ? "\u0000null" : "v:" + v;
            byte[] d = sha.digest(text.getBytes(StandardCharsets.UTF_8));
            out[i] = ByteBuffer.wrap(d).getLong();
        }
        return out;
    }

    /** The names of the columns whose digests differ. */
    static String differingColumns(Schema schema, long[] a, long[] b) {
        StringBuilder s = new StringBuilder();
        List<Schema.Field> fields = schema.getFields();
        for (int i = 0; i < fields.size() && i < a.length && i < b.length; i++) {
            if (a[i] != b[i]) {
                s.append(s.length() == 0 ? "" : ", ").append(fields.get(i).name());
            }
        }
        return s.length() == 0 ? "(the encoding)" : s.toString();
    }
}
