package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.DeviceStatus;
import io.gatehouse.core.registry.DeviceUpdate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.exceptions.ClientConnectionSecuritySaslException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** docs/protocols.md#amqp-10 claims-based security and the three security layers (SASL ANONYMOUS, SASL PLAIN, none). */
class ClaimsBasedSecurityTest {

    private TestHub hub;
    private AmqpClients clients;
    private Device d1;

    @BeforeEach
    void start() throws Exception {
        hub = TestHub.plain();
        clients = new AmqpClients();
        d1 = hub.createDevice("d1");
    }

    @AfterEach
    void stop() throws Exception {
        clients.close();
        hub.close();
    }

    @Test
    void putTokenReplyCorrelatesByUuidAndCarriesAnIntStatus() throws Exception {
        Connection connection = clients.anonymous(hub.port());
        AmqpClients.Cbs cbs = new AmqpClients.Cbs(connection);
        Message<?> reply = cbs.putToken(TestHub.HOST + "/devices/d1", hub.deviceToken(d1));
        assertThat(reply.property("status-code")).isInstanceOf(Integer.class).isEqualTo(200);
        assertThat(reply.property("status-description")).isInstanceOf(String.class);
        // renewals arrive on the same links and are answered every time
        assertThat(cbs.putTokenStatus(TestHub.HOST + "/devices/d1", hub.deviceToken(d1))).isEqualTo(200);
        assertThat(cbs.putTokenStatus(TestHub.HOST + "/devices/d1", hub.deviceToken(d1))).isEqualTo(200);
    }

    @Test
    void badTokensAndNotAllowedOnesGet401() throws Exception {
        AmqpClients.Cbs cbs = new AmqpClients.Cbs(clients.anonymous(hub.port()));
        String wrongKey = SasTokens.deviceToken(TestHub.HOST, "d1", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
                Instant.now().plusSeconds(600));
        assertThat(cbs.putTokenStatus(TestHub.HOST + "/devices/d1", wrongKey)).isEqualTo(401);
        String expired = SasTokens.deviceToken(TestHub.HOST, "d1", d1.keys().primaryKey(), Instant.now().minusSeconds(5));
        assertThat(cbs.putTokenStatus(TestHub.HOST + "/devices/d1", expired)).isEqualTo(401);
        assertThat(cbs.putTokenStatus(TestHub.HOST + "/devices/d1", "not a token")).isEqualTo(401);
        // the registryRead policy exists but may not connect devices
        String registryRead = SasTokens.policyToken(TestHub.HOST + "/devices/d1", "registryRead",
                hub.policy("registryRead").keys().primaryKey(), Instant.now().plusSeconds(600));
        // not 403: the Azure AMQP clients read 403 as a quota error (the Java device SDK says QUOTA_EXCEEDED)
        assertThat(cbs.putTokenStatus(TestHub.HOST + "/devices/d1", registryRead)).isEqualTo(401);
        hub.core.registry().update(d1.id(), "*", DeviceUpdate.status(DeviceStatus.DISABLED)).get(5, TimeUnit.SECONDS);
        assertThat(cbs.putTokenStatus(TestHub.HOST + "/devices/d1", hub.deviceToken(d1))).as("disabled device").isEqualTo(401);
    }

    @Test
    void identityComesFromTheTokenNotFromTheNameProperty() throws Exception {
        Device d2 = hub.createDevice("d2");
        Connection connection = clients.anonymous(hub.port());
        AmqpClients.Cbs cbs = new AmqpClients.Cbs(connection);
        // the name claims d1, the token is d2's: the connection is authorized for d2 only
        assertThat(cbs.putTokenStatus(TestHub.HOST + "/devices/d1", hub.deviceToken(d2))).isEqualTo(200);
        assertThat(AmqpClients.refusal(connection.openSender("/devices/d1/messages/events")))
                .isEqualTo("amqp:unauthorized-access");
        assertThat(AmqpClients.refusal(connection.openSender("/devices/d2/messages/events"))).isNull();
    }

