package io.gatehouse.core.methods;

/** What a device receives: the request id it must answer with, the method's name and its payload. */
public record MethodRequest(String requestId, String name, byte[] payload) {
}
