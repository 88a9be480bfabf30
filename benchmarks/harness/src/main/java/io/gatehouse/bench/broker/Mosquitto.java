package io.gatehouse.bench.broker;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Finding (and, only when the user asks, installing) the Debian package of Mosquitto. */
public final class Mosquitto {

    private Mosquitto() {
    }

    public static Optional<String> executable() {
        for (String dir : List.of("/usr/sbin", "/usr/bin", "/usr/local/sbin", "/usr/local/bin")) {
            Path p = Path.of(dir, "mosquitto");
            if (Files.isExecutable(p)) {
                return Optional.of(p.toString());
            }
        }
        return Optional.empty();
    }

    /** {@code apt-get install -y mosquitto}; returns whether it is installed afterwards. */
    public static boolean install() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("apt-get", "install", "-y", "mosquitto").inheritIO().start();
        if (!p.waitFor(10, TimeUnit.MINUTES)) {
            p.destroyForcibly();
        }
        return executable().isPresent();
    }
}
