"""What the service tells its operators: JSON log lines, metrics (CloudWatch EMF), request ids."""
