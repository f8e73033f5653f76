package io.decisionledger.ingest;

import io.decisionledger.chain.HeadSigner;
import io.decisionledger.chain.Signatures;
import io.decisionledger.chain.SigningKeyProvider;
import io.decisionledger.schema.ChainHead;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;

/**
 * Signs every chain head on its way to the heads sink (Ed25519 over the head's {@code DLH1} signed
 * bytes, schemas/CANONICAL.md section 9), so that whoever can write the heads folder still cannot
 * publish a head a verifier with the public key accepts. The key is opened here, on the
 * TaskManager; the job graph carries only where it comes from. Heads arrive just before each
 * checkpoint barrier and are signed before it passes, so they still commit with the records they
 * cover. A failing signer fails the task (and the checkpoint): a head is never published unsigned
 * once signing is configured.
 */
public final class SignChainHeads extends RichMapFunction<ChainHead, ChainHead> {
    private static final long serialVersionUID = 1L;

    private final SigningKeyProvider key;
    private transient HeadSigner signer;

    public SignChainHeads(SigningKeyProvider key) {
        this.key = key;
    }

    @Override
    public void open(OpenContext context) throws Exception {
        signer = key.open();
    }

    @Override
    public ChainHead map(ChainHead head) throws Exception {
        return Signatures.sign(head, signer);
    }
}
