package io.gatehouse.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gatehouse device create|show|list|delete} against a running gateway. */
@Command(name = "device", mixinStandardHelpOptions = true, description = "Manage devices of a running gateway.",
        subcommands = {DeviceCommand.Create.class, DeviceCommand.Show.class, DeviceCommand.List.class, DeviceCommand.Delete.class})
public final class DeviceCommand {

    static String connectionString(String host, JsonNode device) {
        return "HostName=" + host + ";DeviceId=" + device.path("deviceId").asText() + ";SharedAccessKey="
                + device.at("/authentication/symmetricKey/primaryKey").asText();
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a device and print its connection string.")
    static final class Create implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceConnection connection;
        @Parameters(paramLabel = "DEVICE_ID") String deviceId;
        @Option(names = "--primary-key", paramLabel = "KEY", description = "Base64 key (default: generated).") String primaryKey;
        @Option(names = "--secondary-key", paramLabel = "KEY", description = "Base64 key (default: generated).") String secondaryKey;
        @Option(names = "--disabled", description = "Create it disabled.") boolean disabled;

        @Override
        public Integer call() throws IOException {
            ServiceClient client = new ServiceClient(connection.resolve());
            ObjectNode body = ServiceClient.JSON.createObjectNode();
            body.put("deviceId", deviceId);
            body.put("status", disabled ? "disabled" : "enabled");
            if (primaryKey != null || secondaryKey != null) {
                ObjectNode keys = body.putObject("authentication").put("type", "sas").putObject("symmetricKey");
                keys.put("primaryKey", primaryKey);
                keys.put("secondaryKey", secondaryKey);
            }
            JsonNode device = client.json("PUT", "/devices/" + ServiceClient.encode(deviceId), body.toString().getBytes(),
                    "Content-Type", "application/json");
            spec.commandLine().getOut().println(connectionString(client.hostName(), device));
            return 0;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Show a device (IoT Hub's JSON) and its connection string.")
    static final class Show implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceConnection connection;
        @Parameters(paramLabel = "DEVICE_ID") String deviceId;

        @Override
        public Integer call() throws IOException {
            ServiceClient client = new ServiceClient(connection.resolve());
            JsonNode device = client.json("GET", "/devices/" + ServiceClient.encode(deviceId), null);
            PrintWriter out = spec.commandLine().getOut();
            out.println(ServiceClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(device));
            out.println(connectionString(client.hostName(), device));
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List devices: id, status, connection state, queued C2D messages.")
    static final class List implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceConnection connection;

        @Override
        public Integer call() throws IOException {
            JsonNode devices = new ServiceClient(connection.resolve()).json("GET", "/devices", null);
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-40s %-9s %-13s %s%n", "DEVICE", "STATUS", "CONNECTION", "C2D QUEUED");
            for (JsonNode d : devices) {
                out.printf("%-40s %-9s %-13s %d%n", d.path("deviceId").asText(), d.path("status").asText(),
                        d.path("connectionState").asText(), d.path("cloudToDeviceMessageCount").asInt());
            }
            return 0;
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a device (its C2D queue is purged).")
    static final class Delete implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceConnection connection;
        @Parameters(paramLabel = "DEVICE_ID") String deviceId;

        @Override
        public Integer call() throws IOException {
            new ServiceClient(connection.resolve()).send("DELETE", "/devices/" + ServiceClient.encode(deviceId), null,
                    "If-Match", "*");
            spec.commandLine().getOut().println("deleted " + deviceId);
            return 0;
        }
    }
}
