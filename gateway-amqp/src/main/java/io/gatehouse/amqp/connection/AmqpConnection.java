package io.gatehouse.amqp.connection;

import io.gatehouse.amqp.AmqpOptions;
import io.gatehouse.amqp.auth.CbsPutToken;
import io.gatehouse.amqp.auth.ConnectionCredentials;
import io.gatehouse.amqp.auth.SaslServer;
import io.gatehouse.amqp.engine.EngineListener;
import io.gatehouse.amqp.engine.ProtonEngine;
import io.gatehouse.amqp.eventhub.EventHubManagement;
import io.gatehouse.amqp.eventhub.EventHubRedirect;
import io.gatehouse.amqp.link.DeviceSendLink;
import io.gatehouse.amqp.link.LinkContext;
import io.gatehouse.amqp.link.LinkEndpoint;
import io.gatehouse.amqp.link.ReplyLink;
import io.gatehouse.amqp.message.AmqpErrors;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.session.DeviceConnections.Registration;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.engine.Connection;
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Event;
import org.apache.qpid.proton.engine.Link;
import org.apache.qpid.proton.engine.SaslListener;
import org.apache.qpid.proton.engine.Session;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One AMQP connection: turns proton-j events into link endpoints (via {@link LinkRouter}) and keeps what the
 * connection holds: its credentials, its links, the devices it serves. Everything here runs on the channel's event
 * loop; core callbacks come back through {@link #execute}.
 */
public final class AmqpConnection implements EngineListener, LinkContext {

    private static final Logger log = LoggerFactory.getLogger(AmqpConnection.class);
    private static final long MAX_EXPIRY_CHECK_DELAY_MS = TimeUnit.HOURS.toMillis(1);
    private static final Instant STARTED = Instant.now();

    private final GatewayCore core;
    private final AmqpOptions options;
    private final Channel channel;
    private final boolean tls;
    private final String peer;
    private final ConnectionCredentials credentials;
    private final DeviceBindings bindings;
    private final Set<LinkEndpoint> links = new LinkedHashSet<>();
    private final List<ReplyLink> replyLinks = new ArrayList<>();
    private final LinkRouter router;
    private SaslServer sasl;
    private ProtonEngine engine;
    private boolean opened;
    private String closeReason;
    private ScheduledFuture<?> expiryCheck;
    private Instant expiryCheckAt;

    public AmqpConnection(GatewayCore core, AmqpOptions options, Channel channel, boolean tls) {
        this.core = core;
        this.options = options;
        this.channel = channel;
        this.tls = tls;
        this.peer = String.valueOf(channel.remoteAddress());
        this.credentials = new ConnectionCredentials(core.clock());
        this.bindings = new DeviceBindings(core.connections(),
                (device, reason) -> execute(() -> revoke(device, reason)));
        CbsPutToken cbs = new CbsPutToken(core.authenticator(), credentials, peer, this::execute);
        EventHubManagement management = new EventHubManagement(core, credentials, STARTED, peer);
        this.router = new LinkRouter(this, request -> cbs.handle(request).thenApply(reply -> {
            scheduleExpiryCheck(); // on the loop: the reply of a token arrives there
            return reply;
        }), request -> CompletableFuture.completedFuture(management.handle(request)));
    }

    public void bind(ProtonEngine engine) {
        this.engine = engine;
    }

    /** True once the peer's Open arrived. */
    public boolean isOpen() {
        return opened;
    }

    public void handshakeTimedOut() {
        closeReason = "no AMQP open within " + options.saslHandshakeTimeout().toSeconds() + " s";
    }

    // ------------------------------------------------------------------ EngineListener

    @Override
    public SaslListener saslServer() {
        sasl = new SaslServer(core.authenticator(), credentials, peer, () -> {
            closeReason = "SASL authentication failed";
            engine.closeAfterFlush();
        }, this::execute);
        return sasl;
    }

    @Override
    public void onEvent(Event event) {
        try {
            handle(event);
        } catch (RuntimeException e) {
            // a bug of ours: keep the gateway up, drop this connection with a generic error
            log.warn("AMQP connection from {}: failed to handle {}", peer, event.getType(), e);
            engine.close(AmqpErrors.condition(AmqpErrors.INTERNAL_ERROR, "internal error"));
        }
    }

    private void handle(Event event) {
        engine.assertInLoop();
        switch (event.getType()) {
            case CONNECTION_REMOTE_OPEN -> onRemoteOpen(event.getConnection());
            case CONNECTION_REMOTE_CLOSE -> onRemoteClose(event.getConnection());
            case SESSION_REMOTE_OPEN -> {
                Session session = event.getSession();
                if (session.getLocalState() == EndpointState.UNINITIALIZED) {
                    session.open();
                }
            }
            case SESSION_REMOTE_CLOSE -> onSessionRemoteClose(event.getSession());
            case LINK_REMOTE_OPEN -> {
                Link link = event.getLink();
                if (link.getLocalState() == EndpointState.UNINITIALIZED) {
                    router.attach(link);
                }
            }
            case LINK_REMOTE_DETACH, LINK_REMOTE_CLOSE -> onLinkRemoteDetach(event.getLink(),
                    event.getType() == Event.Type.LINK_REMOTE_CLOSE);
            case LINK_FLOW -> {
                LinkEndpoint endpoint = endpointOf(event.getLink());
                if (endpoint != null) {
                    endpoint.onFlow();
                }
            }
            case DELIVERY -> {
                LinkEndpoint endpoint = endpointOf(event.getLink());
                if (endpoint != null) {
                    endpoint.onDelivery(event.getDelivery());
                }
            }
            case TRANSPORT_ERROR -> {
                ErrorCondition condition = event.getTransport().getCondition();
                if (condition != null && closeReason == null) {
                    closeReason = condition.getCondition() + " " + condition.getDescription();
                }
            }
            default -> {
            }
        }
    }

    private void onRemoteOpen(Connection connection) {
        opened = true;
        connection.setContainer(options.containerId());
        connection.open();
        log.info("AMQP connection from {} opened ({}, {}, container {})", peer, tls ? "TLS" : "plain",
                sasl == null ? "no SASL" : "SASL " + sasl.mechanism(), connection.getRemoteContainer());
        scheduleExpiryCheck();
    }

    private void onRemoteClose(Connection connection) {
        ErrorCondition condition = connection.getRemoteCondition();
        if (condition != null && condition.getCondition() != null) {
            closeReason = "peer closed: " + condition.getCondition() + " " + condition.getDescription();
        }
        closeAllLinks();
        connection.close();
    }

    private void onSessionRemoteClose(Session session) {
        for (LinkEndpoint endpoint : List.copyOf(links)) {
            if (endpoint.link().getSession() == session) {
                endpoint.onClosed();
            }
        }
        session.close();
        session.free();
    }

    private void onLinkRemoteDetach(Link link, boolean closed) {
        LinkEndpoint endpoint = endpointOf(link);
        if (endpoint != null) {
            endpoint.onClosed();
        }
        if (link.getLocalState() != EndpointState.CLOSED) {
            if (closed) {
                link.close();
            } else {
                link.detach();
            }
        }
        link.free();
    }

    private static LinkEndpoint endpointOf(Link link) {
        return link != null && link.getContext() instanceof LinkEndpoint endpoint ? endpoint : null;
    }

    @Override
    public void onProtocolError(String description) {
        closeReason = "protocol error: " + description;
        log.info("AMQP connection from {}: protocol error: {}", peer, description);
    }

    @Override
    public void onWritable() {
        for (LinkEndpoint endpoint : List.copyOf(links)) {
            endpoint.onWritable();
        }
    }

    @Override
    public void onChannelClosed() {
        closeAllLinks();
        bindings.closeAll();
        if (expiryCheck != null) {
            expiryCheck.cancel(false);
        }
        log.info("AMQP connection from {} closed ({}){}", peer, credentials.describe(),
                closeReason == null ? "" : ": " + closeReason);
    }

    private void closeAllLinks() {
        for (LinkEndpoint endpoint : List.copyOf(links)) {
            endpoint.onClosed();
        }
    }

    // ------------------------------------------------------------------ links

    void added(LinkEndpoint endpoint) {
        links.add(endpoint);
        if (endpoint instanceof ReplyLink reply) {
            replyLinks.add(reply);
        }
        if (endpoint.device() != null) {
            bindings.linkOpened(boundOf(endpoint));
        }
    }

    @Override
    public void linkClosed(LinkEndpoint endpoint) {
        if (links.remove(endpoint)) {
            if (endpoint instanceof ReplyLink reply) {
                replyLinks.remove(reply);
            }
            if (endpoint.device() != null) {
                bindings.linkClosed(boundOf(endpoint));
            }
        }
    }

    private static DeviceBindings.Bound boundOf(LinkEndpoint endpoint) {
        return new DeviceBindings.Bound(endpoint.device(), endpoint.moduleId());
    }

    /** The core took a device or module away from this connection (taken over, deleted, disabled). */
    private void revoke(DeviceBindings.Bound device, String reason) {
        log.info("AMQP connection from {}: links of {} detached: {}", peer,
                device.moduleId() == null ? "device " + device.device() : "module " + device.device() + "/" + device.moduleId(),
                reason);
        for (LinkEndpoint endpoint : List.copyOf(links)) {
            if (device.equals(boundOf(endpoint))) {
                endpoint.detach(AmqpErrors.condition(AmqpErrors.DETACH_FORCED, reason));
            }
        }
    }

    /** Detaches links whose tokens expired; runs when the first held token expires. */
    private void scheduleExpiryCheck() {
        Instant next = credentials.earliestExpiry();
        if (next == null || (expiryCheck != null && expiryCheckAt != null && !next.isBefore(expiryCheckAt))) {
            return;
        }
        if (expiryCheck != null) {
            expiryCheck.cancel(false);
        }
        long delay = Math.min(MAX_EXPIRY_CHECK_DELAY_MS, Math.max(1, next.toEpochMilli() - core.clock().millis() + 1));
        expiryCheckAt = next;
        expiryCheck = channel.eventLoop().schedule(() -> {
            expiryCheck = null;
            expiryCheckAt = null;
            credentials.removeExpired();
            for (LinkEndpoint endpoint : List.copyOf(links)) {
                boolean deviceExpired = endpoint.device() != null
                        && credentials.identity(endpoint.device(), endpoint.moduleId()).isEmpty();
                boolean serviceExpired = endpoint.needsService() && !credentials.hasService();
                if (deviceExpired || serviceExpired) {
                    refused(deviceExpired ? "device " + endpoint.device() : "service", "link", "token expired");
                    endpoint.detach(AmqpErrors.condition(AmqpErrors.UNAUTHORIZED_ACCESS, "the token expired"));
                }
            }
            scheduleExpiryCheck();
            engine.requestFlush();
        }, delay, TimeUnit.MILLISECONDS);
    }

    /**
     * The redirect IoT Hub answers readers of {@code messages/events} with, naming this gateway's Event Hub-compatible
     * endpoint: the host the client named in its Open (else the address it dialled) and the port it dialled.
     */
    ErrorCondition eventHubRedirect(String suffix) {
        InetSocketAddress local = (InetSocketAddress) channel.localAddress();
        String host = engine.connection().getRemoteHostname();
        if (host == null || host.isBlank()) {
            host = local.getHostString();
        }
        return EventHubRedirect.condition(host, local.getPort(), tls, core.settings().hubName(), suffix);
    }

    /** Runs {@code task} on the event loop after {@code delayMs} (then flushes), unless the connection closed. */
    void schedule(long delayMs, Runnable task) {
        channel.eventLoop().schedule(() -> {
            if (channel.isActive()) {
                execute(task);
            }
        }, delayMs, TimeUnit.MILLISECONDS);
    }

    // ------------------------------------------------------------------ LinkContext

    @Override
    public GatewayCore core() {
        return core;
    }

    @Override
    public AmqpOptions options() {
        return options;
    }

    @Override
    public ConnectionCredentials credentials() {
        return credentials;
    }

    @Override
    public void execute(Runnable task) {
        try {
            channel.eventLoop().execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("AMQP connection from {}: task failed", peer, e);
                    engine.close(AmqpErrors.condition(AmqpErrors.INTERNAL_ERROR, "internal error"));
                }
                engine.requestFlush();
            });
        } catch (RejectedExecutionException e) {
            // the event loop is shutting down with the server: the connection and its links are gone already.
            // Never let this reach the core thread that called us.
            log.debug("AMQP connection from {}: event loop gone, dropped a callback", peer);
        }
    }

    @Override
    public boolean isWritable() {
        return channel.isWritable();
    }

    @Override
    public void touch(DeviceId device) {
        touch(device, null);
    }

    @Override
    public void touch(DeviceId device, String moduleId) {
        bindings.touch(new DeviceBindings.Bound(device, moduleId));
    }

    @Override
    public ReplyLink replyLink(String node, String replyTo) {
        ReplyLink fallback = null;
        for (ReplyLink link : replyLinks) {
            if (!link.node().equals(node)) {
                continue;
            }
            if (replyTo == null || replyTo.equals(link.replyAddress())) {
                return link;
            }
            if (fallback == null) {
                fallback = link;
            }
        }
        return fallback;
    }

    @Override
    public DeviceSendLink deviceSendLink(DeviceId device, String node) {
        for (LinkEndpoint endpoint : links) {
            if (endpoint instanceof DeviceSendLink link && link.node().equals(node) && device.equals(link.device())) {
                return link;
            }
        }
        return null;
    }

    @Override
    public Registration registration(DeviceId device) {
        return bindings.registration(device);
    }

    @Override
    public void refused(String subject, String operation, String reason) {
        log.info("AMQP connection from {}: refused {} of {}: {}", peer, operation, subject, reason);
    }
}
