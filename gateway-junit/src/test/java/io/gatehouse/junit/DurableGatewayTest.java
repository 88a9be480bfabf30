package io.gatehouse.junit;

import static org.assertj.core.api.Assertions.assertThat;

import io.gatehouse.core.model.DeviceId;
import io.gatehouse.core.queue.C2dRequest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The default store is the journal: writes are fsynced, and the metrics show commits, fsyncs and the time passes spent forcing. */
class DurableGatewayTest {

    @RegisterExtension
    static GatehouseExtension hub = GatehouseExtension.builder().durable().device("durable-1").build();

    @Test
    void commitsAreDurableAndMetered() {
        assertThat(hub.gatehouse().core().isDurable()).isTrue();
        DeviceId device = DeviceId.of("durable-1");
        for (int i = 0; i < 32; i++) {
            hub.gatehouse().core().c2d().send(device, C2dRequest.of("m" + i, new byte[] {1})).join();
            hub.gatehouse().core().c2d().purge(device).join();
        }
        String scrape = hub.gatehouse().metrics().scrape();
        assertThat(value(scrape, "gatehouse_store_fsyncs_total")).isPositive();
        assertThat(value(scrape, "gatehouse_store_commit_seconds_count\\{kind=\"state\"}")).isPositive();
        assertThat(value(scrape, "gatehouse_store_sync_seconds_count")).isPositive();
        assertThat(value(scrape, "gatehouse_store_pass_records_count")).isPositive();
        assertThat(value(scrape, "gatehouse_c2d_ended_total\\{outcome=\"purged\"}")).isPositive();
    }

    private static double value(String scrape, String metric) {
        Matcher m = Pattern.compile("(?m)^" + metric + " (\\S+)$").matcher(scrape);
        assertThat(m.find()).as(metric + " in the scrape").isTrue();
        return Double.parseDouble(m.group(1));
    }
}
