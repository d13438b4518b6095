#!/bin/sh
# skiff/demo-web entrypoint: logs one line, then serves /www with busybox httpd in the foreground,
# logging each request to stderr. `GET /` runs /www/cgi-bin/index.cgi (httpd's index.cgi fallback).
port="${PORT:-8080}"
echo "demo-web $(cat /etc/demo-web-version) listening on :${port} (hostname $(hostname))"
exec httpd -f -v -p "${port}" -h /www
