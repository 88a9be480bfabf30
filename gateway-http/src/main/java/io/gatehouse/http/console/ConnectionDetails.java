package io.gatehouse.http.console;

import java.util.Map;
import java.util.function.Supplier;

/**
 * What the HTTP module cannot know by itself about the gateway it runs in, for the console's connection page
 * and the health port's redirect: the host name clients dial, the bound port of each listener (known only once
 * they are bound, hence a supplier) and the PEM of the certificate clients should trust.
 */
public record ConnectionDetails(String hostName, Supplier<Map<String, Integer>> boundPorts, String trustPem) {

    /** The HTTPS port, or -1 before it is bound. */
    public int httpsPort() {
        return boundPorts.get().getOrDefault("https", -1);
    }
}
