package io.gatehouse.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gatehouse feedback tail}: take feedback records as they arrive (they are completed: each is seen once). */
@Command(name = "feedback", mixinStandardHelpOptions = true, description = "Delivery feedback.", subcommands = FeedbackCommand.Tail.class)
public final class FeedbackCommand {

    @Command(name = "tail", mixinStandardHelpOptions = true, description = "Take feedback messages and print one line per record.")
    static final class Tail implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceConnection connection;
        @Option(names = {"-f", "--follow"}, description = "Keep waiting for more.") boolean follow;

        @Override
        public Integer call() throws IOException {
            ServiceClient client = new ServiceClient(connection.resolve());
            PrintWriter out = spec.commandLine().getOut();
            while (true) {
                JsonNode message = client.json("GET", "/gatehouse/feedback?waitSeconds=" + (follow ? 30 : 1), null);
                if (message == null) {
                    if (!follow) {
                        return 0;
                    }
                    continue;
                }
                for (JsonNode r : message.path("records")) {
                    out.printf("%s %-22s %-40s device=%s%n", r.path("enqueuedTimeUtc").asText(), r.path("statusCode").asText(),
                            r.path("originalMessageId").asText(), r.path("deviceId").asText());
                }
                out.flush();
            }
        }
    }
}
