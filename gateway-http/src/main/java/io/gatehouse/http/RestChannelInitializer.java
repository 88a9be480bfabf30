package io.gatehouse.http;

import io.gatehouse.core.auth.SasAuthenticator;
import io.gatehouse.http.websocket.WebSocketProtocols;
import io.gatehouse.http.websocket.WebSocketUpgrade;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.util.concurrent.TimeUnit;

/**
 * The REST pipeline: [TLS] → idle → HTTP codec → aggregation (bounded) → [WebSocket upgrade] → {@link RestHandler}.
 */
public final class RestChannelInitializer extends ChannelInitializer<Channel> {

    /** Device JSON and C2D bodies are small; 1 MiB leaves room and bounds memory per request. */
    private static final int MAX_REQUEST_BYTES = 1024 * 1024;
    private static final int IDLE_SECONDS = 300;

    private final Router router;
    private final SasAuthenticator authenticator;
    private final SslContext sslContext;
    private final WebSocketProtocols webSockets;

    public RestChannelInitializer(Router router, SasAuthenticator authenticator, SslContext sslContextOrNull) {
        this(router, authenticator, sslContextOrNull, WebSocketProtocols.none());
    }

    /** With {@code webSockets}: upgrades on {@code /$iothub/websocket} hand the connection to MQTT or AMQP. */
    public RestChannelInitializer(Router router, SasAuthenticator authenticator, SslContext sslContextOrNull,
                                  WebSocketProtocols webSockets) {
        this.router = router;
        this.authenticator = authenticator;
        this.sslContext = sslContextOrNull;
        this.webSockets = webSockets;
    }

    @Override
    protected void initChannel(Channel ch) {
        if (sslContext != null) {
            ch.pipeline().addLast("tls", sslContext.newHandler(ch.alloc()));
        }
        ch.pipeline()
                .addLast("idle", new ReadTimeoutHandler(IDLE_SECONDS, TimeUnit.SECONDS))
                .addLast("http", new HttpServerCodec())
                .addLast("aggregate", new HttpObjectAggregator(MAX_REQUEST_BYTES));
        if (!webSockets.isEmpty()) {
            ch.pipeline().addLast("upgrade", new WebSocketUpgrade(webSockets, sslContext != null, "idle", "aggregate", "rest"));
        }
        ch.pipeline().addLast("rest", new RestHandler(router, authenticator));
    }
}
