package io.gatehouse.amqp;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.amqp.eventhub.EventMessageEncoder;
import io.gatehouse.core.auth.SasTokens;
import io.gatehouse.core.config.HubSettings;
import io.gatehouse.core.events.D2cEvent;
import io.gatehouse.core.events.EventReader;
import io.gatehouse.core.events.StartPosition;
import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.registry.Device;
import io.gatehouse.core.registry.Module;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.qpid.protonj2.client.Connection;
import org.apache.qpid.protonj2.client.Message;
import org.apache.qpid.protonj2.client.Receiver;
import org.apache.qpid.protonj2.client.Sender;
import org.apache.qpid.protonj2.client.Tracker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Module links (docs/device-transports.md): a module's own token, its telemetry stamped with its id, and nothing of its device's. */
class ModuleLinksTest {

    private static final DeviceId D1 = DeviceId.of("d1");
    private static final String EVENTS = "/devices/d1/modules/m1/messages/events";

    private TestHub hub;
    private AmqpClients clients;
    private Device d1;
    private Module m1;

    @BeforeEach
    void start() throws Exception {
        hub = TestHub.plain(HubSettings.defaults(), AmqpOptions.defaults());
        clients = new AmqpClients();
        d1 = hub.createDevice("d1");
        m1 = hub.core.modules().create(D1, "m1", null, null).join();
    }

    @AfterEach
    void stop() throws Exception {
        clients.close();
        hub.close();
    }

    private Connection connectionWith(String audience, String token) throws Exception {
        Connection connection = clients.anonymous(hub.port());
        assertThat(new AmqpClients.Cbs(connection).putTokenStatus(audience, token)).isEqualTo(200);
        return connection;
    }

    private String moduleToken() {
        return SasTokens.moduleToken(TestHub.HOST, "d1", "m1", m1.keys().primaryKey(), Instant.now().plusSeconds(3600));
    }

    @Test
    void moduleTelemetryIsStampedWithTheModuleAndItsInboxLinkOpensEmpty() throws Exception {
        Connection connection = connectionWith(TestHub.HOST + "/devices/d1/modules/m1", moduleToken());
        Receiver inbox = connection.openReceiver("/devices/d1/modules/m1/messages/devicebound");
        AmqpClients.await(inbox.openFuture());
        Sender sender = connection.openSender(EVENTS);
        Tracker tracker = sender.send(Message.create("42".getBytes(StandardCharsets.UTF_8)).messageId("mod-1"))
                .awaitSettlement(10, TimeUnit.SECONDS);
        assertThat(tracker.remoteState().isAccepted()).isTrue();

        BlockingQueue<D2cEvent> events = new LinkedBlockingQueue<>();
        EventReader reader = hub.core.events().openReader("$Default", hub.core.events().partitionFor(D1),
                StartPosition.earliest(), events::add);
        reader.addCredit(1);
        D2cEvent event = events.poll(10, TimeUnit.SECONDS);
        reader.close();
        assertThat(event).isNotNull();
        assertThat(event.source().moduleId()).isEqualTo("m1");
        assertThat(event.properties().messageId()).isEqualTo("mod-1");
        assertThat(EventMessageEncoder.encode(event).getMessageAnnotations().getValue())
                .containsEntry(org.apache.qpid.proton.amqp.Symbol.valueOf("iothub-connection-module-id"), "m1");
        assertThat(hub.core.connections().isConnected(D1, "m1")).isTrue();
        assertThat(hub.core.connections().isConnected(D1)).isFalse();
        // nothing arrives on a module's inbox, even when its device has C2D messages
        assertThat(inbox.tryReceive()).isNull();
    }

    @Test
    void aModuleTokenDoesNotOpenItsDevicesLinksNorADeviceTokenTheModules() throws Exception {
        Connection asModule = connectionWith(TestHub.HOST + "/devices/d1/modules/m1", moduleToken());
        assertThat(AmqpClients.refusal(asModule.openSender("/devices/d1/messages/events"))).isEqualTo("amqp:unauthorized-access");
        assertThat(AmqpClients.refusal(asModule.openReceiver("/devices/d1/messages/devicebound"))).isEqualTo("amqp:unauthorized-access");

        Connection asDevice = connectionWith(TestHub.HOST + "/devices/d1", hub.deviceToken(d1));
        assertThat(AmqpClients.refusal(asDevice.openSender(EVENTS))).isEqualTo("amqp:unauthorized-access");
        assertThat(AmqpClients.refusal(asDevice.openSender("/devices/d1/modules/m2/messages/events"))).isEqualTo("amqp:unauthorized-access");
    }
}
