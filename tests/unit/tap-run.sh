#!/bin/sh
# Runs one GLib test program with TAP output for automake's TAP driver.
prog=$1
shift
exec "$prog" --tap "$@"
