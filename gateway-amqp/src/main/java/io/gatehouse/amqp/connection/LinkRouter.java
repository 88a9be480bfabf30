package io.gatehouse.amqp.connection;

import io.gatehouse.amqp.eventhub.PartitionReceiverRequest;
import io.gatehouse.amqp.link.C2dSendLink;
import io.gatehouse.amqp.link.D2cTelemetryLink;
import io.gatehouse.amqp.link.DeviceSendLink;
import io.gatehouse.amqp.link.MethodAnswerLink;
import io.gatehouse.amqp.link.TwinRequestLink;
import io.gatehouse.amqp.link.EmptySourceLink;
import io.gatehouse.amqp.link.EventReadLink;
import io.gatehouse.amqp.link.LinkEndpoint;
import io.gatehouse.amqp.link.QueueDeliveryLink;
import io.gatehouse.amqp.link.ReplyLink;
import io.gatehouse.amqp.link.RequestLink;
import io.gatehouse.amqp.message.AmqpErrors;
import io.gatehouse.amqp.message.DeviceMessages;
import io.gatehouse.core.events.EventStream;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.model.GatewayException;
import io.gatehouse.core.registry.AccessRight;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;
import org.apache.qpid.proton.amqp.transport.Source;
import org.apache.qpid.proton.amqp.transport.Target;
import org.apache.qpid.proton.engine.EndpointState;
import org.apache.qpid.proton.engine.Link;
import org.apache.qpid.proton.engine.Receiver;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.message.Message;

/**
 * Decides what an attaching link is: which endpoint serves its address, in which direction, and whether the
 * connection's credentials allow it. A refused link is attached and at once detached with the reason, as AMQP
 * requires ({@code amqp:not-found} for unknown addresses, {@code amqp:unauthorized-access} before a token that
 * covers it, {@code amqp:not-allowed} for the wrong direction).
 */
final class LinkRouter {

    private static final long REDIRECT_DETACH_DELAY_MS = 100;

    private final AmqpConnection connection;
    private final Function<Message, CompletableFuture<Message>> cbs;
    private final Function<Message, CompletableFuture<Message>> management;

    LinkRouter(AmqpConnection connection, Function<Message, CompletableFuture<Message>> cbs,
               Function<Message, CompletableFuture<Message>> management) {
        this.connection = connection;
        this.cbs = cbs;
        this.management = management;
    }

    void attach(Link link) {
        boolean weSend = link instanceof Sender;
        String address = weSend ? addressOf(link.getRemoteSource()) : addressOf(link.getRemoteTarget());
        LinkAddress target = LinkAddress.parse(address, connection.core().settings().hubName());
        switch (target.kind()) {
            case CBS -> open(weSend ? new ReplyLink(connection, (Sender) link, "$cbs")
                    : new RequestLink(connection, (Receiver) link, "$cbs", cbs));
            case MANAGEMENT -> open(weSend ? new ReplyLink(connection, (Sender) link, "$management")
                    : new RequestLink(connection, (Receiver) link, "$management", management));
            case DEVICE_TELEMETRY -> {
                if (requireDirection(link, !weSend, address) && requireDevice(link, target.device(), address)) {
                    open(new D2cTelemetryLink(connection, (Receiver) link, target.device()));
                }
            }
            case DEVICE_C2D -> {
                if (requireDirection(link, weSend, address) && requireDevice(link, target.device(), address)) {
                    DeviceId device = target.device();
                    open(new QueueDeliveryLink(connection, (Sender) link, device, true,
                            sink -> connection.core().c2d().openReceiver(device, sink)));
                }
            }
            case DEVICE_TWIN -> {
                if (requireDevice(link, target.device(), address)) {
                    open(weSend ? new DeviceSendLink(connection, (Sender) link, target.device(), "twin")
                            : new TwinRequestLink(connection, (Receiver) link, target.device()));
                }
            }
            case DEVICE_METHODS -> {
                if (requireDevice(link, target.device(), address)) {
                    if (weSend) {
                        openMethodRequests((Sender) link, target.device());
                    } else {
                        open(new MethodAnswerLink(connection, (Receiver) link, target.device()));
                    }
                }
            }
            case MODULE_TELEMETRY -> {
                if (requireDirection(link, !weSend, address) && requireModule(link, target, address)) {
                    open(new D2cTelemetryLink(connection, (Receiver) link, target.device(), target.moduleId()));
                }
            }
            case MODULE_INBOX -> {
                // C2D messages go to devices, not modules: the link the SDK insists on is served and stays empty
                if (requireDirection(link, weSend, address) && requireModule(link, target, address)) {
                    open(new EmptySourceLink(connection, (Sender) link, target.device(), target.moduleId()));
                }
            }
            case SERVICE_C2D -> {
                if (requireDirection(link, !weSend, address) && requireService(link, address)) {
                    open(new C2dSendLink(connection, (Receiver) link));
                }
            }
            case FEEDBACK -> {
                if (requireDirection(link, weSend, address) && requireService(link, address)) {
                    open(new QueueDeliveryLink(connection, (Sender) link, null, false,
                            sink -> connection.core().feedback().openReceiver(sink)));
                }
            }
            case EVENT_PARTITION -> {
                if (requireDirection(link, weSend, address) && requireService(link, address)) {
                    openEventReader((Sender) link, target, address);
                }
            }
            case IOT_HUB_EVENTS -> {
                if (requireService(link, address)) {
                    String suffix = address.toLowerCase(java.util.Locale.ROOT).endsWith("/$management") ? "/$management" : "";
                    redirect(link, connection.eventHubRedirect(suffix));
                }
            }
            default -> refuse(link, AmqpErrors.NOT_FOUND, "no such node '" + address + "'", "unknown node");
        }
    }

