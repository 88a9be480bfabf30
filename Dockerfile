# Gatehouse in a container: docker build -t gatehouse:0.1.0 . && docker run -p 8883:8883 -p 5671:5671 -p 443:443 gatehouse:0.1.0
# Build stage: only a JDK is needed; the Maven wrapper fetches Maven and the dependencies.
FROM eclipse-temurin:17-jdk AS build
WORKDIR /src
COPY . .
RUN ./mvnw -B -q -DskipTests -pl gateway-server -am package

FROM eclipse-temurin:17-jre
RUN useradd --system --home-dir /var/lib/gatehouse gatehouse && mkdir -p /data && chown gatehouse /data
COPY --from=build /src/gateway-server/target/gatehouse.jar /opt/gatehouse/gatehouse.jar
USER gatehouse
VOLUME /data
# MQTT/TLS, MQTT, AMQP/TLS, AMQP, HTTPS, plain /health and /metrics
EXPOSE 8883 1883 5671 5672 443 9080
# Docker lets containers bind ports below 1024 (net.ipv4.ip_unprivileged_port_start=0), so 443 needs no root here.
# The default host name, 127.0.0.1, is what clients on this machine dial through the published ports.
ENV GATEHOUSE_DATA_DIR=/data GATEHOUSE_HTTPS_PORT=443
# bash's /dev/tcp: the JRE image has no curl, and a second JVM per check would cost more than the check
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/9080 && printf "GET /health HTTP/1.0\r\n\r\n" >&3 && grep -q "\"UP\"" <&3'
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/gatehouse/gatehouse.jar", "start"]
