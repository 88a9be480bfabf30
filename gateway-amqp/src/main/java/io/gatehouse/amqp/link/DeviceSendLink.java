package io.gatehouse.amqp.link;

import io.gatehouse.amqp.message.AmqpErrors;
import io.gatehouse.core.model.DeviceId;
import org.apache.qpid.proton.engine.Sender;
import org.apache.qpid.proton.message.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A link that sends a device its twin responses and desired-property patches ({@code /devices/{id}/twin}) or its
 * method requests ({@code /devices/{id}/methods/devicebound}). Messages wait here for link credit; nothing is
 * stored, so what a device does not take is gone with the link (IoT Hub too: a reconnecting device reads its twin
 * again, and methods time out). A device that grants no credit while messages pile up past a bound loses the link.
 */
public final class DeviceSendLink extends QueuedSendLink {

    private static final Logger log = LoggerFactory.getLogger(DeviceSendLink.class);
    static final int MAX_WAITING = 1024;

    private final DeviceId device;
    private final String node;
    private AutoCloseable subscription;

    public DeviceSendLink(LinkContext ctx, Sender sender, DeviceId device, String node) {
        super(ctx, sender);
        this.device = device;
        this.node = node;
    }

    @Override
    public DeviceId device() {
        return device;
    }

    public String node() {
        return node;
    }

    /** Keeps a core subscription that feeds this link, closed when the link goes (one at a time). */
    public void holdSubscription(AutoCloseable newSubscription) {
        closeSubscription();
        if (isClosed()) {
            closeQuietly(newSubscription);
            return;
        }
        subscription = newSubscription;
    }

    public boolean hasSubscription() {
        return subscription != null;
    }

    public void send(Message message) {
        if (isClosed()) {
            return;
        }
        if (waitingCount() >= MAX_WAITING) {
            detach(AmqpErrors.condition(AmqpErrors.RESOURCE_LIMIT_EXCEEDED,
                    MAX_WAITING + " messages wait for credit on " + node + " of device " + device));
            return;
        }
        enqueue(message);
    }

    @Override
    protected void sent() {
        ctx.touch(device);
    }

    @Override
    protected void released() {
        closeSubscription();
        super.released();
    }

    private void closeSubscription() {
        if (subscription != null) {
            closeQuietly(subscription);
            subscription = null;
        }
    }

    private void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            log.debug("Closing a subscription of device {} failed", device, e);
        }
    }
}
