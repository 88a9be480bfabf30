package io.gatehouse.server.cli;

import io.gatehouse.server.ConnectionInfo;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code gatehouse info}: how to reach the local running gateway, as its {@code gatehouse.json} records it. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Print the running gateway's host, ports, connection strings (service, Event Hub-compatible) and CA.")
public final class InfoCommand implements Callable<Integer> {

    @Spec CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Data directory of a local gateway (default ./data).")
    Path dataDir = Path.of("data");

    @Override
    public Integer call() throws IOException {
        ConnectionInfo info;
        try {
            info = ConnectionInfo.read(dataDir);
        } catch (IOException e) {
            throw new IOException("no running gateway found in " + dataDir.toAbsolutePath() + " (no "
                    + ConnectionInfo.FILE_NAME + ")");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println("Host name:                  " + info.hostName());
        info.ports().forEach((name, port) -> out.printf("%-27s %d%n", name + " port:", port));
        out.println("Service connection string:  " + info.serviceConnectionString());
        out.println("Event Hub-compatible:       " + info.eventHubConnectionString());
        out.println("CA certificate to trust:    " + info.trustFile());
        return 0;
    }
}
