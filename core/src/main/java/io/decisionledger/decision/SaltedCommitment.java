package io.decisionledger.decision;

import java.security.DigestException;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * The salted commitment to one field digest that lets a stored row's personal columns be erased
 * while the row's hash still verifies: {@code c_i = HMAC-SHA256(key = salt, message = magic ‖ u8(i)
 * ‖ d_i)} (schemas/CANONICAL.md sections 6 and 8). Decision record layout 3 ({@code DLF3}) and
 * access-log layout 2 ({@code DLAF}) both commit this way; only the magic differs. The keyed inner
 * and outer states are computed once per row ({@link #key}) and cloned per column: two compressions
 * per column, not four. One instance per thread.
 */
public final class SaltedCommitment {

    /** Salt length, in bytes. */
    public static final int SALT_BYTES = 32;

    private final MessageDigest innerKeyed = FieldDigests.sha256();
    private final MessageDigest outerKeyed = FieldDigests.sha256();
    private final byte[] pad = new byte[64];
    private boolean keyed;

    /**
     * Keys the commitments of one row with {@code salt} (32 bytes); null leaves it unkeyed (every
     * personal column must then come from kept commitments).
     */
    public void key(byte[] salt) {
        keyed = false;
        if (salt == null) {
            return;
        }
        if (salt.length != SALT_BYTES) {
            throw new IllegalArgumentException(
                    "a field salt is " + SALT_BYTES + " bytes, not " + salt.length);
        }
        Arrays.fill(pad, (byte) 0);
        System.arraycopy(salt, 0, pad, 0, salt.length);
        for (int k = 0; k < 64; k++) {
            pad[k] ^= 0x36;
        }
        innerKeyed.reset();
        innerKeyed.update(pad);
        for (int k = 0; k < 64; k++) {
            pad[k] ^= 0x36 ^ 0x5c;
        }
        outerKeyed.reset();
        outerKeyed.update(pad);
        Arrays.fill(pad, (byte) 0);
        keyed = true;
    }

    /** True once {@link #key} was given a salt. */
    public boolean keyed() {
        return keyed;
    }

    /**
     * Writes {@code HMAC(salt, magic ‖ u8(i) ‖ d[off..off+32))} to {@code out[0..32)}.
     *
     * @throws IllegalStateException when no salt was keyed
     */
    public void commit(byte[] magic, int i, byte[] d, int off, byte[] out) {
        if (!keyed) {
            throw new IllegalStateException("the HMAC key was not set for this row");
        }
        try {
            MessageDigest inner = (MessageDigest) innerKeyed.clone();
            inner.update(magic);
            inner.update((byte) i);
            inner.update(d, off, 32);
            inner.digest(out, 0, 32);
            MessageDigest outer = (MessageDigest) outerKeyed.clone();
            outer.update(out, 0, 32);
            outer.digest(out, 0, 32);
        } catch (CloneNotSupportedException | DigestException e) {
            throw new IllegalStateException("SHA-256 cannot be cloned or does not fit 32 bytes", e);
        }
    }
}
