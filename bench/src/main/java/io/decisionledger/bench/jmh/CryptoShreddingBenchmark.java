package io.decisionledger.bench.jmh;

import io.decisionledger.bench.events.DecisionEventGenerator;
import io.decisionledger.decision.CanonicalContent;
import io.decisionledger.schema.DecisionRecord;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The evaluation of crypto-shredding (issue 17): what encrypting a record's ten personal columns
 * under a per-subject AES-256-GCM key would cost ingest, and decrypting them every read, next to
 * what the record's layout-3 hashing costs now (salt from SecureRandom, d_i, ten HMACs, DLC3). The
 * key store is an in-process map of one key per tenant and user (the best case: a real key service
 * adds a network round trip per key not cached, and every reader needs it). One record per op, on
 * the bench generator's parsed events. Not part of {@code bench/run.sh}; run it with JMH directly:
 *
 * <pre>
 * java -cp "bench/target/classes:$(cat bench/target/runtime-classpath.txt)" \
 *     org.openjdk.jmh.Main CryptoShreddingBenchmark -f 1 -wi 3 -i 5
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class CryptoShreddingBenchmark {

    private static final int POOL = 4096;
    private static final int IV_BYTES = 12;
    private static final int TAG_BITS = 128;

    private DecisionRecord[] decisions;
    private byte[][] ciphertexts;
    private byte[][] ivs;
    private int next;
    private final CanonicalContent content = new CanonicalContent();
    private final SecureRandom random = new SecureRandom();
    private final byte[] salt = new byte[CanonicalContent.SALT_BYTES];
    private final Map<String, SecretKey> keyStore = new HashMap<>();
    private Cipher cipher;
    private final ByteArrayOutputStream plain = new ByteArrayOutputStream(4096);

    @Setup(Level.Trial)
    public void setUp() throws GeneralSecurityException {
        decisions = DecisionEventGenerator.parsedValid(42, POOL).toArray(DecisionRecord[]::new);
        cipher = Cipher.getInstance("AES/GCM/NoPadding");
        KeyGenerator keys = KeyGenerator.getInstance("AES");
        keys.init(256, random);
        ciphertexts = new byte[POOL][];
        ivs = new byte[POOL][];
        for (int i = 0; i < POOL; i++) {
            keyStore.computeIfAbsent(subject(decisions[i]), s -> keys.generateKey());
            ivs[i] = new byte[IV_BYTES];
            random.nextBytes(ivs[i]);
            cipher.init(
                    Cipher.ENCRYPT_MODE,
                    keyStore.get(subject(decisions[i])),
                    new GCMParameterSpec(TAG_BITS, ivs[i]));
            ciphertexts[i] = cipher.doFinal(personal(decisions[i]));
        }
    }

    /** What ingest does per record now: a fresh salt and the layout-3 content hash. */
    @Benchmark
    public String layout3Hashing() {
        DecisionRecord d = decisions[next];
        next = (next + 1) % POOL;
        random.nextBytes(salt);
        return content.layout3(d, salt).contentSha256();
    }

    /** Crypto-shredding on ingest: key lookup, fresh IV, AES-256-GCM over the personal columns. */
    @Benchmark
    public byte[] aesGcmEncryptPersonalColumns() throws GeneralSecurityException {
        DecisionRecord d = decisions[next];
        next = (next + 1) % POOL;
        SecretKey key = keyStore.get(subject(d));
        byte[] iv = new byte[IV_BYTES];
        random.nextBytes(iv);
        cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, iv));
        return cipher.doFinal(personal(d));
    }

    /** Crypto-shredding on every read of a record: key lookup and AES-256-GCM decryption. */
    @Benchmark
    public byte[] aesGcmDecryptPersonalColumns() throws GeneralSecurityException {
        int i = next;
        next = (next + 1) % POOL;
        SecretKey key = keyStore.get(subject(decisions[i]));
        cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, ivs[i]));
        return cipher.doFinal(ciphertexts[i]);
    }

    private static String subject(DecisionRecord d) {
        return d.getTenantId() + "|" + d.getUserId();
    }

    /** The ten personal columns, length-prefixed UTF-8 (what would be encrypted). */
    private byte[] personal(DecisionRecord d) {
        plain.reset();
        for (String column : CanonicalContent.personalColumns()) {
            Object v = d.get(column);
            byte[] b = v == null ? new byte[0] : v.toString().getBytes(StandardCharsets.UTF_8);
            plain.write(b.length >>> 24);
            plain.write(b.length >>> 16);
            plain.write(b.length >>> 8);
            plain.write(b.length);
            plain.write(b, 0, b.length);
        }
        return plain.toByteArray();
    }
}
