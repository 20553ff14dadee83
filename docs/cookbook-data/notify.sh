#!/bin/sh
# Called once per minute whose error rate crossed the threshold; the minute's row arrives on stdin.
jq -r --arg at "$SLUICE_WINDOW_START" '"ALERT \($at): \(.errors) of \(.count) requests failed"' >> alerts.txt
