package io.decisionledger.decision;

import io.decisionledger.schema.DecisionRecord;

/** The content-hash test vector of schemas/CANONICAL.md, for tests in other packages. */
public final class CanonicalContentTestVector {

    public static final String SHA256 = CanonicalContentTest.TEST_VECTOR_SHA256;

    private CanonicalContentTestVector() {}

    /**
     * The 24 field digests d_1 … d_24 of {@code r} (768 bytes), from the test's independent encoder
     * written from the specification.
     */
    public static byte[] specFieldDigests(DecisionRecord r) {
        byte[] withMagic = CanonicalContentTest.specBytes(r);
        return java.util.Arrays.copyOfRange(withMagic, 4, withMagic.length);
    }

    public static DecisionRecord record() {
        return CanonicalContentTest.testVector();
    }
}
