package io.decisionledger.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.decisionledger.lake.LakeLayout;
import io.decisionledger.options.OptionTable;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * VerifyJob's state options: a full run without a state is the default (fail safe), {@code --state}
 * implies an incremental run, the combinations that cannot work are bad options (exit 2), and
 * {@code --help} documents them.
 */
class VerifyStateOptionsTest {

    @Test
    void aFullRunWithoutStateIsTheDefault() {
        VerifyJob.Options o = VerifyJob.Options.parse(new String[] {"--lake", "file:///l"});
        assertThat(o.state().used()).isFalse();
        assertThat(o.state().incremental()).isFalse();
        assertThat(o.options()).doesNotContainKey("incremental");
    }

    @Test
    void incrementalKeepsItsStatesInTheLakeUnlessToldOtherwise() {
        VerifyJob.Options o =
                VerifyJob.Options.parse(new String[] {"--lake", "file:///l", "--incremental"});
        assertThat(o.state().incremental()).isTrue();
        assertThat(o.state().write()).isTrue();
        assertThat(o.state().folder(LakeLayout.at("file:///l")).toString())
                .isEqualTo("file:/l/verify/state");

        VerifyJob.Options elsewhere =
                VerifyJob.Options.parse(
                        new String[] {"--lake", "file:///l", "--state", "s3://states/ledger"});
        assertThat(elsewhere.state().incremental()).as("--state implies it").isTrue();
        assertThat(elsewhere.state().folder(LakeLayout.at("file:///l")).toString())
                .isEqualTo("s3://states/ledger");
        assertThat(elsewhere.options()).containsEntry("state", "s3://states/ledger");
    }

    @Test
    void refreshStateIsAFullRunThatWritesAState() {
        VerifyJob.Options o =
                VerifyJob.Options.parse(new String[] {"--lake", "file:///l", "--refresh-state"});
        assertThat(o.state().incremental()).isFalse();
        assertThat(o.state().write()).isTrue();
    }

    @Test
    void refusesCombinationsThatCannotWork(@TempDir Path dir) throws Exception {
        Path key = dir.resolve("k.pem");
        Files.writeString(key, "not read at parse time\n");
        assertThatThrownBy(
                        () ->
                                VerifyJob.Options.parse(
                                        new String[] {
                                            "--lake", "file:///l", "--incremental", "--tenant", "t"
                                        }))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("not with --tenant or --derived");
        assertThatThrownBy(
                        () ->
                                VerifyJob.Options.parse(
                                        new String[] {
                                            "--lake",
                                            "file:///l",
                                            "--signing-key",
                                            key.toString(),
                                            "--signing-key-id",
                                            "k1"
                                        }))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("--signing-key signs the verify state");
        assertThatThrownBy(
                        () ->
                                VerifyJob.Options.parse(
                                        new String[] {
                                            "--lake",
                                            "file:///l",
                                            "--incremental",
                                            "--refresh-state"
                                        }))
                .isInstanceOf(OptionTable.InvalidOptionException.class)
                .hasMessageContaining("--refresh-state is a full run");
    }

    @Test
    void helpDocumentsTheStateOptions() {
        assertThat(VerifyJob.Options.help())
                .contains("--incremental")
                .contains("--state")
                .contains("--refresh-state")
                .contains("--signing-key")
                .contains("verify/state/ in the lake");
    }
}
