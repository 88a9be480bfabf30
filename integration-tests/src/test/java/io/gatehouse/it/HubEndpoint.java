package io.gatehouse.it;

import java.nio.file.Path;

/**
 * What a client needs to reach a hub, be it one gateway process or a cluster behind a load balancer: the service
 * connection string of its owner policy, the CA certificate to trust and the port its REST API answers on.
 */
record HubEndpoint(String serviceConnectionString, Path caCertificate, int httpsPort) {

    static HubEndpoint of(GatewayProcess gateway) {
        return new HubEndpoint(gateway.serviceConnectionString(), gateway.caCertificate(), gateway.port("https"));
    }
}
