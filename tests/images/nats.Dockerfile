# Local stand-in for the official nats image: the static nats-server binary, nothing else.
# Built by .ci/docker.sh (no image registry is reachable in CI); the entrypoint is
# nats-server, as in the official images, so the container starts with its defaults (port 4222).
FROM scratch
COPY nats-server /nats-server
EXPOSE 4222
ENTRYPOINT ["/nats-server"]
