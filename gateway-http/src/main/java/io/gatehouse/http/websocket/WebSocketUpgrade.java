package io.gatehouse.http.websocket;

import io.gatehouse.http.ErrorResponses;
import io.gatehouse.http.RestException;
import io.gatehouse.http.RestHandler;
import io.gatehouse.transport.ProtocolHandlers;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketHandshakeException;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.util.ReferenceCountUtil;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an HTTPS connection into MQTT or AMQP over WebSockets: a {@code GET /$iothub/websocket} upgrade with a
 * served subprotocol is answered 101, then the REST handlers leave the pipeline and the protocol's own
 * handlers take their place behind a {@link WebSocketByteStream}. Every other request passes on to REST. A
 * request for the WebSocket path that is not a valid upgrade, or offers no served subprotocol, is a 400 with
 * IoT Hub's error body; an unsupported WebSocket version gets Netty's 426.
 */
public final class WebSocketUpgrade extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(WebSocketUpgrade.class);

    private final WebSocketProtocols protocols;
    private final boolean secure;
    /** The handlers that serve HTTP, removed once the connection speaks WebSocket. */
    private final String[] httpHandlers;

    public WebSocketUpgrade(WebSocketProtocols protocols, boolean secure, String... httpHandlers) {
        this.protocols = protocols;
        this.secure = secure;
        this.httpHandlers = httpHandlers.clone();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request) || !isWebSocketPath(request.uri())) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            upgrade(ctx, request);
        } catch (RestException e) {
            log.info("Refused WebSocket upgrade from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
            RestHandler.respond(ctx, false, ErrorResponses.of(e));
        } finally {
            ReferenceCountUtil.release(request);
        }
    }

    /**
     * Whether the request targets the WebSocket path, in origin form ({@code /$iothub/websocket?...}) or in
     * absolute form, which proton-j's WebSocket layer (the Java SDKs' AMQPS_WS) sends:
     * {@code GET https://{host}/$iothub/websocket?iothub-no-client-cert=true}.
     */
    static boolean isWebSocketPath(String uri) {
        String path = new QueryStringDecoder(uri).path();
        int scheme = path.indexOf("://");
        if (scheme > 0 && path.indexOf('/') > scheme) {
            int pathStart = path.indexOf('/', scheme + 3);
            path = pathStart < 0 ? "/" : path.substring(pathStart);
        }
        return path.equalsIgnoreCase(WebSocketProtocols.PATH);
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.method().equals(HttpMethod.GET)
                || !request.headers().containsValue(HttpHeaderNames.UPGRADE, HttpHeaderValues.WEBSOCKET, true)) {
            throw RestException.badRequest(WebSocketProtocols.PATH + " takes a WebSocket upgrade (GET with Upgrade: websocket)");
        }
        Optional<String> subprotocol = protocols.select(request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL));
        if (subprotocol.isEmpty()) {
            throw RestException.badRequest("no served WebSocket subprotocol in '"
                    + request.headers().get(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL) + "'; use mqtt or AMQPWSB10");
        }
        WebSocketDecoderConfig config = WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(protocols.maxFramePayload())
                .allowExtensions(false)
                .build();
        WebSocketServerHandshaker handshaker = new WebSocketServerHandshakerFactory(
                "wss://" + request.headers().get(HttpHeaderNames.HOST) + WebSocketProtocols.PATH, subprotocol.get(), config)
                .newHandshaker(request);
        if (handshaker == null) {
            WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
            return;
        }
        ProtocolHandlers protocol = protocols.handlers(subprotocol.get());
        try {
            // the 101 goes out through the HTTP encoder, which the handshake removes once it is written
            handshaker.handshake(ctx.channel(), request);
        } catch (WebSocketHandshakeException e) {
            throw RestException.badRequest("bad WebSocket upgrade: " + e.getMessage());
        }
        ChannelPipeline pipeline = ctx.pipeline();
        for (String name : httpHandlers) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
        pipeline.replace(this, "websocket", new WebSocketByteStream());
        protocol.addTo(pipeline, secure);
        log.debug("WebSocket connection from {} speaks {}", ctx.channel().remoteAddress(), subprotocol.get());
    }
}
