package io.decisionledger.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test as proof of regulatory requirements, by their ids in {@code docs/requirements.md}
 * (e.g. {@code "GDPR-Art-17"}). {@code TraceabilityMatrixTest} reads these annotations from the
 * test sources of every module, writes {@code docs/traceability.md} (the requirement → feature →
 * tests matrix the compliance report carries) and fails the build when a listed requirement has no
 * test or a test names an id that is not listed.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface Proves {
    /** The requirement ids this test proves. */
    String[] value();
}
