package io.gatehouse.core.methods;

/** The device's answer: its status code and its JSON payload (bytes as the device sent them). */
public record MethodResult(int status, byte[] payload) {
}
