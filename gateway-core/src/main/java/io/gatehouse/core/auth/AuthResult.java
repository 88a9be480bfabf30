package io.gatehouse.core.auth;

/** The outcome of checking a token: a principal, or a refusal that says why. */
public sealed interface AuthResult<P extends Principal> {

    /** How a refusal maps to protocol codes: bad credentials (MQTT CONNACK 4, HTTP 401) or not allowed (5, 403). */
    enum FailureKind { BAD_CREDENTIALS, NOT_AUTHORIZED }

    record Success<P extends Principal>(P principal) implements AuthResult<P> {
    }

    record Failure<P extends Principal>(FailureKind kind, String reason) implements AuthResult<P> {
    }

    static <P extends Principal> AuthResult<P> badCredentials(String reason) {
        return new Failure<>(FailureKind.BAD_CREDENTIALS, reason);
    }

    static <P extends Principal> AuthResult<P> notAuthorized(String reason) {
        return new Failure<>(FailureKind.NOT_AUTHORIZED, reason);
    }

    default boolean isSuccess() {
        return this instanceof Success;
    }

    /** The principal; throws when this is a failure. */
    default P principal() {
        if (this instanceof Success<P> s) {
            return s.principal();
        }
        throw new IllegalStateException("not authenticated: " + this);
    }
}
