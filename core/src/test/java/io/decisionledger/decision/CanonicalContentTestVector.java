package io.decisionledger.decision;

import io.decisionledger.schema.DecisionRecord;

/** The content-hash test vector of schemas/CANONICAL.md, for tests in other packages. */
public final class CanonicalContentTestVector {

    public static final String SHA256 = CanonicalContentTest.TEST_VECTOR_SHA256;

    private CanonicalContentTestVector() {}

    public static DecisionRecord record() {
        return CanonicalContentTest.testVector();
    }
}
