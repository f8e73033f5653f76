package io.decisionledger.audit;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;
import org.bouncycastle.asn1.nist.NISTObjectIdentifiers;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cms.jcajce.JcaSimpleSignerInfoVerifierBuilder;
import org.bouncycastle.tsp.TSPException;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampToken;
import org.bouncycastle.util.Selector;

/**
 * The client side of RFC 3161 (section 3.4, "Time-Stamp Protocol via HTTP"): asks a time-stamping
 * authority for a token over a SHA-256 imprint and checks the answer before anyone stores it. The
 * request carries a random nonce and asks for the TSA's certificate (certReq), so the token can be
 * checked later against the operator's trusted certificates alone. Only https, unless the operator
 * allows plain http to a loopback address (a test TSA, a local relay).
 */
public final class TimeStampAuthority {

    static final String QUERY_TYPE = "application/timestamp-query";
    static final String REPLY_TYPE = "application/timestamp-reply";

    private static final SecureRandom NONCES = new SecureRandom();

    private final URI url;
    private final HttpClient http;
    private final Duration timeout;

    /**
     * A thrown when the TSA cannot be reached or its answer is not a valid token for the request.
     */
    public static final class TsaException extends IOException {
        private static final long serialVersionUID = 1L;

        TsaException(String message) {
            super(message);
        }

        TsaException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private TimeStampAuthority(URI url, Duration timeout) {
        this.url = url;
        this.timeout = timeout;
        this.http =
                HttpClient.newBuilder()
                        .connectTimeout(timeout)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build();
    }

    /**
     * The TSA at {@code url}: https, or http to a loopback address when {@code allowInsecure}.
     *
     * @throws IllegalArgumentException if the URL is not one of those
     */
    public static TimeStampAuthority at(String url, boolean allowInsecure, Duration timeout) {
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--tsa-url is not a URL: " + url);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (uri.getHost() == null || !(scheme.equals("https") || scheme.equals("http"))) {
            throw new IllegalArgumentException(
                    "--tsa-url must be an https:// URL with a host, got " + url);
        }
        if (scheme.equals("http")) {
            if (!allowInsecure) {
                throw new IllegalArgumentException(
                        "--tsa-url must use https (the TSA is asked over TLS); plain http only to"
                                + " a loopback address with --allow-insecure-tsa");
            }
            if (!loopback(uri.getHost())) {
                throw new IllegalArgumentException(
                        "--allow-insecure-tsa allows plain http only to a loopback address"
                                + " (127.0.0.0/8, ::1, localhost), not to "
                                + uri.getHost());
            }
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("--tsa-timeout must be positive");
        }
        return new TimeStampAuthority(uri, timeout);
    }

