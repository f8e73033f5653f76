package io.decisionledger.chain;

import static org.assertj.core.api.Assertions.assertThat;

import io.decisionledger.lake.LakeFiles;
import io.decisionledger.lake.LakeLayout;
import io.decisionledger.schema.DecisionRecord;
import io.decisionledger.testing.SmallFileLake;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.core.fs.FileStatus;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ChainProof} on a small lake written without Flink: a proof gathered for a stored record
 * verifies step by step up to the published head, and each way the record or its proof can be wrong
 * fails exactly the step that covers it.
 */
class ChainProofTest {

    @TempDir static Path dir;

    private static LakeLayout lake;
    private static Map<String, List<DecisionRecord>> chains;

    @BeforeAll
    static void writeALake() throws IOException {
        lake = LakeLayout.at(dir.resolve("lake").toUri().toString());
        SmallFileLake.write(
                lake,
                120,
                List.of(LocalDate.now().minusDays(3), LocalDate.now().minusDays(2)),
                15,
                0,
                5);
        List<DecisionRecord> all = new ArrayList<>();
        for (FileStatus f : auditFiles()) {
            LakeFiles.forEachRecord(f, DecisionRecord.class, all::add);
        }
        chains =
                all.stream()
                        .sorted(Comparator.comparing(DecisionRecord::getChainSeq))
                        .collect(Collectors.groupingBy(DecisionRecord::getTenantId));
        assertThat(all).hasSize(120);
    }

