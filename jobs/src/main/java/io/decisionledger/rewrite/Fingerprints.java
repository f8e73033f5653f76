package io.decisionledger.rewrite;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * SHA-256 of each record's Avro binary encoding under the current schema: what a rewrite compares
 * between its sources and its staged files, so that a changed field anywhere in a record (content,
 * chain fields, coordinates) stops the swap. Not thread-safe; one per task.
 */
public final class Fingerprints {
    private final SpecificDatumWriter<SpecificRecordBase> writer;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(4096);
    private final MessageDigest sha256;
    private BinaryEncoder encoder;

    public Fingerprints(Dataset dataset) {
        SpecificData model = SpecificData.getForClass(dataset.recordClass());
        Schema schema = model.getSchema(dataset.recordClass());
        writer = new SpecificDatumWriter<>(schema, model);
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public byte[] of(SpecificRecordBase record) throws IOException {
        buffer.reset();
        encoder = EncoderFactory.get().binaryEncoder(buffer, encoder);
        writer.write(record, encoder);
        encoder.flush();
        return sha256.digest(buffer.toByteArray());
    }

    /** The fingerprints of {@code records}, sorted: equal arrays mean the same multiset of rows. */
    public byte[][] sorted(List<SpecificRecordBase> records) throws IOException {
        byte[][] prints = new byte[records.size()][];
        for (int i = 0; i < prints.length; i++) {
            prints[i] = of(records.get(i));
        }
        Arrays.sort(prints, Arrays::compare);
        return prints;
    }
}