    /** The device's method requests come on this link from now on (while this connection is the device's). */
    private void openMethodRequests(Sender link, DeviceId device) {
        DeviceSendLink requests = new DeviceSendLink(connection, link, device, "methods");
        open(requests);
        requests.holdSubscription(connection.core().methods().subscribe(connection.registration(device),
                request -> connection.execute(() -> requests.send(DeviceMessages.methodRequest(request)))));
    }

    private void openEventReader(Sender link, LinkAddress target, String address) {
        if (target.partition() >= connection.core().events().partitionCount()) {
            refuse(link, AmqpErrors.NOT_FOUND, "no partition " + target.partition() + " ('" + address + "')", "service");
            return;
        }
        PartitionReceiverRequest request;
        try {
            EventStream.checkConsumerGroup(target.consumerGroup());
            request = PartitionReceiverRequest.of(link, target.consumerGroup(), target.partition());
        } catch (GatewayException e) {
            refuse(link, AmqpErrors.INVALID_FIELD, e.getMessage(), "service");
            return;
        }
        open(new EventReadLink(connection, link, request));
    }

    private boolean requireDirection(Link link, boolean ok, String address) {
        if (!ok) {
            refuse(link, AmqpErrors.NOT_ALLOWED, "'" + address + "' cannot be "
                    + (link instanceof Sender ? "received from" : "sent to"), "link");
        }
        return ok;
    }

    private boolean requireDevice(Link link, DeviceId device, String address) {
        if (connection.credentials().device(device).isPresent()) {
            return true;
        }
        refuse(link, AmqpErrors.UNAUTHORIZED_ACCESS,
                "'" + address + "' needs a valid token of device " + device + " (put-token on $cbs first)",
                "device " + device);
        return false;
    }

    private boolean requireModule(Link link, LinkAddress target, String address) {
        if (connection.credentials().identity(target.device(), target.moduleId()).isPresent()) {
            return true;
        }
        String module = target.device() + "/" + target.moduleId();
        refuse(link, AmqpErrors.UNAUTHORIZED_ACCESS,
                "'" + address + "' needs a valid token of module " + module + " (put-token on $cbs first)", "module " + module);
        return false;
    }

    private boolean requireService(Link link, String address) {
        if (connection.credentials().service(AccessRight.SERVICE_CONNECT).isPresent()) {
            return true;
        }
        refuse(link, AmqpErrors.UNAUTHORIZED_ACCESS,
                "'" + address + "' needs a valid service token with ServiceConnect (put-token on $cbs first)", "service");
        return false;
    }

    private void open(LinkEndpoint endpoint) {
        connection.added(endpoint);
        endpoint.attach();
    }

    /**
     * Attaches now and detaches with the redirect a moment later. Microsoft's samples await the attach and only then
     * listen for the link's error: a detach in the same read as the attach reaches the client before it listens
     * (rhea-promise), and the sample waits forever. Over a real network IoT Hub's two frames arrive apart.
     */
    private void redirect(Link link, ErrorCondition redirect) {
        connection.refused("service", "attach", redirect.getCondition() + " " + redirect.getDescription());
        link.setSource(null);
        link.setTarget(link.getRemoteTarget());
        link.open();
        connection.schedule(REDIRECT_DETACH_DELAY_MS, () -> {
            if (link.getLocalState() != EndpointState.CLOSED) {
                link.setCondition(redirect);
                link.close();
            }
        });
    }

    private void refuse(Link link, Symbol condition, String description, String subject) {
        refuse(link, new ErrorCondition(condition, description), subject);
    }

    /** Attach (with no terminus on our side, so the peer knows nothing was created) and detach with the reason. */
    private void refuse(Link link, ErrorCondition condition, String subject) {
        connection.refused(subject, "attach", condition.getCondition() + " " + condition.getDescription());
        if (link instanceof Sender) {
            link.setSource(null);
            link.setTarget(link.getRemoteTarget());
        } else {
            link.setSource(link.getRemoteSource());
            link.setTarget(null);
        }
        link.open();
        link.setCondition(condition);
        link.close();
    }

    private static String addressOf(Source source) {
        return source == null ? null : source.getAddress();
    }

    private static String addressOf(Target target) {
        return target == null ? null : target.getAddress();
    }
}
