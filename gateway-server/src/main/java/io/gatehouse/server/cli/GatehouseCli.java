package io.gatehouse.server.cli;

import io.gatehouse.core.model.GatewayException;
import io.gatehouse.journal.JournalCorruptionException;
import io.gatehouse.server.config.InvalidConfigException;
import io.gatehouse.server.config.ServerSettings;
import java.io.IOException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code gatehouse} command: start a gateway, or work with a running one. */
@Command(name = "gatehouse", mixinStandardHelpOptions = true, version = "Gatehouse 0.1.0",
        description = "An MQTT and AMQP device gateway with the messaging semantics of Azure IoT Hub.",
        subcommands = {StartCommand.class, DeviceCommand.class, C2dCommand.class, FeedbackCommand.class,
                EventsCommand.class, InfoCommand.class, TwinCommand.class, MethodCommand.class,
                CommandLine.HelpCommand.class})
public final class GatehouseCli {

    /** Exit code for a configuration that cannot start a gateway. */
    public static final int INVALID_CONFIGURATION = 2;
    /** Exit code for a failure to start or to reach a gateway. */
    public static final int FAILED = 1;

    public static void main(String[] args) {
        // the command's own console log, set up here rather than from a logback.xml on the classpath, so an
        // application that embeds the gateway keeps its own; -Dlogback.configurationFile still wins
        ConsoleLog.installUnlessConfigured();
        int code = run(args);
        ConsoleLog.flush();
        System.exit(code);
    }

    public static int run(String... args) {
        CommandLine cli = commandLine();
        return cli.execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new GatehouseCli());
        cli.setUsageHelpWidth(140);
        cli.getSubcommands().get("start").getCommandSpec().usageMessage().footer(ServerSettings.reference());
        cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            if (e instanceof InvalidConfigException) {
                commandLine.getErr().println("gatehouse: invalid configuration: " + e.getMessage());
                return INVALID_CONFIGURATION;
            }
            if (e instanceof IOException || e instanceof IllegalStateException || e instanceof GatewayException
                    || e instanceof JournalCorruptionException) {
                commandLine.getErr().println("gatehouse: " + e.getMessage());
                return FAILED;
            }
            throw e;
        });
        return cli;
    }
}