    private static boolean loopback(String host) {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        // only literal addresses: a name is not resolved (it could resolve anywhere)
        if (!h.matches("[0-9.]+|[0-9a-fA-F:]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (IOException e) {
            return false;
        }
    }

    public URI url() {
        return url;
    }

    /**
     * Asks for a token over {@code sha256Imprint} and returns the TSA's whole response (DER), once
     * checked: HTTP 200 with a time-stamp reply, status granted, the token answers this request
     * (imprint, nonce, no unrequested policy), it names its signing certificate, and its signature
     * verifies with that certificate, which carries the timeStamping extended key usage. Whether
     * that certificate is one to trust is the verifier's question ({@code verify-timestamps}).
     */
    public byte[] stamp(byte[] sha256Imprint) throws TsaException {
        TimeStampRequestGenerator gen = new TimeStampRequestGenerator();
        gen.setCertReq(true);
        BigInteger nonce = new BigInteger(64, NONCES);
        TimeStampRequest request =
                gen.generate(NISTObjectIdentifiers.id_sha256, sha256Imprint, nonce);
        byte[] body;
        try {
            body = request.getEncoded();
        } catch (IOException e) {
            throw new TsaException("cannot encode the time-stamp request", e);
        }
        HttpResponse<byte[]> response;
        java.util.concurrent.CompletableFuture<HttpResponse<byte[]>> pending =
                http.sendAsync(
                        HttpRequest.newBuilder(url)
                                .timeout(timeout)
                                .header("Content-Type", QUERY_TYPE)
                                .header("Accept", REPLY_TYPE)
                                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        try {
            // the request timeout ends with the response headers; this bounds the body too
            response =
                    pending.get(timeout.toMillis() * 2, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            pending.cancel(true);
            throw new TsaException("the TSA at " + url + " did not answer: timed out", e);
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable cause = e.getCause();
            throw new TsaException(
                    "the TSA at "
                            + url
                            + " did not answer: "
                            + (cause instanceof IOException io
                                    ? describe(io)
                                    : String.valueOf(cause)),
                    cause);
        } catch (InterruptedException e) {
            pending.cancel(true);
            Thread.currentThread().interrupt();
            throw new TsaException("interrupted while waiting for the TSA at " + url, e);
        }
        if (response.statusCode() != 200) {
            throw new TsaException("the TSA at " + url + " answered HTTP " + response.statusCode());
        }
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (!type.toLowerCase(Locale.ROOT).startsWith(REPLY_TYPE)) {
            throw new TsaException(
                    "the TSA at "
                            + url
                            + " answered with content type '"
                            + type
                            + "', not "
                            + REPLY_TYPE);
        }
        byte[] der = response.body();
        check(request, der);
        return der;
    }

    private void check(TimeStampRequest request, byte[] der) throws TsaException {
        TimeStampResponse reply;
        try {
            reply = new TimeStampResponse(der);
        } catch (TSPException | IOException | RuntimeException e) {
            throw new TsaException("the TSA at " + url + " sent no valid time-stamp response", e);
        }
        TimeStampToken token = reply.getTimeStampToken();
        if (token == null) {
            throw new TsaException(
                    "the TSA at "
                            + url
                            + " refused the request: status "
                            + reply.getStatus()
                            + (reply.getStatusString() == null
                                    ? ""
                                    : " (" + reply.getStatusString() + ")")
                            + (reply.getFailInfo() == null
                                    ? ""
                                    : ", failure info " + reply.getFailInfo().intValue()));
        }
        try {
            // status granted (or with mods), the imprint and its algorithm, the nonce, the
            // policy if one was asked for, and certReq honoured
            reply.validate(request);
        } catch (TSPException e) {
            throw new TsaException(
                    "the TSA at "
                            + url
                            + " sent a token that does not answer the request: "
                            + sentence(e.getMessage()),
                    e);
        }
        X509CertificateHolder cert = signerCertificate(token);
        if (cert == null) {
            throw new TsaException(
                    "the TSA at " + url + " sent a token without its signing certificate");
        }
        String problem = verifySignature(token, cert);
        if (problem != null) {
            throw new TsaException("the TSA at " + url + " sent a bad token: " + problem);
        }
        if (!Arrays.equals(
                token.getTimeStampInfo().getMessageImprintDigest(),
                request.getMessageImprintDigest())) {
            throw new TsaException("the TSA at " + url + " time-stamped another imprint");
        }
    }

    /** The certificate the token names as its signer, from the certificates it carries; or null. */
    @SuppressWarnings("unchecked")
    static X509CertificateHolder signerCertificate(TimeStampToken token) {
        var matches =
                token.getCertificates()
                        .getMatches((Selector<X509CertificateHolder>) (Selector<?>) token.getSID());
        return matches.isEmpty() ? null : (X509CertificateHolder) matches.iterator().next();
    }

    /**
     * Null if the token's signature verifies with {@code cert} and the certificate is fit for
     * time-stamping (valid at genTime, timeStamping the only, critical, extended key usage: RFC
     * 3161 section 2.3); else what is wrong.
     */
    static String verifySignature(TimeStampToken token, X509CertificateHolder cert) {
        Extension eku = cert.getExtension(Extension.extendedKeyUsage);
        if (eku == null
                || !ExtendedKeyUsage.getInstance(eku.getParsedValue())
                        .hasKeyPurposeId(KeyPurposeId.id_kp_timeStamping)) {
            return "the TSA certificate " + cert.getSubject() + " lacks the timeStamping key usage";
        }
        try {
            token.validate(
                    new JcaSimpleSignerInfoVerifierBuilder()
                            .build(new JcaX509CertificateConverter().getCertificate(cert)));
            return null;
        } catch (org.bouncycastle.tsp.TSPValidationException e) {
            return e.getMessage();
        } catch (TSPException e) {
            return "the signature does not verify: " + e.getMessage();
        } catch (Exception e) {
            return "the signature cannot be checked: " + e.getMessage();
        }
    }

    private static String sentence(String m) {
        return m != null && m.endsWith(".") ? m.substring(0, m.length() - 1) : m;
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        if (e instanceof java.net.http.HttpTimeoutException) {
            return "timed out";
        }
        if (e instanceof java.net.ConnectException) {
            return "connection refused" + (m == null ? "" : " (" + m + ")");
        }
        return m == null ? e.getClass().getSimpleName() : m;
    }
}
