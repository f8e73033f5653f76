package io.decisionledger.audit;

import io.decisionledger.chain.SignedBytes;
import io.decisionledger.lake.LakeFiles;
import io.decisionledger.schema.ChainHead;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.FileStatus;

/**
 * The message imprint an RFC 3161 time-stamp of one chain-heads file covers (schemas/CANONICAL.md
 * section 11): SHA-256 over the magic {@code DLT1}, the number of heads, then for every head in
 * file order its signed bytes (section 9, with the head's own key id and algorithm, null when
 * unsigned) followed by its signature. So a token vouches for every field of every head in the file
 * and for the signatures they carried when it was issued: a head edited, added, removed, re-ordered
 * or re-signed after the time-stamp no longer matches.
 */
public final class HeadsImprint {

    public static final String MAGIC = "DLT1";

    private HeadsImprint() {}

    /** The imprint of a committed heads file, read back from the lake. */
    public static byte[] of(FileStatus headsFile) throws IOException {
        List<ChainHead> heads = new ArrayList<>();
        LakeFiles.forEachRecord(headsFile, ChainHead.class, heads::add);
        return of(heads);
    }

    /** The imprint of these heads, in this order. */
    public static byte[] of(List<ChainHead> heads) {
        return sha256(bytes(heads));
    }

    /** The bytes the imprint hashes: DLT1 ‖ u32(n) ‖ (signed bytes ‖ enc(signature)) per head. */
    static byte[] bytes(List<ChainHead> heads) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256 * (heads.size() + 1));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC.getBytes(StandardCharsets.US_ASCII));
            out.writeInt(heads.size());
            for (ChainHead h : heads) {
                out.write(
                        SignedBytes.of(
                                h, str(h.getSignatureKeyId()), str(h.getSignatureAlgorithm())));
                CharSequence sig = h.getSignature();
                if (sig == null) {
                    out.writeByte(0);
                } else {
                    byte[] utf8 = sig.toString().getBytes(StandardCharsets.UTF_8);
                    out.writeByte(1);
                    out.writeInt(utf8.length);
                    out.write(utf8);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot encode heads in memory", e);
        }
        return bytes.toByteArray();
    }

    private static String str(CharSequence s) {
        return s == null ? null : s.toString();
    }

    static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
