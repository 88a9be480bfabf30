package io.gatehouse.http;

/** A route answered with a stream of server-sent events instead of one response. */
@FunctionalInterface
public interface EventStreamHandler {

    /**
     * Validates the request and starts feeding {@code stream}. Runs on the channel's event loop once the
     * request is authorized. Nothing has been sent yet: throw a {@link RestException} to refuse with an
     * ordinary error response. The stream's headers go out when this returns normally.
     */
    void open(RestRequest request, ServerSentEvents stream);
}
