# Gatehouse in a container: docker build -t gatehouse . && docker run -p 8883:8883 -p 5671:5671 -p 443:443 gatehouse
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
# MQTT/TLS, MQTT, AMQP/TLS, AMQP, HTTPS
EXPOSE 8883 1883 5671 5672 443
ENV GATEHOUSE_DATA_DIR=/data GATEHOUSE_HTTPS_PORT=443
ENTRYPOINT ["java", "-XX:+ExitOnOutOfMemoryError", "-jar", "/opt/gatehouse/gatehouse.jar", "start"]
