package io.gatehouse.mqtt;

import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.auth.AuthResult;
import io.gatehouse.core.auth.Principal.DevicePrincipal;
import io.gatehouse.core.events.EventSource;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.MessageProperties;
import io.gatehouse.core.session.DeviceConnections;
import io.gatehouse.core.session.DeviceSession;
import io.gatehouse.mqtt.connect.ConnectDecision;
import io.gatehouse.mqtt.connect.ConnectValidator;
import io.gatehouse.mqtt.flow.C2dFlow;
import io.gatehouse.mqtt.flow.ConnectionControl;
import io.gatehouse.mqtt.flow.MethodFlow;
import io.gatehouse.mqtt.flow.Outbound;
import io.gatehouse.mqtt.flow.Subscriptions;
import io.gatehouse.mqtt.flow.TelemetryFlow;
import io.gatehouse.mqtt.flow.TopicFlow;
import io.gatehouse.mqtt.flow.TopicRouter;
import io.gatehouse.mqtt.flow.TwinFlow;
import io.gatehouse.mqtt.topic.ClientText;
import io.gatehouse.mqtt.topic.DeviceTopics;
import io.gatehouse.mqtt.topic.TopicKind;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.mqtt.MqttConnAckMessage;
import io.netty.handler.codec.mqtt.MqttConnectMessage;
import io.netty.handler.codec.mqtt.MqttConnectReturnCode;
import io.netty.handler.codec.mqtt.MqttIdentifierRejectedException;
import io.netty.handler.codec.mqtt.MqttMessage;
import io.netty.handler.codec.mqtt.MqttMessageBuilders;
import io.netty.handler.codec.mqtt.MqttMessageIdVariableHeader;
import io.netty.handler.codec.mqtt.MqttPublishMessage;
import io.netty.handler.codec.mqtt.MqttSubscribeMessage;
import io.netty.handler.codec.mqtt.MqttUnacceptableProtocolVersionException;
import io.netty.handler.codec.mqtt.MqttUnsubscribeMessage;
import io.netty.handler.codec.mqtt.MqttFixedHeader;
import io.netty.handler.codec.mqtt.MqttMessageType;
import io.netty.handler.codec.mqtt.MqttQoS;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One MQTT connection of one device: the CONNECT handshake, then telemetry, C2D and subscriptions through the
 * flows it owns; PUBLISHes reach their flow through the {@link TopicRouter}. It only translates between MQTT packets and core operations; it never touches storage.
 *
 * <p>States: awaiting CONNECT → (authenticating, while a refusal waits for other nodes' registry changes) →
 * connected → closed; what the device sends while authenticating waits, unread or held, until the verdict.
 * Everything here runs on the channel's event loop; the core's callbacks hop onto it. Each connection logs one line when it opens and one when it closes (with
 * the reason); each refused operation is logged once, without stack traces for client errors.
 */
final class MqttConnectionHandler extends ChannelInboundHandlerAdapter implements ConnectionControl {

    private static final Logger log = LoggerFactory.getLogger(MqttConnectionHandler.class);
    private static final MqttMessage PINGRESP =
            new MqttMessage(new MqttFixedHeader(MqttMessageType.PINGRESP, false, MqttQoS.AT_MOST_ONCE, false, 0));
    /** IoT Hub's application property on a will message sent as telemetry. */
    static final String WILL_PROPERTY = "iothub-MessageType";

    private enum State { AWAITING_CONNECT, AUTHENTICATING, CONNECTED, CLOSED }

    /** Packets a device may send after CONNECT before its CONNACK, held while authenticating; more closes it. */
    static final int MAX_HELD_PACKETS = 64;

    private final GatewayCore core;
    private final MqttOptions options;
    private final ConnectValidator validator;

    private ChannelHandlerContext ctx;
    private Outbound out;
    private State state = State.AWAITING_CONNECT;
    private String closeReason;
    private boolean clientDisconnected;
    private boolean readSinceLastTouch;
    private String clientId;
    /** Made on the first packet held: most devices send nothing before their CONNACK. */
    private ArrayDeque<MqttMessage> held;

    private DevicePrincipal principal;
    private DeviceConnections.Registration registration;
    private ConnectDecision.Will will;
    private ScheduledFuture<?> tokenExpiry;
    /** The connect deadline, then the keep-alive check; this handler's own timer, not a pipeline handler's. */
    private ScheduledFuture<?> idleCheck;
    private final Runnable idleCheckTask = this::checkIdle;
    private long idleLimitNanos;
    private long lastReadNanos;
    private TelemetryFlow telemetry;
    private TopicRouter router;
    private Map<TopicKind, TopicFlow> hubFlows = Map.of();
    private C2dFlow c2d;
    private Subscriptions subscriptions;

    MqttConnectionHandler(GatewayCore core, MqttOptions options, ConnectValidator validator) {
        this.core = core;
        this.options = options;
        this.validator = validator;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext context) {
        this.ctx = context;
        this.out = new Outbound(context);
        if (context.channel().isActive()) {
            startConnectDeadline();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext context) {
        startConnectDeadline();
        context.fireChannelActive();
    }

    /** CONNECT, and the verdict on its credentials, must come within the connect timeout of the connection's start. */
    private void startConnectDeadline() {
        if (idleCheck == null && state == State.AWAITING_CONNECT) {
            idleCheck = ctx.executor().schedule(idleCheckTask, options.connectTimeout().toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    // ---------------------------------------------------------------- inbound packets

    @Override
    public void channelRead(ChannelHandlerContext context, Object msg) {
        try {
            if (!(msg instanceof MqttMessage packet) || isClosing()) {
                return;
            }
            if (packet.decoderResult().isFailure()) {
                onMalformed(packet);
                return;
            }
            if (state == State.AUTHENTICATING) {
                hold(packet);
                return;
            }
            if (state == State.AWAITING_CONNECT) {
                if (packet instanceof MqttConnectMessage connect) {
                    onConnect(connect);
                } else {
                    close("first packet was " + packet.fixedHeader().messageType() + ", not CONNECT [MQTT-3.1.0-1]");
                }
                return;
            }
            readSinceLastTouch = true;
            onPacket(packet);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void onPacket(MqttMessage packet) {
        switch (packet.fixedHeader().messageType()) {
            case PUBLISH -> router.onPublish((MqttPublishMessage) packet);
            case PUBACK -> c2d.onPubAck(((MqttMessageIdVariableHeader) packet.variableHeader()).messageId());
            case SUBSCRIBE -> subscriptions.onSubscribe((MqttSubscribeMessage) packet);
            case UNSUBSCRIBE -> subscriptions.onUnsubscribe((MqttUnsubscribeMessage) packet);
            case PINGREQ -> out.write(PINGRESP);
            case DISCONNECT -> {
                clientDisconnected = true; // [MQTT-3.14.4-3] the will is discarded
                close("client sent DISCONNECT");
            }
            case CONNECT -> close("second CONNECT on one connection [MQTT-3.1.0-2]");
            case PUBREC, PUBREL, PUBCOMP -> close(packet.fixedHeader().messageType()
                    + ": QoS 2 flows are not supported (IoT Hub does not support QoS 2)");
            default -> close(packet.fixedHeader().messageType() + " is not a packet a client sends");
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext context) {
        lastReadNanos = System.nanoTime(); // any bytes count, a packet's first part too
        if (readSinceLastTouch && registration != null) {
            readSinceLastTouch = false;
            registration.touch(); // once per read batch, not per packet: the device's last activity time
        }
        context.fireChannelReadComplete();
    }

    private void onMalformed(MqttMessage packet) {
        Throwable cause = packet.decoderResult().cause();
        if (state == State.AWAITING_CONNECT && cause instanceof MqttUnacceptableProtocolVersionException) {
            refuseRaw(MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION,
                    "unknown protocol name or level [MQTT-3.1.2-2]");
        } else if (state == State.AWAITING_CONNECT && cause instanceof MqttIdentifierRejectedException) {
            refuseRaw(MqttConnectReturnCode.CONNECTION_REFUSED_IDENTIFIER_REJECTED, "client id rejected by the decoder");
        } else if (cause instanceof TooLongFrameException) {
            close("packet larger than " + options.maxPacketSize() + " bytes");
        } else {
            close("malformed packet: " + cause.getMessage());
        }
    }

    // ---------------------------------------------------------------- CONNECT

    private void onConnect(MqttConnectMessage connect) {
        clientId = connect.payload().clientIdentifier();
        ConnectDecision decision = validator.check(connect);
        if (decision instanceof ConnectDecision.Refusal refusal) {
            if (refusal.code() == MqttConnectReturnCode.CONNECTION_REFUSED_UNACCEPTABLE_PROTOCOL_VERSION) {
                refuseRaw(refusal.code(), refusal.reason());
            } else {
                refuse(refusal.code(), refusal.reason());
            }
            return;
        }
        ConnectDecision.Login login = (ConnectDecision.Login) decision;
        var auth = core.authenticator().authenticateIdentityLatest(login.device(), login.moduleId(), login.password());
        if (auth.isDone()) {
            onAuthenticated(login, auth.join());
            return;
        }
        state = State.AUTHENTICATING;
        updateReading();
        auth.whenComplete((result, failure) -> ctx.executor().execute(() -> {
            if (state != State.AUTHENTICATING) {
                return; // closed meanwhile
            }
            state = State.AWAITING_CONNECT;
            if (failure != null) {
                refuse(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, "credentials not checked: " + failure);
            } else {
                onAuthenticated(login, result);
            }
            replayHeld();
        }));
    }

    private void onAuthenticated(ConnectDecision.Login login, AuthResult<DevicePrincipal> auth) {
        if (auth instanceof AuthResult.Failure<DevicePrincipal> failure) {
            refuse(failure.kind() == AuthResult.FailureKind.NOT_AUTHORIZED
                    ? MqttConnectReturnCode.CONNECTION_REFUSED_NOT_AUTHORIZED
                    : MqttConnectReturnCode.CONNECTION_REFUSED_BAD_USER_NAME_OR_PASSWORD, failure.reason());
            return;
        }
        Optional<String> unavailability = core.unavailability();
        if (unavailability.isPresent()) {
            // the device may try again, here or at another node: its credentials were fine
            refuse(MqttConnectReturnCode.CONNECTION_REFUSED_SERVER_UNAVAILABLE, unavailability.get());
            return;
        }
        accept(login, auth.principal());
    }

    private void hold(MqttMessage packet) {
        if (held == null) {
            held = new ArrayDeque<>();
        }
        if (held.size() == MAX_HELD_PACKETS) {
            close("more than " + MAX_HELD_PACKETS + " packets sent before the CONNACK");
            return;
        }
        held.add((MqttMessage) ReferenceCountUtil.retain(packet));
    }

    /** What the device sent while it was being authenticated, in order, now that it is accepted (or refused). */
    private void replayHeld() {
        MqttMessage packet;
        while (held != null && (packet = held.poll()) != null) {
            channelRead(ctx, packet);
        }
        held = null;
        updateReading();
    }

    private void accept(ConnectDecision.Login login, DevicePrincipal device) {
        principal = device;
        will = login.will();
        DeviceId id = device.deviceId();
        registration = core.connections().register(id, device.moduleId(), new DeviceConnections.Connection() {
            @Override
            public String protocol() {
                return "MQTT";
            }

            @Override
            public void close(String reason) {
                try {
                    ctx.executor().execute(() -> MqttConnectionHandler.this.close(reason));
                } catch (RejectedExecutionException e) {
                    ctx.channel().close(); // the loop is shutting down with the server: just go
                }
            }
        });
        DeviceTopics topics = new DeviceTopics(id, device.moduleId());
        telemetry = new TelemetryFlow(core.events(), EventSource.of(device), out, this, ctx.executor(),
                options.maxTelemetryPayload(), options.maxPendingTelemetry());
        c2d = new C2dFlow(core.c2d(), id, topics, out, this, ctx.channel(), options.maxInFlightC2d());
        // persistent sessions hold a device's C2D subscription: a module has none, and must not touch its device's
        boolean module = device.moduleId() != null;
        // a module's own twin and methods are not served yet: its $iothub topics are refused, never its device's
        hubFlows = module ? Map.of() : Map.of(
                TopicKind.TWIN, new TwinFlow(core.twins(), id, out, this, ctx.executor()),
                TopicKind.METHODS, new MethodFlow(core.methods(), id, registration, out, this, ctx.executor()));
        router = new TopicRouter(topics, telemetry, hubFlows, this);
        subscriptions = new Subscriptions(id, topics, c2d, hubFlows, core.sessions(), !login.cleanSession() && !module, out, this,
                ctx.executor());

        Optional<DeviceSession> session = Optional.empty();
        if (module) {
            // nothing to resume or forget
        } else if (login.cleanSession()) {
            // [MQTT-3.1.2-6] a clean session starts with nothing: forget what an earlier session remembered
            core.sessions().remove(id).whenComplete((ok, failure) -> {
                if (failure != null) {
                    log.warn("Device {}: its old persistent session could not be removed: {}", id, failure.toString());
                }
            });
        } else {
            session = core.sessions().get(id);
        }
        idleLimitNanos = TimeUnit.MILLISECONDS.toNanos(options.idleTimeoutMillis(login.keepAliveSeconds()));
        lastReadNanos = System.nanoTime();
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        idleCheck = ctx.executor().schedule(idleCheckTask, idleLimitNanos, TimeUnit.NANOSECONDS);
        long untilExpiry = device.expiry().toEpochMilli() - core.clock().millis();
        tokenExpiry = ctx.executor().schedule(() -> close("SAS token expired"), Math.max(untilExpiry, 0), TimeUnit.MILLISECONDS);

        state = State.CONNECTED;
        MqttConnAckMessage connAck = MqttMessageBuilders.connAck()
                .returnCode(MqttConnectReturnCode.CONNECTION_ACCEPTED).sessionPresent(session.isPresent()).build();
        out.write(connAck);
        log.info("Device {} connected over MQTT from {} (cleanSession={}, keepAlive={}s, sessionPresent={})", device.identity(),
                remote(), login.cleanSession(), login.keepAliveSeconds(), session.isPresent());
        // [MQTT-3.1.2-5] a resumed session keeps its subscription: delivery starts before any SUBSCRIBE
        session.ifPresent(s -> c2d.start(s.c2dSubscription()));
    }

    private void refuse(MqttConnectReturnCode code, String reason) {
        refused(code, reason);
        ctx.writeAndFlush(MqttMessageBuilders.connAck().returnCode(code).sessionPresent(false).build())
                .addListener(ChannelFutureListener.CLOSE);
    }

    /**
     * Refuses in MQTT 3.1.1's CONNACK format whatever protocol the client spoke: the codec would answer an MQTT 5
     * client in MQTT 5's format, and [MQTT-3.1.2-2] wants return code 1 in 3.1.1's.
     */
    private void refuseRaw(MqttConnectReturnCode code, String reason) {
        refused(code, reason);
        byte[] connAck = {0x20, 0x02, 0x00, code.byteValue()};
        ctx.writeAndFlush(Unpooled.wrappedBuffer(connAck)).addListener(ChannelFutureListener.CLOSE);
    }

    private void refused(MqttConnectReturnCode code, String reason) {
        state = State.CLOSED;
        closeReason = "CONNECT refused with CONNACK " + code.byteValue() + " (" + code + "): " + reason;
    }

    // ---------------------------------------------------------------- closing

    @Override
    public void close(String reason) {
        if (closeReason == null) {
            closeReason = reason;
        }
        if (state != State.CLOSED) {
            state = State.CLOSED;
            // flush what is pending (PUBACKs of stored telemetry) before closing
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public boolean isClosing() {
        return state == State.CLOSED;
    }

    @Override
    public void backlogChanged() {
        updateReading();
    }

    /** Reads only while the telemetry backlog is short and the device takes what we send. */
    private void updateReading() {
        boolean read = state != State.CLOSED && state != State.AUTHENTICATING
                && (telemetry == null || !telemetry.isBacklogged()) && ctx.channel().isWritable();
        if (ctx.channel().config().isAutoRead() != read) {
            ctx.channel().config().setAutoRead(read);
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext context) {
        updateReading();
        if (c2d != null) {
            c2d.writabilityChanged();
        }
        context.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext context) {
        state = State.CLOSED;
        if (held != null) {
            held.forEach(ReferenceCountUtil::release);
            held = null;
        }
        if (closeReason == null) {
            closeReason = "connection lost";
        }
        if (tokenExpiry != null) {
            tokenExpiry.cancel(false);
        }
        if (idleCheck != null) {
            idleCheck.cancel(false);
        }
        if (c2d != null) {
            c2d.stop(); // abandons every C2D message in flight, at once
        }
        hubFlows.values().forEach(TopicFlow::stop);
        if (registration != null) {
            registration.close();
        }
        if (principal != null) {
            publishWill();
            log.info("Device {} disconnected from MQTT ({}): {}", principal.identity(), remote(), closeReason);
        } else {
            log.info("MQTT connection from {} (client id {}) closed: {}", remote(),
                    ClientText.quote(clientId), closeReason);
        }
        context.fireChannelInactive();
    }

    /** [MQTT-3.1.2-8] a connection that ends without DISCONNECT sends its will: as telemetry, as IoT Hub does. */
    private void publishWill() {
        if (will == null || clientDisconnected) {
            return;
        }
        MessageProperties properties = will.properties().toBuilder().put(WILL_PROPERTY, "Will").build();
        DeviceId id = principal.deviceId();
        core.events().append(EventSource.of(principal), properties, will.payload()).whenComplete((position, failure) -> {
            if (failure != null) {
                log.warn("Device {}: its will message could not be stored: {}", id, failure.toString());
            }
        });
    }

    private void checkIdle() {
        if (isClosing()) {
            return;
        }
        if (state == State.AUTHENTICATING) {
            close("no verdict on its credentials within " + options.connectTimeout().toMillis() + " ms");
            return;
        }
        if (state == State.AWAITING_CONNECT) {
            close("no CONNECT within " + options.connectTimeout().toMillis() + " ms");
            return;
        }
        long quiet = System.nanoTime() - lastReadNanos;
        if (quiet < idleLimitNanos || (telemetry != null && telemetry.isBacklogged())) {
            // read lately, or reading is paused by us, waiting for the store: the device is not idle
            long next = quiet < idleLimitNanos ? idleLimitNanos - quiet : idleLimitNanos;
            idleCheck = ctx.executor().schedule(idleCheckTask, next, TimeUnit.NANOSECONDS);
            return;
        }
        close("keep-alive expired: nothing received for 1.5 times the keep-alive [MQTT-3.1.2-24]");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
        if (cause instanceof IOException) {
            close("I/O error: " + cause.getMessage());
        } else if (cause instanceof DecoderException && cause.getCause() instanceof SSLException) {
            close("TLS error: " + cause.getCause().getMessage());
        } else {
            log.warn("Unexpected error on the MQTT connection of {} from {}", describeDevice(), remote(), cause);
            close("internal error: " + cause);
        }
    }

    private String describeDevice() {
        return principal != null ? principal.identity() : ClientText.quote(clientId);
    }

    private SocketAddress remote() {
        return ctx.channel().remoteAddress();
    }
}
