package io.gatehouse.amqp.connection;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.Module;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a link address names. Fixed parts match case-insensitively (the Node service SDK writes
 * {@code /messages/serviceBound/feedback}); device ids are case-sensitive. A leading {@code /} and an
 * {@code amqps://host} prefix are optional. Event Hubs readers address {@code {entity}/ConsumerGroups/{group}/Partitions/{n}}
 * where the entity is {@code messages/events} or the hub's name (the Event Hubs-compatible name). IoT Hub's
 * {@code messages/events} and {@code messages/events/$management} are redirected to the hub's name.
 */
record LinkAddress(Kind kind, DeviceId device, String moduleId, String consumerGroup, int partition) {

    /**
     * MODULE_TELEMETRY is {@code devices/{id}/modules/{moduleId}/messages/events}; MODULE_INBOX is the receiving
     * link the Java SDK's ModuleClient opens beside it ({@code .../modules/{moduleId}/messages/devicebound}).
     */
    enum Kind {
        CBS, MANAGEMENT, DEVICE_TELEMETRY, DEVICE_C2D, DEVICE_TWIN, DEVICE_METHODS, MODULE_TELEMETRY, MODULE_INBOX,
        SERVICE_C2D, FEEDBACK, EVENT_PARTITION,
        /** IoT Hub's own name of the built-in endpoint, which IoT Hub answers with a redirect to the Event Hub name. */
        IOT_HUB_EVENTS,
        UNKNOWN
    }

    private static final Pattern DEVICE = Pattern.compile("devices/([^/]+)/messages/(events|devicebound)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern MODULE = Pattern.compile("devices/([^/]+)/modules/([^/]+)/messages/(events|devicebound)",
            Pattern.CASE_INSENSITIVE);
    /** The twin and direct-method link pairs of the Java device SDK (both directions use one address). */
    private static final Pattern DEVICE_TWIN_OR_METHODS = Pattern.compile("devices/([^/]+)/(twin|methods/devicebound)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern PARTITION = Pattern.compile("(.+)/consumergroups/([^/]+)/partitions/([0-9]{1,4})",
            Pattern.CASE_INSENSITIVE);

    static LinkAddress parse(String address, String hubName) {
        if (address == null) {
            return unknown();
        }
        String path = address;
        String lower = path.toLowerCase(Locale.ROOT);
        if (lower.startsWith("amqps://") || lower.startsWith("amqp://")) {
            int slash = path.indexOf('/', lower.indexOf("://") + 3);
            path = slash < 0 ? "" : path.substring(slash);
        }
        while (path.startsWith("/")) {
            path = path.substring(1);
        }
        lower = path.toLowerCase(Locale.ROOT);
        switch (lower) {
            case "$cbs":
                return of(Kind.CBS);
            case "$management":
                return of(Kind.MANAGEMENT);
            case "messages/devicebound":
                return of(Kind.SERVICE_C2D);
            case "messages/servicebound/feedback":
                return of(Kind.FEEDBACK);
            case "messages/events", "messages/events/$management":
                return of(Kind.IOT_HUB_EVENTS);
            default:
                break;
        }
        Matcher device = DEVICE.matcher(path);
        if (device.matches()) {
            if (!DeviceId.isValid(device.group(1))) {
                return unknown();
            }
            Kind kind = device.group(2).equalsIgnoreCase("events") ? Kind.DEVICE_TELEMETRY : Kind.DEVICE_C2D;
            return new LinkAddress(kind, DeviceId.of(device.group(1)), null, null, -1);
        }
        Matcher module = MODULE.matcher(path);
        if (module.matches()) {
            if (!DeviceId.isValid(module.group(1)) || !Module.isValidId(module.group(2))) {
                return unknown();
            }
            Kind kind = module.group(3).equalsIgnoreCase("events") ? Kind.MODULE_TELEMETRY : Kind.MODULE_INBOX;
            return new LinkAddress(kind, DeviceId.of(module.group(1)), module.group(2), null, -1);
        }
        Matcher twinOrMethods = DEVICE_TWIN_OR_METHODS.matcher(path);
        if (twinOrMethods.matches()) {
            if (!DeviceId.isValid(twinOrMethods.group(1))) {
                return unknown();
            }
            Kind kind = twinOrMethods.group(2).equalsIgnoreCase("twin") ? Kind.DEVICE_TWIN : Kind.DEVICE_METHODS;
            return new LinkAddress(kind, DeviceId.of(twinOrMethods.group(1)), null, null, -1);
        }
        Matcher partition = PARTITION.matcher(path);
        if (partition.matches()) {
            String entity = partition.group(1);
            if (entity.equalsIgnoreCase("messages/events") || entity.equalsIgnoreCase(hubName)) {
                return new LinkAddress(Kind.EVENT_PARTITION, null, null, partition.group(2), Integer.parseInt(partition.group(3)));
            }
        }
        return unknown();
    }

    private static LinkAddress of(Kind kind) {
        return new LinkAddress(kind, null, null, null, -1);
    }

    private static LinkAddress unknown() {
        return of(Kind.UNKNOWN);
    }
}
