package io.decisionledger.audit;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoGeneratorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampResponseGenerator;
import org.bouncycastle.tsp.TimeStampTokenGenerator;

/**
 * A time-stamping authority for tests: RFC 3161 over HTTP on 127.0.0.1, answered by BouncyCastle's
 * TimeStampResponseGenerator with a TSA certificate (timeStamping EKU, critical) issued by a
 * self-signed CA, all generated here. Every token carries the fixed {@link #genTime} so tests can
 * assert on it. {@link #answerAnotherNonce} makes it answer a different request than the one asked.
 */
final class LocalTsa implements AutoCloseable {

    final Instant genTime;
    final X509Certificate ca;
    final X509Certificate tsaCert;
    final AtomicInteger requests = new AtomicInteger();
    volatile boolean answerAnotherNonce;

    /** When set, requests are read but never answered until {@link #close}. */
    volatile boolean hang;

    private final java.util.concurrent.CountDownLatch closed =
            new java.util.concurrent.CountDownLatch(1);

    private final TimeStampResponseGenerator responses;
    private final HttpServer server;
    private final AtomicLong serials = new AtomicLong(1000);

    LocalTsa(String name, Instant genTime) throws Exception {
        this.genTime = genTime;
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair caKey = gen.generateKeyPair();
        KeyPair tsaKey = gen.generateKeyPair();
        X500Name caName = new X500Name("CN=" + name + " Root CA,O=decision-ledger tests");
        X500Name tsaName = new X500Name("CN=" + name + " TSA,O=decision-ledger tests");
        Date from = Date.from(Instant.parse("2020-01-01T00:00:00Z"));
        Date to = Date.from(Instant.parse("2040-01-01T00:00:00Z"));
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
        ca =
                conv.getCertificate(
                        new JcaX509v3CertificateBuilder(
                                        caName, BigInteger.ONE, from, to, caName, caKey.getPublic())
                                .addExtension(
                                        Extension.basicConstraints,
                                        true,
                                        new BasicConstraints(true))
                                .addExtension(
                                        Extension.keyUsage,
                                        true,
                                        new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                                .build(
                                        new JcaContentSignerBuilder("SHA256withECDSA")
                                                .build(caKey.getPrivate())));
        tsaCert =
                conv.getCertificate(
                        new JcaX509v3CertificateBuilder(
                                        caName,
                                        BigInteger.TWO,
                                        from,
                                        to,
                                        tsaName,
                                        tsaKey.getPublic())
                                .addExtension(
                                        Extension.extendedKeyUsage,
                                        true,
                                        new ExtendedKeyUsage(KeyPurposeId.id_kp_timeStamping))
                                .addExtension(
                                        Extension.keyUsage,
                                        true,
                                        new KeyUsage(KeyUsage.digitalSignature))
                                .build(
                                        new JcaContentSignerBuilder("SHA256withECDSA")
                                                .build(caKey.getPrivate())));
        TimeStampTokenGenerator tokens =
                new TimeStampTokenGenerator(
                        new JcaSimpleSignerInfoGeneratorBuilder()
                                .build("SHA256withECDSA", tsaKey.getPrivate(), tsaCert),
                        new JcaDigestCalculatorProviderBuilder()
                                .build()
                                .get(new AlgorithmIdentifier(NISTObjectIdentifiers.id_sha256)),
                        new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"));
        tokens.addCertificates(new JcaCertStore(List.of(tsaCert, ca)));
        responses = new TimeStampResponseGenerator(tokens, TSPAlgorithms.ALLOWED);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext(
                "/tsa",
                exchange -> {
                    try (exchange) {
                        requests.incrementAndGet();
                        byte[] body;
                        try (InputStream in = exchange.getRequestBody()) {
                            body = in.readAllBytes();
                        }
                        if (hang) {
                            try {
                                closed.await();
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            return;
                        }
                        byte[] reply = answer(body);
                        exchange.getResponseHeaders()
                                .set("Content-Type", "application/timestamp-reply");
                        exchange.sendResponseHeaders(200, reply.length);
                        try (OutputStream out = exchange.getResponseBody()) {
                            out.write(reply);
                        }
                    }
                });
        server.start();
    }

    private byte[] answer(byte[] body) throws IOException {
        try {
            TimeStampRequest req = new TimeStampRequest(body);
            if (answerAnotherNonce) {
                TimeStampRequestGenerator g = new TimeStampRequestGenerator();
                g.setCertReq(true);
                req =
                        g.generate(
                                req.getMessageImprintAlgOID(),
                                req.getMessageImprintDigest(),
                                req.getNonce().add(BigInteger.ONE));
            }
            TimeStampResponse resp =
                    responses.generate(
                            req, BigInteger.valueOf(serials.incrementAndGet()), Date.from(genTime));
            return resp.getEncoded();
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/tsa";
    }

    /** The CA certificate as a PEM file: what an operator passes as --tsa-trust. */
    Path writeTrust(Path file) throws Exception {
        return writeTrust(file, ca);
    }

    /** {@code cert} as a PEM file. */
    static Path writeTrust(Path file, X509Certificate cert) throws Exception {
        String pem =
                "-----BEGIN CERTIFICATE-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(cert.getEncoded())
                        + "\n-----END CERTIFICATE-----\n";
        Files.writeString(file, pem);
        return file;
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
    }
}
