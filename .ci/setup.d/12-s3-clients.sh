#!/usr/bin/env bash
# The S3 clients that test/clients/{boto3,awscli,rclone,s3cmd}.test.ts drive through the proxy (issue 12): Debian's boto3, awscli,
# rclone and s3cmd, the versions a new user of a Debian machine gets.
source "$(dirname "$0")/../lib.sh"
need_debs python3-boto3 awscli rclone s3cmd
