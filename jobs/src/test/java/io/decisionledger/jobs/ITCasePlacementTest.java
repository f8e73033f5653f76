package io.decisionledger.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The jobs module runs no ITCases: they live in jobs-it, where failsafe runs them on the shaded jar
 * while the audit, devtools and bench modules build beside them. An ITCase left in jobs/src/test
 * would compile and never run (surefire runs the *Test classes only), so this test fails on one and
 * says where it belongs.
 */
class ITCasePlacementTest {

    @Test
    void noITCaseLivesInTheJobsModuleWhereNothingWouldRunIt() throws IOException {
        // given the jobs module's test sources (surefire runs in the module's folder)
        Path tests = Path.of("src", "test", "java");
        assertThat(tests).isDirectory();

        // when looking for ITCases among them
        List<String> misplaced;
        try (Stream<Path> files = Files.walk(tests)) {
            misplaced =
                    files.filter(f -> f.getFileName().toString().endsWith("ITCase.java"))
                            .map(f -> tests.relativize(f).toString())
                            .sorted()
                            .toList();
        }

        // then there are none
        assertThat(misplaced)
                .as(
                        "ITCases in jobs/src/test never run: move them (git mv) to"
                                + " jobs-it/src/test/java, in the same package")
                .isEmpty();
    }
}
