package io.decisionledger.audit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BundleVerifierTest {

    @Test
    void aCheckQuotingTheBundleCannotMoveTheTerminalOrForgeALine() {
        // a manifest entry named to move the cursor up one line and print a fake verdict
        BundleVerifier.Check check =
                new BundleVerifier.Check(
                        "file \u001b[1A\rVERIFIED\u202e", false, "listed\nOK but missing\u0007");

        assertThat(check.name()).isEqualTo("file \\u001b[1A\\u000dVERIFIED\\u202e");
        assertThat(check.detail()).isEqualTo("listed\\u000aOK but missing\\u0007");
        assertThat(check.name() + check.detail()).doesNotContain("\u001b", "\r", "\n", "\u0007");
    }

    @Test
    void plainTextIsUnchanged() {
        BundleVerifier.Check check =
                new BundleVerifier.Check("file record.json", true, "SHA-256 ab12 (Zoë, 120 000 €)");

        assertThat(check.name()).isEqualTo("file record.json");
        assertThat(check.detail()).isEqualTo("SHA-256 ab12 (Zoë, 120 000 €)");
    }
}
