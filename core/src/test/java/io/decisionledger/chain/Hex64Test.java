package io.decisionledger.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The stored 32-byte hashes as bytes ({@link Hex64}) and the verify job's chain entries that carry
 * them so ({@link ChainEntry#setHashes}): lower-case hex parses to exactly HexFormat's bytes and
 * back, anything else is refused, and comparing two entries' forms gives exactly the answer
 * comparing the stored strings gives.
 */
class Hex64Test {

    @Test
    void parsesLowerCaseHexToTheSameBytesAsHexFormatAndFormatsThemBack() {
        Random random = new Random(19);
        for (int i = 0; i < 200; i++) {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            String hex = HexFormat.of().formatHex(bytes);

            assertThat(Hex64.is(hex)).isTrue();
            assertThat(Hex64.parse(hex)).isEqualTo(bytes);
            assertThat(Hex64.format(bytes)).isEqualTo(hex);
        }
    }

    @Test
    void refusesEverythingButSixtyFourLowerCaseHexCharacters() {
        String hex = "0123456789abcdef".repeat(4);
        for (String s :
                List.of(
                        hex.toUpperCase(),
                        hex.substring(1),
                        hex + "0",
                        "g" + hex.substring(1),
                        " " + hex.substring(1),
                        "\u0660" + hex.substring(1),
                        "\u0130" + hex.substring(1),
                        "")) {
            assertThat(Hex64.is(s)).as(s).isFalse();
            assertThat(Hex64.parse(s)).as(s).isNull();
        }
        assertThat(Hex64.is(null)).isFalse();
        assertThat(Hex64.parse(null)).isNull();
    }

    @Test
    void entriesCompareTheirHashesExactlyAsTheStoredStringsCompare() {
        String a = "ab".repeat(32);
        List<String> stored =
                List.of(
                        a,
                        "cd".repeat(32),
                        a.toUpperCase(),
                        "h1",
                        "h2",
                        "0".repeat(64),
                        "not hex at all, but 64 characters long: ...........................");
        for (String prev : stored) {
            for (String last : stored) {
                ChainEntry e = new ChainEntry();
                e.setHashes(prev, last);
                ChainEntry before = new ChainEntry();
                before.setHashes(last, last);

                assertThat(e.samePrevHash(before.hashBytes, before.hash))
                        .as("%s against %s", prev, last)
                        .isEqualTo(prev.equals(last));
                assertThat(e.storedPrevHash()).isEqualTo(prev);
                assertThat(e.storedHash()).isEqualTo(last);
            }
        }
    }

    @Test
    void hashesSetOnTheStringFieldsAreBroughtIntoTheSameForm() {
        String a = "ab".repeat(32);
        ChainEntry byHand = new ChainEntry();
        byHand.prevHash = a;
        byHand.hash = "h7";
        byHand.normalizeHashes();

        ChainEntry set = new ChainEntry();
        set.setHashes(a, "h7");

        assertThat(byHand.prevHashBytes).isEqualTo(set.prevHashBytes).isNotNull();
        assertThat(byHand.prevHash).isNull();
        assertThat(byHand.hash).isEqualTo("h7");
        assertThat(byHand.hashBytes).isNull();
    }
}
