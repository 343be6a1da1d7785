"""Adapters to AWS services: lazily built clients, S3 and SQS helpers."""
