package io.gatehouse.http.websocket;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageCodec;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket frames as the byte stream the protocol handlers behind it expect: binary and continuation frames
 * in, their payloads out in order (frame boundaries mean nothing to MQTT or AMQP); bytes out as binary frames of
 * at most {@link #MAX_OUTBOUND_FRAME} bytes. Ping is answered, close is echoed and ends the connection, text is
 * refused with 1003 (both protocols are binary).
 */
final class WebSocketByteStream extends MessageToMessageCodec<WebSocketFrame, ByteBuf> {

    private static final Logger log = LoggerFactory.getLogger(WebSocketByteStream.class);

    /** Small enough for every client's frame buffer (proton-j's WebSocket layer buffers 256 KiB at most). */
    static final int MAX_OUTBOUND_FRAME = 16 * 1024;

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf bytes, List<Object> out) {
        while (bytes.readableBytes() > MAX_OUTBOUND_FRAME) {
            out.add(new BinaryWebSocketFrame(bytes.readRetainedSlice(MAX_OUTBOUND_FRAME)));
        }
        out.add(new BinaryWebSocketFrame(bytes.readRetainedSlice(bytes.readableBytes())));
    }

    /**
     * A frame that breaks the WebSocket rules (too large, bad flags, unmasked): Netty's decoder has already sent
     * the close frame with the status (1009, 1002); end the connection with one log line, as for any bad input.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof CorruptedWebSocketFrameException) {
            log.info("WebSocket connection from {} closed: {}", ctx.channel().remoteAddress(), cause.getMessage());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, WebSocketFrame frame, List<Object> out) {
        if (frame instanceof BinaryWebSocketFrame || frame instanceof ContinuationWebSocketFrame) {
            if (frame.content().isReadable()) {
                out.add(frame.content().retain());
            }
        } else if (frame instanceof PingWebSocketFrame) {
            ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
        } else if (frame instanceof CloseWebSocketFrame) {
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE))
                    .addListener(ChannelFutureListener.CLOSE);
        } else if (!(frame instanceof PongWebSocketFrame)) {
            ctx.writeAndFlush(new CloseWebSocketFrame(WebSocketCloseStatus.INVALID_MESSAGE_TYPE, "binary frames only"))
                    .addListener(ChannelFutureListener.CLOSE);
        }
    }
}
