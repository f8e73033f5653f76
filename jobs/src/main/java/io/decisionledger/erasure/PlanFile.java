package io.decisionledger.erasure;

import io.decisionledger.rights.ErasurePlan;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.apache.flink.core.fs.Path;

/**
 * An erasure plan as read from the lake, with the SHA-256 of its bytes (the receipt names it, and
 * each Flink task re-reads the plan and checks the digest, so the subject id never travels in the
 * job graph). Refuses request and tenant ids that cannot name a lake folder.
 */
public record PlanFile(ErasurePlan plan, String sha256, String location) {

    /** Request ids and tenant ids name folders (rights/receipts/tenant_id=T/request_id=R/). */
    private static final Pattern FOLDER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

    public static PlanFile load(String location) {
        byte[] bytes;
        try {
            Path p = new Path(location);
            try (InputStream in = p.getFileSystem().open(p)) {
                bytes = in.readAllBytes();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the erasure plan " + location, e);
        }
        ErasurePlan plan = ErasurePlan.fromJson(bytes, location);
        if (!FOLDER_NAME.matcher(plan.requestId()).matches()
                || !FOLDER_NAME.matcher(plan.tenantId()).matches()) {
            throw new IllegalArgumentException(
                    location
                            + ": request_id and tenant_id must be 1-128 letters, digits, '.', '_'"
                            + " or '-' (they name lake folders)");
        }
        return new PlanFile(plan, sha256(bytes), location);
    }

    static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    /** SHA-256 of a file's bytes, streamed. */
    static String sha256(Path file) throws IOException {
        MessageDigest d = digest();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = file.getFileSystem().open(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                d.update(buffer, 0, n);
            }
        }
        return HexFormat.of().formatHex(d.digest());
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
