package io.decisionledger.chain;

/**
 * The lake's 32-byte hashes in their stored form, 64 lower-case hex characters, read without
 * allocating more than the result: the verify job checks and parses three of them per record
 * (prev_hash, hash, content_sha256) and carries the two chain hashes through its sorts as 32 bytes
 * instead of 64-character strings. Only lower-case is accepted, as every hash the ingest job writes
 * is, so a value in upper case stays a different value, exactly as a string comparison would have
 * it.
 */
public final class Hex64 {

    /** The value of each lower-case hex digit, -1 for every other character below 128. */
    private static final byte[] DIGIT = new byte[128];

    static {
        java.util.Arrays.fill(DIGIT, (byte) -1);
        for (int c = '0'; c <= '9'; c++) {
            DIGIT[c] = (byte) (c - '0');
        }
        for (int c = 'a'; c <= 'f'; c++) {
            DIGIT[c] = (byte) (c - 'a' + 10);
        }
    }

    private static final char[] DIGITS = "0123456789abcdef".toCharArray();

    private Hex64() {}

    /** True when {@code s} is 64 lower-case hex characters. */
    public static boolean is(String s) {
        if (s == null || s.length() != 64) {
            return false;
        }
        for (int i = 0; i < 64; i++) {
            char c = s.charAt(i);
            if (c >= 128 || DIGIT[c] < 0) {
                return false;
            }
        }
        return true;
    }

    /** The 32 bytes {@code s} spells, or null when it is not 64 lower-case hex characters. */
    public static byte[] parse(String s) {
        if (s == null || s.length() != 64) {
            return null;
        }
        byte[] out = new byte[32];
        for (int i = 0; i < 32; i++) {
            char hi = s.charAt(2 * i);
            char lo = s.charAt(2 * i + 1);
            if (hi >= 128 || lo >= 128) {
                return null;
            }
            int h = DIGIT[hi];
            int l = DIGIT[lo];
            if ((h | l) < 0) {
                return null;
            }
            out[i] = (byte) ((h << 4) | l);
        }
        return out;
    }

    /** The 64 lower-case hex characters of 32 bytes. */
    public static String format(byte[] b) {
        char[] out = new char[b.length * 2];
        for (int i = 0; i < b.length; i++) {
            out[2 * i] = DIGITS[(b[i] >> 4) & 0xf];
            out[2 * i + 1] = DIGITS[b[i] & 0xf];
        }
        return new String(out);
    }
}
