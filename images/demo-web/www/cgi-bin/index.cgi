#!/bin/sh
# GET / on skiff/demo-web: the version baked into the image and the hostname (the pod's name).
version="$(cat /etc/demo-web-version)"
host="$(hostname)"
printf 'Content-Type: text/plain; charset=utf-8\r\n\r\n'
printf 'Hello from demo-web %s\nversion: %s\nhostname: %s\n' "${version}" "${version}" "${host}"