    @Test
    void deviceLinksBeforePutTokenAreRefusedUnauthorized() throws Exception {
        Connection connection = clients.anonymous(hub.port());
        assertThat(AmqpClients.refusal(connection.openSender("/devices/d1/messages/events")))
                .isEqualTo("amqp:unauthorized-access");
        assertThat(AmqpClients.refusal(connection.openReceiver("/devices/d1/messages/devicebound")))
                .isEqualTo("amqp:unauthorized-access");
        assertThat(AmqpClients.refusal(connection.openSender("/messages/devicebound")))
                .isEqualTo("amqp:unauthorized-access");
        // the connection itself survives the refusals: authenticate and go on
        AmqpClients.Cbs cbs = new AmqpClients.Cbs(connection);
        assertThat(cbs.putTokenStatus(TestHub.HOST + "/devices/d1", hub.deviceToken(d1))).isEqualTo(200);
        assertThat(AmqpClients.refusal(connection.openSender("/devices/d1/messages/events"))).isNull();
    }

    @Test
    void aDeviceTokenDoesNotOpenServiceLinks() throws Exception {
        Connection connection = clients.anonymous(hub.port());
        new AmqpClients.Cbs(connection).putTokenStatus(TestHub.HOST + "/devices/d1", hub.deviceToken(d1));
        assertThat(AmqpClients.refusal(connection.openSender("/messages/devicebound"))).isEqualTo("amqp:unauthorized-access");
        assertThat(AmqpClients.refusal(connection.openReceiver("/messages/servicebound/feedback")))
                .isEqualTo("amqp:unauthorized-access");
    }

    @Test
    void unknownAddressesAreNotFound() throws Exception {
        Connection connection = clients.anonymous(hub.port());
        assertThat(AmqpClients.refusal(connection.openSender("/nowhere"))).isEqualTo("amqp:not-found");
        assertThat(AmqpClients.refusal(connection.openReceiver("/devices/d1/streams"))).isEqualTo("amqp:not-found");
        // twin and method links exist, and need the device's token like its other links
        assertThat(AmqpClients.refusal(connection.openReceiver("/devices/d1/twin"))).isEqualTo("amqp:unauthorized-access");
        assertThat(AmqpClients.refusal(connection.openSender("/devices/d1/methods/devicebound"))).isEqualTo("amqp:unauthorized-access");
        assertThat(AmqpClients.refusal(connection.openReceiver("messages/events/ConsumerGroups/$Default/Partitions/99")))
                .isEqualTo("amqp:unauthorized-access");
    }

    @Test
    void withoutASaslLayerTheNodeSdkWayWorks() throws Exception {
        Connection connection = clients.noSasl(hub.port());
        AmqpClients.Cbs cbs = new AmqpClients.Cbs(connection);
        assertThat(cbs.putTokenStatus(TestHub.HOST + "/devices/d1", SasTokens.deviceTokenEncoded(TestHub.HOST, "d1",
                d1.keys().primaryKey(), Instant.now().plus(Duration.ofHours(1))))).isEqualTo(200);
        Sender sender = connection.openSender("/devices/d1/messages/events");
        assertThat(sender.send(Message.create(new byte[] {1, 2, 3})).awaitAccepted(10, TimeUnit.SECONDS).remoteState().isAccepted())
                .isTrue();
    }

    @Test
    void saslPlainCarriesTheTokenAsPassword() throws Exception {
        Connection device = clients.plain(hub.port(), "d1@sas.gatehouse", hub.deviceToken(d1));
        Sender sender = device.openSender("/devices/d1/messages/events");
        assertThat(sender.send(Message.create(new byte[] {7})).awaitAccepted(10, TimeUnit.SECONDS).remoteState().isAccepted())
                .isTrue();
        Connection service = clients.plain(hub.port(), "service", hub.serviceToken("service"));
        assertThat(AmqpClients.refusal(service.openSender("/messages/devicebound"))).isNull();
    }

    @Test
    void saslPlainWithABadTokenFailsTheConnection() {
        assertThatThrownBy(() -> clients.plain(hub.port(), "d1@sas.gatehouse", "SharedAccessSignature sr=x&sig=y&se=1"))
                .isInstanceOf(ClientConnectionSecuritySaslException.class);
        assertThatThrownBy(() -> clients.plain(hub.port(), "d2@sas.gatehouse", hub.deviceToken(d1)))
                .isInstanceOf(ClientConnectionSecuritySaslException.class);
    }
}
