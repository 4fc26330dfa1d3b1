# Local MQTT broker image: Debian's mosquitto binary with the shared libraries it links, laid out
# like eclipse-mosquitto (mosquitto on PATH, /mosquitto-no-auth.conf: port 1883, anonymous).
# The context is made by tests/images/mosquitto-context.sh; built by .ci/docker.sh.
FROM scratch
COPY root/ /
EXPOSE 1883
USER 1883
CMD ["mosquitto", "-c", "/mosquitto-no-auth.conf"]
