# Local AMQP broker image: Debian's rabbitmq-server with the Erlang runtime, a shell for its
# scripts and the shared libraries they link, laid out like the rabbitmq image (the broker as
# the default command, port 5672, guest may log in from outside the container).
# The context is made by tests/images/rabbitmq-context.sh; built by .ci/docker.sh.
FROM scratch
COPY root/ /
RUN ["/bin/sh", "-c", "mkdir -p /var/log/rabbitmq && chown -R 999:999 /var/lib/rabbitmq /var/log/rabbitmq"]
ENV PATH=/usr/lib/rabbitmq/bin:/usr/bin:/bin HOME=/var/lib/rabbitmq RABBITMQ_LOGS=-
EXPOSE 5672
USER 999
CMD ["rabbitmq-server"]
