package io.gatehouse.amqp.auth;

import io.gatehouse.core.auth.AuthResult;
import io.gatehouse.core.auth.Principal;
import io.gatehouse.core.auth.SasAuthenticator;
import io.gatehouse.core.model.DeviceId;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.qpid.proton.engine.Sasl;
import org.apache.qpid.proton.engine.SaslListener;
import org.apache.qpid.proton.engine.Transport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of SASL. ANONYMOUS always succeeds: the Java SDKs use it and then authenticate through
 * {@code $cbs}. PLAIN carries a SAS token as the password, with user name {@code {deviceId}@sas.{hub}} for a
 * device or a policy name for a service, and must match the token's identity. A refused token gets its outcome
 * once this node caught up with other nodes' registry changes ({@link SasAuthenticator#authenticateLatest}).
 */
public final class SaslServer implements SaslListener {

    private static final Logger log = LoggerFactory.getLogger(SaslServer.class);

    private final SasAuthenticator authenticator;
    private final ConnectionCredentials credentials;
    private final String peer;
    private final Runnable onRefused;
    private final Executor loop;
    private String mechanism;
    private boolean refused;

    /**
     * {@code onRefused} runs once the outcome says no: the connection then closes after writing it. {@code loop} runs
     * tasks on the connection's event loop and flushes afterwards (an outcome decided later is written by it).
     */
    public SaslServer(SasAuthenticator authenticator, ConnectionCredentials credentials, String peer, Runnable onRefused,
                      Executor loop) {
        this.authenticator = authenticator;
        this.credentials = credentials;
        this.peer = peer;
        this.onRefused = onRefused;
        this.loop = loop;
    }

    /** The mechanism the peer chose, or null before SASL init (or without SASL). */
    public String mechanism() {
        return mechanism;
    }

    public boolean refused() {
        return refused;
    }

    @Override
    public void onSaslInit(Sasl sasl, Transport transport) {
        String[] mechanisms = sasl.getRemoteMechanisms();
        mechanism = mechanisms.length == 0 ? "" : mechanisms[0];
        byte[] response = new byte[Math.max(0, sasl.pending())];
        sasl.recv(response, 0, response.length);
        if (mechanism.equals("ANONYMOUS")) {
            sasl.done(Sasl.SaslOutcome.PN_SASL_OK);
        } else if (mechanism.equals("PLAIN")) {
            plain(sasl, response);
        } else {
            refuse(sasl, "unsupported SASL mechanism '" + mechanism + "'");
        }
    }

    private void plain(Sasl sasl, byte[] response) {
        // authzid NUL authcid NUL passwd (RFC 4616)
        String text = new String(response, StandardCharsets.UTF_8);
        int first = text.indexOf('\0');
        int second = first < 0 ? -1 : text.indexOf('\0', first + 1);
        if (second < 0) {
            refuse(sasl, "malformed SASL PLAIN response");
            return;
        }
        String user = text.substring(first + 1, second);
        String password = text.substring(second + 1);
        int at = user.indexOf("@sas.");
        CompletableFuture<? extends AuthResult<? extends Principal>> result;
        if (at > 0 && user.startsWith("@sas.root.", at)) {
            // {policy}@sas.root.{hub}: a service, as Microsoft's IoT Hub samples sign in to read events
            result = policy(user.substring(0, at), password);
        } else if (at > 0) {
            String id = user.substring(0, at);
            if (!DeviceId.isValid(id)) {
                refuse(sasl, "SASL PLAIN user name names an invalid device id");
                return;
            }
            result = authenticator.authenticateIdentityLatest(DeviceId.of(id), null, password);
        } else {
            result = policy(user, password);
        }
        if (result.isDone()) {
            conclude(sasl, result.join());
        } else {
            result.thenAcceptAsync(latest -> conclude(sasl, latest), loop);
        }
    }

    private void conclude(Sasl sasl, AuthResult<? extends Principal> result) {
        if (result instanceof AuthResult.Failure<?> failure) {
            refuse(sasl, failure.reason());
            return;
        }
        credentials.add(result.principal());
        sasl.done(Sasl.SaslOutcome.PN_SASL_OK);
    }

    /** A token that, when it names a policy, must name {@code user}'s. */
    private CompletableFuture<AuthResult<Principal>> policy(String user, String password) {
        return authenticator.authenticateLatest(password).thenApply(result -> {
            if (result.isSuccess() && result.principal() instanceof Principal.ServicePrincipal service
                    && !service.policyName().equals(user)) {
                return AuthResult.notAuthorized("the token is for policy " + service.policyName() + ", not " + user);
            }
            return result;
        });
    }

    private void refuse(Sasl sasl, String reason) {
        refused = true;
        log.info("Refused AMQP SASL {} from {}: {}", mechanism, peer, reason);
        sasl.done(Sasl.SaslOutcome.PN_SASL_AUTH);
        onRefused.run();
    }

    @Override
    public void onSaslMechanisms(Sasl sasl, Transport transport) {
    }

    @Override
    public void onSaslChallenge(Sasl sasl, Transport transport) {
    }

    @Override
    public void onSaslResponse(Sasl sasl, Transport transport) {
    }

    @Override
    public void onSaslOutcome(Sasl sasl, Transport transport) {
    }
}
