package io.decisionledger.decision;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.List;

/**
 * Feeds SHA-256 digests of single field values into an outer digest: the building block of the
 * content hash and of the hash chain (schemas/CANONICAL.md). Committing to per-field digests rather
 * than to the values themselves means a field can later be erased (GDPR Art. 17) while its digest
 * is kept, and every hash above it still verifies. Values are encoded with a one-byte type tag
 * first, so a null, an empty string and an empty list all differ. One instance per thread; it
 * allocates nothing per field.
 */
public final class FieldDigests {

    private static final byte NULL = 0x00;
    private static final byte STRING = 0x01;
    private static final byte LONG = 0x02;
    private static final byte DOUBLE = 0x03;
    private static final byte BOOLEAN = 0x04;
    private static final byte TIMESTAMP = 0x05;
    private static final byte STRING_LIST = 0x06;

    private final MessageDigest field = sha256();
    private final byte[] scratch = new byte[8];
    private final byte[] fieldDigest = new byte[32];
    private MessageDigest outer;
    private byte[] array;
    private int arrayOffset;

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** Sends the following field digests to {@code target}. */
    public FieldDigests into(MessageDigest target) {
        this.outer = target;
        this.array = null;
        return this;
    }

    /**
     * Writes the following field digests one after the other into {@code target} from {@code
     * offset} on (32 bytes each) instead of feeding a digest: how the content layouts get the
     * single digests d_i they commit to in more than one way (schemas/CANONICAL.md section 8).
     */
    public FieldDigests into(byte[] target, int offset) {
        this.outer = null;
        this.array = target;
        this.arrayOffset = offset;
        return this;
    }

    public FieldDigests string(String value) {
        field.reset();
        if (value == null) {
            field.update(NULL);
        } else {
            field.update(STRING);
            writeString(value);
        }
        return emit();
    }

    public FieldDigests stringList(List<String> values) {
        field.reset();
        if (values == null) {
            field.update(NULL);
        } else {
            field.update(STRING_LIST);
            putInt(values.size());
            for (String value : values) {
                field.update(STRING);
                writeString(value);
            }
        }
        return emit();
    }

    public FieldDigests int64(Long value) {
        field.reset();
        if (value == null) {
            field.update(NULL);
        } else {
            field.update(LONG);
            putLong(value);
        }
        return emit();
    }

    public FieldDigests float64(Double value) {
        field.reset();
        if (value == null) {
            field.update(NULL);
        } else {
            field.update(DOUBLE);
            // +0.0 and -0.0 are the same number to every reader; hash them the same.
            putLong(Double.doubleToLongBits(value == 0.0 ? 0.0 : value));
        }
        return emit();
    }

    public FieldDigests bool(Boolean value) {
        field.reset();
        if (value == null) {
            field.update(NULL);
        } else {
            field.update(BOOLEAN);
            field.update(value ? (byte) 1 : (byte) 0);
        }
        return emit();
    }

    public FieldDigests timestamp(Instant value) {
        field.reset();
        if (value == null) {
            field.update(NULL);
        } else {
            field.update(TIMESTAMP);
            putLong(
                    Math.addExact(
                            Math.multiplyExact(value.getEpochSecond(), 1_000_000L),
                            value.getNano() / 1_000));
        }
        return emit();
    }

    private FieldDigests emit() {
        try {
            if (array != null) {
                field.digest(array, arrayOffset, 32);
                arrayOffset += 32;
                return this;
            }
            field.digest(fieldDigest, 0, fieldDigest.length);
        } catch (DigestException e) {
            throw new IllegalStateException("SHA-256 digest does not fit 32 bytes", e);
        }
        outer.update(fieldDigest);
        return this;
    }

    private void writeString(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        putInt(utf8.length);
        field.update(utf8);
    }

    private void putInt(int v) {
        scratch[0] = (byte) (v >>> 24);
        scratch[1] = (byte) (v >>> 16);
        scratch[2] = (byte) (v >>> 8);
        scratch[3] = (byte) v;
        field.update(scratch, 0, 4);
    }

    private void putLong(long v) {
        for (int i = 7; i >= 0; i--) {
            scratch[i] = (byte) v;
            v >>>= 8;
        }
        field.update(scratch, 0, 8);
    }
}
