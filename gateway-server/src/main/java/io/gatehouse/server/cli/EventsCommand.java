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

/** {@code gatehouse events tail}: print device-to-cloud events of one partition, or of all. */
@Command(name = "events", mixinStandardHelpOptions = true, description = "Device-to-cloud events.", subcommands = EventsCommand.Tail.class)
public final class EventsCommand {

    @Command(name = "tail", mixinStandardHelpOptions = true, description = "Print D2C events (one JSON object per line).")
    static final class Tail implements Callable<Integer> {
        @Spec CommandSpec spec;
        @Mixin ServiceConnection connection;
        @Option(names = "--partition", paramLabel = "N", description = "Only this partition (default: all).") Integer partition;
        @Option(names = "--partitions", paramLabel = "N", description = "How many partitions the hub has (default 4).") int partitions = 4;
        @Option(names = {"-f", "--follow"}, description = "Keep waiting for more.") boolean follow;

        @Override
        public Integer call() throws IOException {
            ServiceClient client = new ServiceClient(connection.resolve());
            PrintWriter out = spec.commandLine().getOut();
            int first = partition != null ? partition : 0;
            int last = partition != null ? partition : partitions - 1;
            long[] next = new long[last + 1];
            while (true) {
                boolean any = false;
                for (int p = first; p <= last; p++) {
                    JsonNode events = client.json("GET", "/gatehouse/events/partitions/" + p + "?from=" + next[p]
                            + "&max=500&waitSeconds=" + (follow && first == last ? 30 : 0), null);
                    for (JsonNode e : events) {
                        out.println(e.toString());
                        next[p] = e.path("sequenceNumber").asLong() + 1;
                        any = true;
                    }
                }
                out.flush();
                if (!follow && !any) {
                    return 0;
                }
            }
        }
    }
}
