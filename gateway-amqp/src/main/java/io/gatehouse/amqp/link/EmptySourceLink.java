package io.gatehouse.amqp.link;

import io.gatehouse.core.model.DeviceId;
import org.apache.qpid.proton.engine.Sender;

/**
 * A module's receiving link ({@code /devices/{id}/modules/{moduleId}/messages/devicebound}): the Java SDK's
 * ModuleClient opens it with its telemetry link and will not report the connection open without it, but C2D
 * messages go to devices, not modules, so nothing is ever sent on it. A drain is answered at once.
 */
public final class EmptySourceLink extends OutboundLink {

    private final DeviceId device;
    private final String moduleId;

    public EmptySourceLink(LinkContext ctx, Sender sender, DeviceId device, String moduleId) {
        super(ctx, sender);
        this.device = device;
        this.moduleId = moduleId;
    }

    @Override
    public DeviceId device() {
        return device;
    }

    @Override
    public String moduleId() {
        return moduleId;
    }

    @Override
    protected void pump() {
        if (!isClosed() && sender.getDrain()) {
            sender.drained();
        }
    }

    @Override
    protected void released() {
    }
}
