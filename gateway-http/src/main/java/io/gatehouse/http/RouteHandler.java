package io.gatehouse.http;

import java.util.concurrent.CompletableFuture;

/** Answers one kind of request; may complete later (the core's operations are asynchronous). */
@FunctionalInterface
public interface RouteHandler {

    CompletableFuture<RestResponse> handle(RestRequest request);
}
