package io.decisionledger.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.util.FileUtils;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One real Kafka broker ({@link LocalKafkaBroker}) for a test class: started before the class's
 * {@code @BeforeAll} methods run, in a folder of its own, and stopped (its folder deleted) after
 * the class. Register it as a static field:
 *
 * <pre>{@code
 * @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
 * ...
 * KAFKA.broker().createTopic("decisions", 2);
 * }</pre>
 *
 * <p>The broker's distribution comes from the {@code decisionledger.stack.dir} system property (the
 * failsafe configuration sets it to {@code deploy/local}).
 */
public final class KafkaBrokerExtension implements BeforeAllCallback, AfterAllCallback {

    private Path workDir;
    private LocalKafkaBroker broker;

    /** The running broker; only between the class's start and end. */
    public LocalKafkaBroker broker() {
        if (broker == null) {
            throw new IllegalStateException(
                    "the Kafka broker runs only while the test class does: register the extension"
                            + " on a static field");
        }
        return broker;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws IOException {
        String stackDir = System.getProperty("decisionledger.stack.dir");
        if (stackDir == null) {
            throw new IllegalStateException(
                    "system property decisionledger.stack.dir is not set: run the test through"
                            + " Maven's failsafe plugin (mvn verify), which points it at"
                            + " deploy/local");
        }
        workDir =
                Files.createTempDirectory(
                        "kafka-" + context.getRequiredTestClass().getSimpleName());
        broker = LocalKafkaBroker.start(Path.of(stackDir), workDir);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        try {
            if (broker != null) {
                broker.close();
            }
        } finally {
            broker = null;
            if (workDir != null) {
                FileUtils.deleteDirectory(workDir.toFile());
                workDir = null;
            }
        }
    }
}
