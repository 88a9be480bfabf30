package io.gatehouse.it;

import com.microsoft.azure.sdk.iot.device.DeviceClient;
import com.microsoft.azure.sdk.iot.device.IotHubStatusCode;
import com.microsoft.azure.sdk.iot.device.Message;
import com.microsoft.azure.sdk.iot.device.exceptions.IotHubClientException;
import com.microsoft.azure.sdk.iot.device.transport.IotHubTransportMessage;
import com.microsoft.azure.sdk.iot.device.twin.GetTwinCorrelatingMessageCallback;
import com.microsoft.azure.sdk.iot.device.twin.ReportedPropertiesUpdateCorrelatingMessageCallback;
import com.microsoft.azure.sdk.iot.device.twin.ReportedPropertiesUpdateResponse;
import com.microsoft.azure.sdk.iot.device.twin.Twin;
import com.microsoft.azure.sdk.iot.device.twin.TwinCollection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The device SDK's twin GET and reported-property update, waiting for the answer through its public correlating
 * callbacks. Its synchronous {@code getTwin()} and {@code updateReportedProperties()} can miss an answer that did
 * arrive: {@code IotHubTransport.onMessageReceived} queues the message before it looks up the request's callback,
 * and the receive task may acknowledge it and remove that callback first (Azure/azure-iot-sdk-java#1803, fix in
 * #1847, not released). On two busy cores that happened in one run out of three. {@code onResponseAcknowledged}
 * runs on the receive task before the removal, so answering from whichever callback comes first is reliable. The
 * SDK is unmodified; the request on the wire is the same.
 */
final class DeviceTwinCalls {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private DeviceTwinCalls() {
    }

    static Twin getTwin(DeviceClient client) throws Exception {
        CompletableFuture<Twin> answer = new CompletableFuture<>();
        client.getTwinAsync(new GetTwinCorrelatingMessageCallback() {
            @Override
            public void onRequestQueued(Message message, Object context) {
            }

            @Override
            public void onRequestSent(Message message, Object context) {
            }

            @Override
            public void onRequestAcknowledged(Message message, Object context, IotHubClientException e) {
                if (e != null) {
                    answer.completeExceptionally(e);
                }
            }

            @Override
            public void onResponseReceived(Twin twin, Message message, Object context, IotHubStatusCode status,
                                           IotHubClientException e) {
                complete(answer, e, twin);
            }

            @Override
            public void onResponseAcknowledged(Message message, Object context) {
                IotHubTransportMessage response = (IotHubTransportMessage) message;
                if ("200".equals(response.getStatus())) {
                    answer.complete(Twin.createFromPropertiesJson(new String(message.getBytes(), StandardCharsets.UTF_8)));
                } else {
                    answer.completeExceptionally(new AssertionError("getTwin answered " + response.getStatus()));
                }
            }
        }, null);
        return answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    /** The new reported-properties version. */
    static int updateReported(DeviceClient client, TwinCollection reported) throws Exception {
        CompletableFuture<Integer> answer = new CompletableFuture<>();
        client.updateReportedPropertiesAsync(reported, new ReportedPropertiesUpdateCorrelatingMessageCallback() {
            @Override
            public void onRequestQueued(Message message, Object context) {
            }

            @Override
            public void onRequestSent(Message message, Object context) {
            }

            @Override
            public void onRequestAcknowledged(Message message, Object context, IotHubClientException e) {
                if (e != null) {
                    answer.completeExceptionally(e);
                }
            }

            @Override
            public void onResponseReceived(Message message, Object context, IotHubStatusCode status,
                                           ReportedPropertiesUpdateResponse response, IotHubClientException e) {
                complete(answer, e, response.getVersion());
            }

            @Override
            public void onResponseAcknowledged(Message message, Object context) {
                IotHubTransportMessage response = (IotHubTransportMessage) message;
                if ("204".equals(response.getStatus()) || "200".equals(response.getStatus())) {
                    answer.complete(response.getVersion());
                } else {
                    answer.completeExceptionally(new AssertionError("the reported patch answered " + response.getStatus()));
                }
            }
        }, null);
        return answer.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }

    private static <T> void complete(CompletableFuture<T> answer, IotHubClientException e, T value) {
        if (e != null) {
            answer.completeExceptionally(e);
        } else {
            answer.complete(value);
        }
    }
}
