package io.decisionledger.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/**
 * StandaloneClusterITCase accepts only the TaskManager's loss and its aftermath as the job's
 * failures; a restart that found no slots is reported wrapped in a CompletionException (seen in
 * CI), and must be judged by what it wraps.
 */
class FailureRootCauseTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aWrappedFailureIsNamedByItsInnermostCause() {
        ObjectNode entry = JSON.createObjectNode();
        entry.put("exceptionName", "java.util.concurrent.CompletionException");
        entry.put(
                "stacktrace",
                "java.util.concurrent.CompletionException: java.util.concurrent.CompletionException:"
                        + " org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException:"
                        + " Could not acquire the minimum required resources.\n"
                        + "\tat java.base/java.util.concurrent.CompletableFuture.encodeThrowable\n"
                        + "Caused by: java.util.concurrent.CompletionException: wrapped\n"
                        + "\tat x.y.Z.method\n"
                        + "\tSuppressed: java.lang.IllegalStateException: not a cause\n"
                        + "\tCaused by: java.lang.IllegalStateException: inside a suppressed one\n"
                        + "Caused by: org.apache.flink.runtime.jobmanager.scheduler"
                        + ".NoResourceAvailableException: Could not acquire the minimum required"
                        + " resources.\n"
                        + "\tat org.apache.flink.runtime.scheduler.Foo.bar\n");

        assertThat(StandaloneClusterITCase.rootCause(entry))
                .isEqualTo(
                        "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException");
    }

    @Test
    void anUnwrappedFailureKeepsItsOwnNameAndAnOperatorsCauseStaysVisible() {
        ObjectNode direct = JSON.createObjectNode();
        direct.put(
                "exceptionName",
                "org.apache.flink.runtime.resourcemanager.exceptions.ResourceManagerException");
        direct.put("stacktrace", "Caused by: java.lang.IllegalStateException: x\n");
        assertThat(StandaloneClusterITCase.rootCause(direct))
                .isEqualTo(
                        "org.apache.flink.runtime.resourcemanager.exceptions.ResourceManagerException");

        // a state restore that fails inside a wrapper is not excused by the wrapper
        ObjectNode restore = JSON.createObjectNode();
        restore.put("exceptionName", "java.util.concurrent.CompletionException");
        restore.put(
                "stacktrace",
                "java.util.concurrent.CompletionException: boom\n"
                        + "Caused by: java.io.IOException: state file corrupt\n");
        assertThat(StandaloneClusterITCase.rootCause(restore)).isEqualTo("java.io.IOException");
    }
}
