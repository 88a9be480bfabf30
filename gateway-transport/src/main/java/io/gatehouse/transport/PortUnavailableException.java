package io.gatehouse.transport;

import java.util.Locale;

/** A listener could not bind its port; {@link #reason()} tells why in terms a remedy can be chosen by. */
public final class PortUnavailableException extends IllegalStateException {

    public enum Reason {
        /** The port is privileged (below 1024 on Linux, unless granted) and this process may not bind it. */
        PERMISSION_DENIED,
        /** Something else listens there. */
        IN_USE,
        OTHER
    }

    private final String listener;
    private final String address;
    private final int port;
    private final Reason reason;

    PortUnavailableException(String listener, String address, int port, Throwable cause) {
        super("cannot listen for " + listener + " on " + address + ":" + port + ": " + describe(cause), cause);
        this.listener = listener;
        this.address = address;
        this.port = port;
        this.reason = classify(cause);
    }

    public String listener() {
        return listener;
    }

    public String address() {
        return address;
    }

    public int port() {
        return port;
    }

    public Reason reason() {
        return reason;
    }

    /** Netty's native transport and the JDK word these differently; both carry the OS's text. */
    private static Reason classify(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            String text = String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT);
            if (text.contains("permission denied")) {
                return Reason.PERMISSION_DENIED;
            }
            if (text.contains("address already in use")) {
                return Reason.IN_USE;
            }
        }
        return Reason.OTHER;
    }

    private static String describe(Throwable cause) {
        return switch (classify(cause)) {
            case PERMISSION_DENIED -> "permission denied";
            case IN_USE -> "address already in use";
            case OTHER -> String.valueOf(cause.getMessage());
        };
    }
}
