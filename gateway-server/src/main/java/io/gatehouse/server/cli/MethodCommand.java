package io.gatehouse.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gatehouse method invoke}: call a direct method on a connected device. */
@Command(name = "method", mixinStandardHelpOptions = true, description = "Direct methods.", subcommands = MethodCommand.Invoke.class)
public final class MethodCommand {

    @Command(name = "invoke", mixinStandardHelpOptions = true,
            description = "Invoke a direct method; prints the device's status and payload (JSON).")
    static final class Invoke implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceConnection connection;
        @Parameters(index = "0", paramLabel = "DEVICE_ID") String deviceId;
        @Parameters(index = "1", paramLabel = "METHOD") String method;
        @Parameters(index = "2", paramLabel = "PAYLOAD", arity = "0..1", description = "JSON payload (default null).") String payload;
        @Option(names = "--timeout", paramLabel = "SECONDS", description = "Seconds the device has to answer (5-300, default 30).")
        int responseTimeout = 30;
        @Option(names = "--connect-timeout", paramLabel = "SECONDS", description = "Seconds to wait for the device to connect (0-300, default 0).")
        int connectTimeout;

        @Override
        public Integer call() throws IOException {
            ObjectNode body = ServiceClient.JSON.createObjectNode();
            body.put("methodName", method);
            body.set("payload", payload == null ? ServiceClient.JSON.nullNode() : json(payload));
            body.put("responseTimeoutInSeconds", responseTimeout);
            body.put("connectTimeoutInSeconds", connectTimeout);
            JsonNode result = new ServiceClient(connection.resolve()).json("POST",
                    "/twins/" + ServiceClient.encode(deviceId) + "/methods", body.toString().getBytes(StandardCharsets.UTF_8),
                    "Content-Type", "application/json");
            spec.commandLine().getOut().println(result);
            return 0;
        }

        private JsonNode json(String text) {
            try {
                return ServiceClient.JSON.readTree(text);
            } catch (IOException e) {
                throw new ParameterException(spec.commandLine(), "PAYLOAD must be JSON (quote strings: '\"text\"')");
            }
        }
    }
}
