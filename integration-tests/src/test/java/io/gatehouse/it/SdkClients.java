package io.gatehouse.it;

import java.util.List;

/** Test teardown for SDK clients. */
final class SdkClients {

    /** How one kind of client is closed (the device SDK's {@code DeviceClient} is not {@link AutoCloseable}). */
    interface Closer<T> {
        void close(T client) throws Exception;
    }

    private SdkClients() {
    }

    /**
     * Closes every client, even when one's close fails: a teardown that stopped at the first failure would leave the
     * hub running on the standard ports, and every later suite that needs them would fail too. Failures are printed,
     * not thrown: they are the SDK's own cleanup (the device SDK's proton-j reactor has thrown a NullPointerException
     * from {@code free()} here), not the behaviour under test.
     */
    static <T> void closeAll(List<T> clients, Closer<T> closer) {
        for (T client : clients) {
            close(client, closer);
        }
    }

    /** Closes one client the same way; a client never opened ({@code null}) is skipped. */
    static <T> void close(T client, Closer<T> closer) {
        if (client == null) {
            return;
        }
        try {
            closer.close(client);
        } catch (Exception e) {
            System.err.println("closing " + client.getClass().getSimpleName() + " failed (ignored in teardown): " + e);
        }
    }
}
