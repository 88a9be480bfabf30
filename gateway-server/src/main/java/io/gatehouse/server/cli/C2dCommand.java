package io.gatehouse.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gatehouse c2d send}: send one cloud-to-device message. */
@Command(name = "c2d", mixinStandardHelpOptions = true, description = "Cloud-to-device messages.", subcommands = C2dCommand.Send.class)
public final class C2dCommand {

    @Command(name = "send", mixinStandardHelpOptions = true, description = "Send a C2D message to a device; prints its message id.")
    static final class Send implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceConnection connection;
        @Parameters(index = "0", paramLabel = "DEVICE_ID") String deviceId;
        @Parameters(index = "1", paramLabel = "BODY", description = "Message body (UTF-8 text).") String body;
        @Option(names = "--message-id", paramLabel = "ID") String messageId;
        @Option(names = "--ack", paramLabel = "MODE", description = "Feedback: none, positive, negative or full.") String ack;
        @Option(names = "--expiry", paramLabel = "INSTANT", description = "Absolute expiry, ISO-8601 (e.g. 2026-01-01T00:00:00Z).") String expiry;
        @Option(names = {"-p", "--property"}, paramLabel = "KEY=VALUE", description = "Application property (repeatable).")
        Map<String, String> properties = new LinkedHashMap<>();

        @Override
        public Integer call() throws IOException {
            List<String> headers = new ArrayList<>(List.of("Content-Type", "text/plain; charset=utf-8"));
            add(headers, "iothub-messageid", messageId);
            add(headers, "iothub-ack", ack);
            add(headers, "iothub-expiry", expiry);
            properties.forEach((k, v) -> add(headers, "iothub-app-" + k, v));
            JsonNode sent = new ServiceClient(connection.resolve()).json("POST",
                    "/gatehouse/devices/" + ServiceClient.encode(deviceId) + "/messages",
                    body.getBytes(StandardCharsets.UTF_8), headers.toArray(String[]::new));
            spec.commandLine().getOut().println(sent.path("messageId").asText());
            return 0;
        }

        private static void add(List<String> headers, String name, String value) {
            if (value != null) {
                headers.add(name);
                headers.add(value);
            }
        }
    }
}
