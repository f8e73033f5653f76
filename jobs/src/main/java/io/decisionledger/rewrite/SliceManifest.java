package io.decisionledger.rewrite;

import java.util.List;

/**
 * What one slice of a split partition staged, written last into the slice's staging folder ({@code
 * <staging>/slice-<k>/}) once its merged files are written and verified: its presence means "this
 * slice is staged and good". It is no commit point: the partition's {@link SwapManifest}, written
 * only after every slice's manifest is there and their digests add up to the input, is. Digests are
 * {@link RecordDigest#state()} (sums of hashes: no personal data).
 *
 * @param runId the run
 * @param dataset the dataset
 * @param partition relative partition path
 * @param index the slice ({@link PartitionSlice#index()})
 * @param count slices of the partition
 * @param subtask the Flink subtask that staged it (-1 outside Flink)
 * @param outputs its merged files, staged (targets are numbered again at the commit)
 * @param kept digest of the source rows in the slice's range (= of the rows written)
 * @param skipped digest of the source rows outside it
 */
public record SliceManifest(
        String runId,
        Dataset dataset,
        String partition,
        int index,
        int count,
        int subtask,
        List<SwapManifest.Output> outputs,
        String kept,
        String skipped) {

    public static final String FILE_NAME = "slice.json";

    /** The staging folder of slice {@code index} under a partition's staging folder. */
    public static String folder(int index) {
        return "slice-" + index;
    }

    public long rows() {
        return outputs.stream().mapToLong(SwapManifest.Output::rows).sum();
    }

    public String toJson() {
        return PartitionRewrite.toJson(this);
    }

    public static SliceManifest fromJson(String json) {
        return PartitionRewrite.fromJson(json, SliceManifest.class);
    }
}
