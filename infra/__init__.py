"""Infrastructure: resource definitions, provisioning, data, and the local AWS stack."""
