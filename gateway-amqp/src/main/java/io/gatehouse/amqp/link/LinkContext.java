package io.gatehouse.amqp.link;

import io.gatehouse.amqp.AmqpOptions;
import io.gatehouse.amqp.auth.ConnectionCredentials;
import io.gatehouse.core.GatewayCore;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.session.DeviceConnections.Registration;

/** What a link needs from its connection. Everything but {@link #execute} is called on the event loop. */
public interface LinkContext {

    GatewayCore core();

    AmqpOptions options();

    ConnectionCredentials credentials();

    /** Runs {@code task} on the connection's event loop and flushes afterwards; callable from any thread. */
    void execute(Runnable task);

    /** False while the socket's outbound buffer is full: senders wait for {@link LinkEndpoint#onWritable}. */
    boolean isWritable();

    /** Records activity of a device (its registry {@code lastActivityTime}). */
    void touch(DeviceId device);

    /** Activity of a module ({@code moduleId} null: the device). */
    void touch(DeviceId device, String moduleId);

    /** The link to answer a request of {@code node} on, or null when the peer attached none. */
    ReplyLink replyLink(String node, String replyTo);

    /** The device's link that sends {@code node} messages (twin, methods) to it on this connection, or null. */
    DeviceSendLink deviceSendLink(DeviceId device, String node);

    /** The core registration of a device with a link on this connection (for direct-method subscriptions). */
    Registration registration(DeviceId device);

    /** A link ended (whoever ended it): the connection forgets it. */
    void linkClosed(LinkEndpoint link);

    /** Logs a refused operation once, naming who and why. */
    void refused(String subject, String operation, String reason);
}
