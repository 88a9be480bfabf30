package io.gatehouse.server.config;

/** A device the configuration file asks for at start; keys null means "generate" (or keep existing ones). */
public record DeviceDeclaration(String id, String primaryKey, String secondaryKey, String status) {
}
