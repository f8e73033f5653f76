package io.decisionledger.bench.chain;

import io.decisionledger.chain.HeadSigner;
import io.decisionledger.chain.PemFileSigningKey;
import io.decisionledger.chain.Signatures;
import io.decisionledger.chain.TrustedKeys;
import io.decisionledger.schema.ChainHead;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Instant;
import java.util.Base64;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * What signing chain heads costs the ingest job per checkpoint, without JMH: on one thread, the
 * thread CPU time of (a) emitting a checkpoint's heads unsigned (build each {@code ChainHead} as
 * {@code ChainLinkOperator} does and Avro-encode it, as the side output's serializer does) and (b)
 * the same with signing ({@code SignChainHeads}: DLH1 bytes, JDK Ed25519, Base64), for {@code
 * tenants × shards} chains that all moved since the last checkpoint (the worst case: one head per
 * chain). Also (c) verifying one signature ({@code TrustedKeys.check}), what VerifyJob pays per
 * head. Rounds alternate so drift in machine load hits both alike.
 *
 * <pre>java -cp … io.decisionledger.bench.chain.HeadSigningCost [checkpoints 2000] [tenants 10]
 * [shards 64]</pre>
 */
public final class HeadSigningCost {

    private HeadSigningCost() {}

    public static void main(String[] args) throws Exception {
        int checkpoints = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int tenants = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int shards = args.length > 2 ? Integer.parseInt(args[2]) : 64;
        int chains = tenants * shards;

        KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        Path pem = Files.createTempFile("head-signing-cost", ".pem");
        Files.writeString(
                pem,
                "-----BEGIN PRIVATE KEY-----\n"
                        + Base64.getMimeEncoder().encodeToString(pair.getPrivate().getEncoded())
                        + "\n-----END PRIVATE KEY-----\n");
        HeadSigner signer = new PemFileSigningKey(pem.toString(), "bench").open();
        Files.delete(pem);
        TrustedKeys trusted =
                TrustedKeys.parse(TrustedKeys.line("bench", pair.getPublic()), "bench");

        String[] hashes = new String[chains];
        for (int i = 0; i < chains; i++) {
            hashes[i] = String.format("%064x", 0x9e3779b97f4a7c15L * (i + 1));
        }
        SpecificDatumWriter<ChainHead> writer = new SpecificDatumWriter<>(ChainHead.class);
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();

        long sink = 0;
        for (int w = 0; w < Math.max(5, checkpoints / 10); w++) {
            sink += checkpoint(w, chains, tenants, hashes, null, writer, out);
            sink += checkpoint(w, chains, tenants, hashes, signer, writer, out);
        }
        long unsignedNanos = 0;
        long signedNanos = 0;
        for (int c = 0; c < checkpoints; c++) {
            long t0 = cpu.getCurrentThreadCpuTime();
            sink += checkpoint(c, chains, tenants, hashes, null, writer, out);
            long t1 = cpu.getCurrentThreadCpuTime();
            sink += checkpoint(c, chains, tenants, hashes, signer, writer, out);
            long t2 = cpu.getCurrentThreadCpuTime();
            unsignedNanos += t1 - t0;
            signedNanos += t2 - t1;
        }
        ChainHead probe = Signatures.sign(head(7, 3, tenants, hashes[0]), signer);
        int verifications = 5_000;
        long v0 = cpu.getCurrentThreadCpuTime();
        for (int i = 0; i < verifications; i++) {
            sink += trusted.check(probe).valid() ? 1 : 0;
        }
        long verifyNanos = cpu.getCurrentThreadCpuTime() - v0;

        long heads = (long) checkpoints * chains;
        double unsignedPerHead = unsignedNanos / 1e3 / heads;
        double signedPerHead = signedNanos / 1e3 / heads;
        System.out.printf(
                "chains per checkpoint: %d (%d tenants x %d shards), %d checkpoints, %,d heads%n",
                chains, tenants, shards, checkpoints, heads);
        System.out.printf(
                "unsigned emit: %.2f us/head, %.2f ms/checkpoint%n",
                unsignedPerHead, unsignedPerHead * chains / 1e3);
        System.out.printf(
                "signed emit:   %.2f us/head, %.2f ms/checkpoint (x%.1f; signing adds %.2f us/head,"
                        + " %.2f ms/checkpoint)%n",
                signedPerHead,
                signedPerHead * chains / 1e3,
                signedPerHead / unsignedPerHead,
                signedPerHead - unsignedPerHead,
                (signedPerHead - unsignedPerHead) * chains / 1e3);
        System.out.printf(
                "verify one head signature: %.2f us (VerifyJob, per head read)%n",
                verifyNanos / 1e3 / verifications);
        System.out.println("(checksum " + sink + ")");
    }

    private static long checkpoint(
            int checkpoint,
            int chains,
            int tenants,
            String[] hashes,
            HeadSigner signer,
            SpecificDatumWriter<ChainHead> writer,
            ByteArrayOutputStream out)
            throws IOException {
        long sink = 0;
        BinaryEncoder encoder = null;
        for (int i = 0; i < chains; i++) {
            ChainHead h = head(checkpoint, i, tenants, hashes[i]);
            if (signer != null) {
                Signatures.sign(h, signer);
            }
            out.reset();
            encoder = EncoderFactory.get().binaryEncoder(out, encoder);
            writer.write(h, encoder);
            encoder.flush();
            sink += out.size();
        }
        return sink;
    }

    private static ChainHead head(int checkpoint, int chain, int tenants, String hash) {
        ChainHead h = new ChainHead();
        h.setTenantId("tenant_" + (chain % tenants));
        h.setChainShard(chain / tenants);
        h.setChainSeq(1000L * checkpoint + chain);
        h.setHash(hash);
        h.setEventId("evt-" + checkpoint + "-" + chain);
        h.setPublishedAt(Instant.ofEpochMilli(1_765_000_000_000L + checkpoint * 60_000L));
        return h;
    }
}