    @Test
    void aStoredRecordsProofVerifiesUpToThePublishedHead() throws IOException {
        List<DecisionRecord> chain = longestChain();
        DecisionRecord record = chain.get(chain.size() / 2);

        ChainProof proof = ChainProof.gather(lake, record);

        assertThat(proof.chainSeq()).isEqualTo(record.getChainSeq());
        assertThat(proof.previous().chainSeq()).isEqualTo(record.getChainSeq() - 1);
        assertThat(proof.previous().hash()).isEqualTo(record.getPrevHash());
        assertThat(proof.following())
                .extracting(ChainLinkWitness::chainSeq)
                .containsExactlyElementsOf(
                        chain.subList(chain.size() / 2 + 1, chain.size()).stream()
                                .map(DecisionRecord::getChainSeq)
                                .toList());
        assertThat(proof.head().getChainSeq()).isEqualTo((long) chain.size());
        assertThat(proof.head().getHash()).isEqualTo(chain.get(chain.size() - 1).getHash());
        assertThat(proof.headFile()).contains("chain/heads/tenant_id=" + record.getTenantId());
        assertThat(proof.verify(record))
                .extracting(ChainProof.Check::name, ChainProof.Check::ok)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("record layout", true),
                        org.assertj.core.groups.Tuple.tuple("content hash", true),
                        org.assertj.core.groups.Tuple.tuple("record chain hash", true),
                        org.assertj.core.groups.Tuple.tuple("proof is for this record", true),
                        org.assertj.core.groups.Tuple.tuple("link to previous record", true),
                        org.assertj.core.groups.Tuple.tuple("links to the following records", true),
                        org.assertj.core.groups.Tuple.tuple("published chain head", true));
    }

    @Test
    void theFirstRecordLinksToGenesisAndTheLastNeedsNoFollowers() throws IOException {
        List<DecisionRecord> chain = longestChain();

        ChainProof first = ChainProof.gather(lake, chain.get(0));
        ChainProof last = ChainProof.gather(lake, chain.get(chain.size() - 1));

        assertThat(first.previous()).isNull();
        assertThat(first.verify(chain.get(0))).allMatch(ChainProof.Check::ok);
        assertThat(last.following()).isEmpty();
        assertThat(last.verify(chain.get(chain.size() - 1)))
                .allMatch(ChainProof.Check::ok)
                .anySatisfy(
                        c ->
                                assertThat(c.detail())
                                        .contains("the record is the last one the head covers"));
    }

    @Test
    void aChangedFieldFailsTheContentHashAndNothingElseClaimsIt() throws IOException {
        DecisionRecord record = longestChain().get(3);
        ChainProof proof = ChainProof.gather(lake, record);
        DecisionRecord changed = DecisionRecord.newBuilder(record).build();
        changed.setDecisionApproved(!Boolean.TRUE.equals(record.getDecisionApproved()));

        assertThat(failed(proof.verify(changed))).containsExactly("content hash");
    }

    @Test
    void aRecordWhoseHashWasRecomputedAfterAChangeBreaksTheLinkToItsFollower() throws IOException {
        List<DecisionRecord> chain = longestChain();
        DecisionRecord record = chain.get(4);
        ChainProof proof = ChainProof.gather(lake, record);
        // The attacker changes the record and recomputes both its hashes: the record alone
        // verifies, but its follower's prev_hash (in the proof) still names the old hash.
        DecisionRecord forged = DecisionRecord.newBuilder(record).build();
        forged.setDecisionApproved(!Boolean.TRUE.equals(record.getDecisionApproved()));
        forged.setContentSha256(
                new io.decisionledger.decision.CanonicalContent()
                        .layout3(forged, java.util.HexFormat.of().parseHex(forged.getFieldSalt()))
                        .contentSha256());
        forged.setHash(new ChainHasher().hash(forged.getPrevHash(), forged));

        assertThat(failed(proof.verify(forged)))
                .containsExactly("links to the following records", "published chain head");
    }

    @Test
    void statesTheLayoutAndCoversTheModelCardLinkOfALayoutThreeRecord() throws IOException {
        DecisionRecord record = longestChain().get(3);
        ChainProof proof = ChainProof.gather(lake, record);
        assertThat(record.getRecordLayout()).isEqualTo(3);
        assertThat(proof.verify(record))
                .filteredOn(c -> c.name().equals(ChainProof.LAYOUT_CHECK))
                .extracting(ChainProof.Check::detail)
                .containsExactly(
                        "layout 3 (DLC3/DLR3): content, chain link and model-card link verified");
        assertThat(ChainProof.verifiedLayout(proof.verify(record)))
                .isEqualTo(RecordLayout.LAYOUT_3);
        assertThat(proof.following()).allMatch(w -> w.recordLayout() == 3);

        DecisionRecord relinked = DecisionRecord.newBuilder(record).build();
        relinked.setModelCardStatus("LINKED");
        relinked.setModelCardId("meta_other");

        assertThat(failed(proof.verify(relinked))).containsExactly("record chain hash");
    }

    @Test
    void anErasedRecordStillProvesItsPlaceAndSaysWhatWasErased() throws IOException {
        DecisionRecord record = longestChain().get(3);
        ChainProof proof = ChainProof.gather(lake, record);
        DecisionRecord erased = DecisionRecord.newBuilder(record).build();
        io.decisionledger.privacy.RecordErasure.erase(
                erased,
                List.of("user_id", "prompt"),
                "erasure-5",
                java.time.Instant.parse("2026-04-01T12:00:00Z"));

        List<ChainProof.Check> checks = proof.verify(erased);

        assertThat(checks).allMatch(ChainProof.Check::ok);
        assertThat(checks.get(0).detail())
                .startsWith(
                        "layout 3 (DLC3/DLR3): content, chain link and model-card link verified")
                .contains("erased columns case_id, context_metadata_json")
                .contains("2026-04-01T12:00:00Z")
                .contains("under erasure request erasure-5");
    }

    @Test
    void aProofForAnotherRecordIsRefused() throws IOException {
        List<DecisionRecord> chain = longestChain();
        ChainProof proofOfAnother = ChainProof.gather(lake, chain.get(2));

        assertThat(failed(proofOfAnother.verify(chain.get(5))))
                .contains("proof is for this record", "link to previous record");
    }

    @Test
    void withoutAPublishedHeadTheProofIsIncomplete() throws Exception {
        Path copy = dir.resolve("no-heads");
        copyTree(dir.resolve("lake"), copy);
        deleteTree(copy.resolve(LakeLayout.CHAIN_HEADS));
        LakeLayout headless = LakeLayout.at(copy.toUri().toString());
        DecisionRecord record = longestChain().get(2);

        ChainProof proof = ChainProof.gather(headless, record);

        assertThat(proof.head()).isNull();
        assertThat(proof.headFile()).isNull();
        assertThat(failed(proof.verify(record))).containsExactly("published chain head");
        assertThat(proof.verify(record))
                .filteredOn(c -> !c.ok())
                .extracting(ChainProof.Check::detail)
                .containsExactly("no published head covers seq " + record.getChainSeq() + " yet");
    }

    private static List<String> failed(List<ChainProof.Check> checks) {
        return checks.stream().filter(c -> !c.ok()).map(ChainProof.Check::name).toList();
    }

    private static List<DecisionRecord> longestChain() {
        List<DecisionRecord> chain =
                chains.values().stream().max(Comparator.comparingInt(List::size)).orElseThrow();
        assertThat(chain.size()).isGreaterThan(10);
        for (int i = 0; i < chain.size(); i++) {
            assertThat(chain.get(i).getChainSeq()).isEqualTo(i + 1L);
        }
        return chain;
    }

    private static List<FileStatus> auditFiles() throws IOException {
        List<FileStatus> files = new ArrayList<>();
        for (org.apache.flink.core.fs.Path p : LakeFiles.auditPartitions(lake, null, null, null)) {
            files.addAll(LakeFiles.parquetFiles(p));
        }
        return files;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }
}
