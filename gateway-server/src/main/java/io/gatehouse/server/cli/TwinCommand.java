package io.gatehouse.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gatehouse twin show|patch}: read and change a device twin. */
@Command(name = "twin", mixinStandardHelpOptions = true, description = "Device twins.",
        subcommands = {TwinCommand.Show.class, TwinCommand.Patch.class})
public final class TwinCommand {

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print a device's twin (JSON).")
    static final class Show implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceConnection connection;
        @Parameters(index = "0", paramLabel = "DEVICE_ID") String deviceId;

        @Override
        public Integer call() throws IOException {
            JsonNode twin = new ServiceClient(connection.resolve()).json("GET", "/twins/" + ServiceClient.encode(deviceId), null);
            spec.commandLine().getOut().println(ServiceClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(twin));
            return 0;
        }
    }

    @Command(name = "patch", mixinStandardHelpOptions = true,
            description = "Merge desired properties and/or tags into a device's twin (null removes a key); prints the new twin.")
    static final class Patch implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceConnection connection;
        @Parameters(index = "0", paramLabel = "DEVICE_ID") String deviceId;
        @Option(names = "--desired", paramLabel = "JSON", description = "Desired properties patch, e.g. '{\"rate\":5}'.") String desired;
        @Option(names = "--tags", paramLabel = "JSON", description = "Tags patch, e.g. '{\"site\":\"north\"}'.") String tags;
        @Option(names = "--if-match", paramLabel = "ETAG", description = "Only if the twin's etag is still this one.") String ifMatch;

        @Override
        public Integer call() throws IOException {
            if (desired == null && tags == null) {
                throw new ParameterException(spec.commandLine(), "give --desired and/or --tags");
            }
            ObjectNode body = ServiceClient.JSON.createObjectNode();
            if (tags != null) {
                body.set("tags", object("--tags", tags));
            }
            if (desired != null) {
                body.putObject("properties").set("desired", object("--desired", desired));
            }
            List<String> headers = new ArrayList<>(List.of("Content-Type", "application/json"));
            if (ifMatch != null) {
                headers.add("If-Match");
                headers.add(ifMatch.startsWith("\"") ? ifMatch : "\"" + ifMatch + "\"");
            }
            JsonNode twin = new ServiceClient(connection.resolve()).json("PATCH", "/twins/" + ServiceClient.encode(deviceId),
                    body.toString().getBytes(StandardCharsets.UTF_8), headers.toArray(String[]::new));
            spec.commandLine().getOut().println(ServiceClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(twin));
            return 0;
        }

        private JsonNode object(String option, String text) {
            try {
                JsonNode node = ServiceClient.JSON.readTree(text);
                if (node != null && node.isObject()) {
                    return node;
                }
            } catch (IOException e) {
                // refused below
            }
            throw new ParameterException(spec.commandLine(), option + " must be a JSON object");
        }
    }
}
