package io.decisionledger.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layering docs/architecture.md describes, as rules on the compiled classes of every module
 * (this module sees them all): the ground (core) imports no job, capabilities import no job that
 * combines them, and nothing that runs on a cluster or in the audit service imports the developer
 * tools. A new import that breaks a rule fails the build with the offending class and line.
 */
class ArchitectureTest {

    private static final String[] GROUND = {
        "io.decisionledger.decision..",
        "io.decisionledger.lake..",
        "io.decisionledger.chain..",
        "io.decisionledger.privacy..",
        "io.decisionledger.access..",
        "io.decisionledger.rights..",
        "io.decisionledger.options..",
        "io.decisionledger.monitoring..",
        "io.decisionledger.schema.."
    };

    private static final String[] JOBS = {
        "io.decisionledger.ingest..",
        "io.decisionledger.metrics..",
        "io.decisionledger.models..",
        "io.decisionledger.compaction..",
        "io.decisionledger.retention..",
        "io.decisionledger.rewrite..",
        "io.decisionledger.erasure..",
        "io.decisionledger.verify..",
        "io.decisionledger.replay..",
        "io.decisionledger.jobs.."
    };

    private static final String[] DEV_TOOLS = {
        "io.decisionledger.cli..", "io.decisionledger.testkit..", "io.decisionledger.testing.."
    };

    private static JavaClasses production;

    @BeforeAll
    static void importClasses() {
        production =
                new ClassFileImporter()
                        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                        // the other modules' test-jars (shared test helpers) are not production
                        .withImportOption(location -> !location.contains("-tests.jar"))
                        .importPackages("io.decisionledger");
    }

    @Test
    void theGroundImportsNoJobNoServiceAndNoTool() {
        noClasses()
                .that()
                .resideInAnyPackage(GROUND)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(concat(concat(JOBS, DEV_TOOLS), AUDIT))
                .check(production);
    }

    @Test
    void theDomainImportsNoCommandLineLayer() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "io.decisionledger.decision..",
                        "io.decisionledger.lake..",
                        "io.decisionledger.chain..",
                        "io.decisionledger.privacy..",
                        "io.decisionledger.access..",
                        "io.decisionledger.rights..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.decisionledger.options..")
                .check(production);
    }

    @Test
    void theJobsAndTheAuditServiceImportNoDeveloperTool() {
        noClasses()
                .that()
                .resideInAnyPackage(concat(JOBS, AUDIT))
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(DEV_TOOLS)
                .check(production);
    }

    @Test
    void theAuditServiceImportsNoFlinkJob() {
        noClasses()
                .that()
                .resideInAnyPackage(AUDIT)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(JOBS)
                .check(production);
    }

    @Test
    void capabilitiesImportNoJobThatCombinesThem() {
        noClasses()
                .that()
                .resideInAnyPackage(
                        "io.decisionledger.retention..",
                        "io.decisionledger.rewrite..",
                        "io.decisionledger.verify..",
                        "io.decisionledger.models..",
                        "io.decisionledger.metrics..",
                        "io.decisionledger.replay..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.decisionledger.compaction..",
                        "io.decisionledger.erasure..",
                        "io.decisionledger.ingest..",
                        "io.decisionledger.jobs..")
                .check(production);
        noClasses()
                .that()
                .resideInAPackage("io.decisionledger.rewrite..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.decisionledger.retention..", "io.decisionledger.verify..")
                .check(production);
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** The audit service's packages: the queries and the compliance report. */
    private static final String[] AUDIT = {
        "io.decisionledger.audit..", "io.decisionledger.report.."
    };

    private static String[] concat(String[] a, String[] b, String c) {
        return concat(concat(a, b), c);
    }
}
