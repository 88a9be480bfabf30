package io.gatehouse.cluster;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;

/**
 * Where the state of a cluster lives in PostgreSQL.
 *
 * @param url      a JDBC URL ({@code jdbc:postgresql://host:port/database}, with options such as
 *                 {@code ?currentSchema=...} or {@code sslmode=...})
 * @param user     the user to connect as (null: the URL's or the driver's default)
 * @param password its password (null: none)
 * @param clientId shown as the connection's {@code application_name}: which node holds a connection
 */
public record PostgresSettings(String url, String user, String password, String clientId) {

    private static final int CONNECT_TIMEOUT_SECONDS = 10;
    /** No single statement or commit may wait longer on a server that stopped answering. */
    private static final int SOCKET_TIMEOUT_SECONDS = 30;

    public PostgresSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(clientId, "clientId");
    }

    Connection connect() throws SQLException {
        Properties p = new Properties();
        if (user != null) {
            p.setProperty("user", user);
        }
        if (password != null) {
            p.setProperty("password", password);
        }
        p.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_SECONDS));
        p.setProperty("socketTimeout", Integer.toString(SOCKET_TIMEOUT_SECONDS));
        p.setProperty("tcpKeepAlive", "true");
        p.setProperty("ApplicationName", clientId);
        return DriverManager.getConnection(url, p);
    }

    /** The URL without its options, which may carry a password: for messages. */
    String where() {
        int options = url.indexOf('?');
        return options < 0 ? url : url.substring(0, options);
    }
}
