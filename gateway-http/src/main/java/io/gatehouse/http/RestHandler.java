package io.gatehouse.http;

import io.gatehouse.core.auth.AuthResult;
import io.gatehouse.core.auth.Principal;
import io.gatehouse.core.auth.SasAuthenticator;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.GatewayException;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves REST requests: route, authenticate as the route asks (a service right, or the device in the path), run the
 * handler, and answer on the channel's event loop. Expected client errors are answered and logged in one
 * line; anything else is a 500 with the details in the log only.
 */
public final class RestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {

    private static final Logger log = LoggerFactory.getLogger(RestHandler.class);

    /** The query parameter that carries the token for event streams (see {@link Router.Route#tokenInQuery}). */
    static final String SAS_PARAMETER = "sas";

    private final Router router;
    private final SasAuthenticator authenticator;
    /** The event stream this channel carries, if any (event loop only). */
    private ServerSentEvents stream;

    public RestHandler(Router router, SasAuthenticator authenticator) {
        this.router = router;
        this.authenticator = authenticator;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (stream != null) {
            // an answer now would land inside the event stream's chunks
            log.debug("A request on a connection carrying an event stream from {}: closing it", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!request.decoderResult().isSuccess()) {
            respond(ctx, keepAlive, ErrorResponses.of(RestException.badRequest("malformed HTTP request")));
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String description = request.method() + " " + uri.rawPath();
        Router.Match match;
        CompletableFuture<Principal> principal;
        try {
            match = router.match(methodOf(request), uri.rawPath());
            principal = authorize(match, tokenOf(match.route(), request, uri));
        } catch (RuntimeException e) {
            answer(ctx, keepAlive, description, CompletableFuture.failedFuture(e));
            return;
        }
        // the request is released when this returns: keep what serving it needs
        Router.Match matched = match;
        byte[] body = ByteBufUtil.getBytes(request.content());
        Function<Principal, RestRequest> restRequest = who -> new RestRequest(request.method(), uri.rawPath(),
                matched.parameters(), uri.parameters(), request.headers(), body, who);
        if (principal.isDone()) {
            serve(ctx, keepAlive, description, matched.route(), principal, restRequest);
        } else {
            // a refusal waiting for other nodes' registry changes
            principal.whenComplete((who, failure) -> ctx.executor().execute(() ->
                    serve(ctx, keepAlive, description, matched.route(), principal, restRequest)));
        }
    }

    private void serve(ChannelHandlerContext ctx, boolean keepAlive, String description, Router.Route route,
                       CompletableFuture<Principal> principal, Function<Principal, RestRequest> restRequest) {
        CompletableFuture<RestResponse> response;
        try {
            RestRequest request = restRequest.apply(principal.join());
            if (route.stream() != null) {
                openStream(ctx, route.stream(), request);
                return;
            }
            response = route.handler().handle(request);
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        answer(ctx, keepAlive, description, response);
    }

    private static void answer(ChannelHandlerContext ctx, boolean keepAlive, String description,
                               CompletableFuture<RestResponse> response) {
        response.whenComplete((ok, failure) -> ctx.executor().execute(() ->
                respond(ctx, keepAlive, ok != null ? ok : toResponse(description, failure))));
    }

    private static String tokenOf(Router.Route route, FullHttpRequest request, QueryStringDecoder uri) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header != null || !route.tokenInQuery()) {
            return header;
        }
        var sas = uri.parameters().get(SAS_PARAMETER);
        return sas == null || sas.isEmpty() ? null : sas.get(0);
    }

    /** The stream takes over the channel: no other response follows on it. */
    private void openStream(ChannelHandlerContext ctx, EventStreamHandler handler, RestRequest request) {
        ServerSentEvents events = new ServerSentEvents(ctx);
        handler.open(request, events);
        stream = events;
        events.begin();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        if (stream != null) {
            stream.writabilityChanged();
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (stream != null) {
            stream.ended();
        }
        super.channelInactive(ctx);
    }

    /**
     * The request's method, or the one {@code X-HTTP-Method-Override} names on a POST: Java's HttpURLConnection
     * cannot send PATCH, so the Java service SDK sends twin patches as POST with that header.
     */
    private static HttpMethod methodOf(FullHttpRequest request) {
        String override = request.headers().get("X-HTTP-Method-Override");
        if (override != null && request.method().equals(HttpMethod.POST) && !override.isBlank()) {
            try {
                return HttpMethod.valueOf(override.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw RestException.badRequest("X-HTTP-Method-Override is not a method name");
            }
        }
        return request.method();
    }

    /**
     * Who the token speaks for, when the route allows it (null for open routes); a 401 otherwise (the SDKs read 403
     * as "quota exceeded"). A refusal is final once this node caught up with other nodes' registry changes.
     */
    private CompletableFuture<Principal> authorize(Router.Match match, String authorization) {
        RouteAccess access = match.route().access();
        if (access instanceof RouteAccess.Open) {
            return CompletableFuture.completedFuture(null);
        }
        if (authorization == null || authorization.isBlank()) {
            throw new RestException(401, "IotHubUnauthorizedAccess", match.route().tokenInQuery()
                    ? "a SAS token is missing: send it in the Authorization header or the 'sas' query parameter"
                    : "the Authorization header with a SAS token is missing");
        }
        CompletableFuture<? extends AuthResult<? extends Principal>> result = access instanceof RouteAccess.Service service
                ? authenticator.authenticateServiceLatest(authorization.trim(), service.right())
                : authenticator.authenticateIdentityLatest(pathDevice(match), match.parameters().get("moduleId"),
                        authorization.trim());
        return result.thenApply(verdict -> {
            if (verdict instanceof AuthResult.Failure<?> f) {
                throw new RestException(401, "IotHubUnauthorizedAccess", f.reason());
            }
            return verdict.principal();
        });
    }

    private static DeviceId pathDevice(Router.Match match) {
        String id = match.parameters().get("id");
        if (!DeviceId.isValid(id)) {
            throw RestException.badRequest("'" + id + "' is not a valid device id");
        }
        return DeviceId.of(id);
    }

    private static RestResponse toResponse(String description, Throwable failure) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof RestException e) {
            log.info("Refused {}: {} {}", description, e.status(), e.getMessage());
            return ErrorResponses.of(e);
        }
        GatewayException gateway = GatewayException.unwrap(cause);
        if (gateway != null) {
            log.info("Refused {}: {} {}", description, gateway.code(), gateway.getMessage());
            return ErrorResponses.of(gateway);
        }
        log.error("Failed {}", description, cause);
        return ErrorResponses.body(500, "ServerError", "internal error");
    }

    /** Writes {@code response}; closes the connection after it unless {@code keepAlive}. */
    public static void respond(ChannelHandlerContext ctx, boolean keepAlive, RestResponse response) {
        FullHttpResponse http = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(response.status()), Unpooled.wrappedBuffer(response.body()));
        response.headers().forEach((k, v) -> http.headers().set(k, v));
        if (response.contentType() != null) {
            http.headers().set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        }
        HttpUtil.setContentLength(http, response.body().length);
        HttpUtil.setKeepAlive(http, keepAlive);
        var write = ctx.writeAndFlush(http);
        if (!keepAlive) {
            write.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("REST connection from {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
