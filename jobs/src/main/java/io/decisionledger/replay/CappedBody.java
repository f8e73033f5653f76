package io.decisionledger.replay;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read as it streams, up to a cap: the replay's defence against an endpoint (or a
 * man in the middle of an allowed http endpoint) that answers with an endless or huge body. Bytes
 * are taken one buffer at a time; as soon as the body is longer than the cap (or its {@code
 * Content-Length} says it will be) the subscription is cancelled, which closes the connection, and
 * the body fails with {@link TooLarge}. At most the cap is ever held in memory.
 */
final class CappedBody implements HttpResponse.BodySubscriber<String> {

    /** The body was longer than the cap; carries no part of it. */
    static final class TooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        TooLarge(long cap) {
            super("the response body is longer than " + cap + " bytes");
        }
    }

    private final long cap;
    private final long announced;
    private final CompletableFuture<String> body = new CompletableFuture<>();
    private ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Flow.Subscription subscription;

    private CappedBody(long cap, long announced) {
        this.cap = cap;
        this.announced = announced;
    }

    /** A handler that reads every response's body (any status) through a {@link CappedBody}. */
    static HttpResponse.BodyHandler<String> handler(long cap) {
        return info ->
                new CappedBody(cap, info.headers().firstValueAsLong("Content-Length").orElse(-1));
    }

    /** Whether {@code failure} (as a response future reports it) is a body over the cap. */
    static boolean tooLarge(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TooLarge) {
                return true;
            }
        }
        return false;
    }

    @Override
    public CompletionStage<String> getBody() {
        return body;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (announced > cap) {
            refuse();
            return;
        }
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (body.isDone()) {
            return; // cancelled: buffers already on their way
        }
        for (ByteBuffer b : items) {
            if ((long) bytes.size() + b.remaining() > cap) {
                refuse();
                return;
            }
            byte[] chunk = new byte[b.remaining()];
            b.get(chunk);
            bytes.write(chunk, 0, chunk.length);
        }
        subscription.request(1);
    }

    private void refuse() {
        bytes = null;
        subscription.cancel();
        body.completeExceptionally(new TooLarge(cap));
    }

    @Override
    public void onError(Throwable failure) {
        body.completeExceptionally(failure);
    }

    @Override
    public void onComplete() {
        if (!body.isDone()) {
            body.complete(bytes.toString(StandardCharsets.UTF_8));
        }
    }
}
