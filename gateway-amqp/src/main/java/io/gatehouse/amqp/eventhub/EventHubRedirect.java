package io.gatehouse.amqp.eventhub;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.qpid.proton.amqp.Symbol;
import org.apache.qpid.proton.amqp.transport.ErrorCondition;

/**
 * IoT Hub's answer to a reader of its own address ({@code messages/events}, {@code messages/events/$management}):
 * {@code amqp:link:redirect} naming the Event Hub-compatible endpoint. Microsoft's "IoT Hub connection string to
 * Event Hubs connection string" samples read {@code hostname} and take the event hub name from {@code address}
 * ({@code amqps://{host}:{port}/{name}/$management}); {@code network-host} and {@code port} complete it as AMQP's
 * redirect defines. Here the endpoint is this gateway itself: the host the client named and the port it dialled.
 */
public final class EventHubRedirect {

    public static final Symbol LINK_REDIRECT = Symbol.valueOf("amqp:link:redirect");

    private EventHubRedirect() {
    }

    /**
     * @param suffix what followed {@code messages/events} in the address ({@code "/$management"} or {@code ""})
     */
    public static ErrorCondition condition(String host, int port, boolean tls, String eventHubName, String suffix) {
        Map<Symbol, Object> info = new LinkedHashMap<>();
        info.put(Symbol.valueOf("hostname"), host);
        info.put(Symbol.valueOf("network-host"), host);
        info.put(Symbol.valueOf("port"), port);
        info.put(Symbol.valueOf("address"), (tls ? "amqps://" : "amqp://") + host + ":" + port + "/" + eventHubName + suffix);
        ErrorCondition condition = new ErrorCondition(LINK_REDIRECT,
                "use the Event Hub-compatible endpoint: entity '" + eventHubName + "' on " + host + ":" + port);
        condition.setInfo(info);
        return condition;
    }
}
