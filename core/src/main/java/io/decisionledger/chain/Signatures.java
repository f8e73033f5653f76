package io.decisionledger.chain;

import io.decisionledger.schema.ChainAnchor;
import io.decisionledger.schema.ChainHead;
import io.decisionledger.schema.RetentionSummary;
import java.io.IOException;
import java.util.Base64;

/**
 * Signs the lake's attestations in place: sets key id, algorithm and the Base64 signature over the
 * record's {@link SignedBytes}. Verification is {@link TrustedKeys#check}.
 */
public final class Signatures {

    private Signatures() {}

    public static ChainHead sign(ChainHead h, HeadSigner signer) throws IOException {
        String sig = sign(signer, SignedBytes.of(h, signer.keyId(), signer.algorithm()));
        h.setSignatureKeyId(signer.keyId());
        h.setSignatureAlgorithm(signer.algorithm());
        h.setSignature(sig);
        return h;
    }

    public static RetentionSummary sign(RetentionSummary s, HeadSigner signer) throws IOException {
        String sig = sign(signer, SignedBytes.of(s, signer.keyId(), signer.algorithm()));
        s.setSignatureKeyId(signer.keyId());
        s.setSignatureAlgorithm(signer.algorithm());
        s.setSignature(sig);
        return s;
    }

    public static ChainAnchor sign(ChainAnchor a, HeadSigner signer) throws IOException {
        String sig = sign(signer, SignedBytes.of(a, signer.keyId(), signer.algorithm()));
        a.setSignatureKeyId(signer.keyId());
        a.setSignatureAlgorithm(signer.algorithm());
        a.setSignature(sig);
        return a;
    }

    private static String sign(HeadSigner signer, byte[] bytes) throws IOException {
        return Base64.getEncoder().encodeToString(signer.sign(bytes));
    }
}
