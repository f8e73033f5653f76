package io.decisionledger.rewrite;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * An order-independent digest of a multiset of records, computed while they stream by: the number
 * of records and the sum modulo 2<sup>256</sup> of the SHA-256 of each record's Avro binary
 * encoding (every field: content, content_sha256, chain fields, coordinates), and, apart, the sum
 * of the SHA-256 of each event id. A sum (not an xor) so that a duplicated row does not cancel out:
 * two streams have equal digests when they hold the same records the same number of times, in any
 * order (up to a SHA-256 collision), which is what a rewrite's verification compares between what
 * it read and what it wrote. Not thread-safe; one per stream.
 */
public final class RecordDigest {

    private final MessageDigest sha256;
    private final long[] records = new long[4];
    private final long[] ids = new long[4];
    private long count;

    public RecordDigest() {
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Adds one record, given as its Avro binary encoding, and its event id (null: none). */
    public void add(byte[] encoded, int length, String eventId) {
        sha256.update(encoded, 0, length);
        addTo(records, sha256.digest());
        if (eventId != null) {
            addTo(ids, sha256.digest(eventId.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        }
        count++;
    }

    public void add(byte[] encoded, String eventId) {
        add(encoded, encoded.length, eventId);
    }

    /** Adds every record of {@code other} (the digest of a disjoint part of the stream). */
    public void addAll(RecordDigest other) {
        addWords(records, other.records);
        addWords(ids, other.ids);
        count += other.count;
    }

    public long count() {
        return count;
    }

    /** Whether the event ids summed here are the ones summed in {@code other}. */
    public boolean sameIds(RecordDigest other) {
        return java.util.Arrays.equals(ids, other.ids);
    }

    /** Whether the records summed here are the ones summed in {@code other}. */
    public boolean sameRecords(RecordDigest other) {
        return java.util.Arrays.equals(records, other.records);
    }

    /** Whether both digests hold the same records and event ids the same number of times. */
    public boolean same(RecordDigest other) {
        return count == other.count && sameIds(other) && sameRecords(other);
    }

    /**
     * The whole state, {@code <count>:<hex of the record sum>:<hex of the id sum>}, for a manifest
     * (sums of hashes: no personal data); {@link #parse} reads it back.
     */
    public String state() {
        return count + ":" + hex(records) + ":" + hex(ids);
    }

    /** The digest whose {@link #state} is {@code state}. */
    public static RecordDigest parse(String state) {
        String[] parts = state == null ? new String[0] : state.split(":");
        if (parts.length != 3 || parts[1].length() != 64 || parts[2].length() != 64) {
            throw new IllegalArgumentException("not a record digest: " + state);
        }
        RecordDigest d = new RecordDigest();
        d.count = Long.parseLong(parts[0]);
        for (int w = 0; w < 4; w++) {
            d.records[w] = Long.parseUnsignedLong(parts[1].substring(w * 16, w * 16 + 16), 16);
            d.ids[w] = Long.parseUnsignedLong(parts[2].substring(w * 16, w * 16 + 16), 16);
        }
        return d;
    }

    private static String hex(long[] words) {
        StringBuilder hex = new StringBuilder();
        for (long w : words) {
            hex.append(HexFormat.of().toHexDigits(w));
        }
        return hex.toString();
    }

    /** {@code <count>:<hex of the record sum>}, for logs and manifests (no personal data). */
    @Override
    public String toString() {
        StringBuilder hex = new StringBuilder();
        for (long w : records) {
            hex.append(HexFormat.of().toHexDigits(w));
        }
        return count + ":" + hex;
    }

    private static void addTo(long[] sum, byte[] hash) {
        long[] words = new long[4];
        for (int w = 0; w < 4; w++) {
            long v = 0;
            for (int b = 0; b < 8; b++) {
                v = (v << 8) | (hash[w * 8 + b] & 0xff);
            }
            words[w] = v;
        }
        addWords(sum, words);
    }

    /** sum += words, modulo 2^256 (word 3 the least significant). */
    private static void addWords(long[] sum, long[] words) {
        long carry = 0;
        for (int w = 3; w >= 0; w--) {
            long a = sum[w];
            long s = a + words[w];
            long c1 = Long.compareUnsigned(s, a) < 0 ? 1 : 0;
            long s2 = s + carry;
            long c2 = Long.compareUnsigned(s2, s) < 0 ? 1 : 0;
            sum[w] = s2;
            carry = c1 | c2;
        }
    }
}
