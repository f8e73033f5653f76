package io.decisionledger.erasure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.jobs.Jobs;
import io.decisionledger.options.Exit;
import io.decisionledger.options.OptionTable;
import io.decisionledger.rewrite.SwapStep;
import org.junit.jupiter.api.Test;

/** The erasure job's command line: what it requires, refuses and shows. */
class ErasureOptionsTest {

    @Test
    void readsTheLakeThePlanTheOperatorAndTheOtherRoots() {
        ErasureOptions o =
                ErasureOptions.parse(
                        "--lake", "s3://lake/l",
                        "--landing", "s3://landing/l",
                        "--archive", "s3://archive/l",
                        "--plan", "s3://lake/l/rights/plans/tenant_id=t/request_id=r/plan-1.json",
                        "--operator", "dpo@bank",
                        "--fail-at", "MANIFEST_WRITTEN");

        assertThat(o.lake().root()).isEqualTo("s3://lake/l");
        assertThat(o.landing().root()).isEqualTo("s3://landing/l");
        assertThat(o.archive().root()).isEqualTo("s3://archive/l");
        assertThat(o.operator()).isEqualTo("dpo@bank");
        assertThat(o.failAt()).isEqualTo(SwapStep.MANIFEST_WRITTEN);
        assertThat(o.jobParameters()).containsEntry("operator", "dpo@bank");
    }

    @Test
    void aLandingRootEqualToTheLakeIsNoSecondRoot() {
        ErasureOptions o =
                ErasureOptions.parse(
                        "--lake",
                        "file:///l",
                        "--landing",
                        "file:///l",
                        "--plan",
                        "p.json",
                        "--operator",
                        "dpo");

        assertThat(o.landing()).isNull();
        assertThat(o.archive()).isNull();
        assertThat(o.failAt()).isNull();
    }

    @Test
    void requiresTheLakeThePlanAndANonBlankOperator() {
        assertThatThrownBy(() -> ErasureOptions.parse("--plan", "p.json", "--operator", "dpo"))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("--lake");
        assertThatThrownBy(() -> ErasureOptions.parse("--lake", "file:///l", "--operator", "dpo"))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("--plan");
        assertThatThrownBy(
                        () ->
                                ErasureOptions.parse(
                                        "--lake",
                                        "file:///l",
                                        "--plan",
                                        "p.json",
                                        "--operator",
                                        " "))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("--operator");
    }

    @Test
    void theJobJarRunsItAsErasureWithHelpAndExitCode2ForAnUnknownOption() throws Exception {
        Exit.Captured help = Exit.capture(() -> Jobs.main(new String[] {"erasure", "--help"}));
        assertThat(help.code()).isZero();
        assertThat(help.out()).contains("--plan", "--operator", "--archive", "--landing");
        assertThat(help.out())
                .contains("A RESTRICT plan")
                .contains("only removes their masked rows");
        assertThat(Jobs.usage()).contains("erasure");

        Exit.Captured bad = Exit.capture(() -> Jobs.main(new String[] {"erasure", "--lakes", "x"}));
        assertThat(bad.code()).isEqualTo(2);
        assertThat(bad.err()).startsWith("error: unknown option --lakes").hasLineCount(1);
    }
}
